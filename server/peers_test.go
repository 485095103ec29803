package server

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zksim/zksim/protocol"
	"github.com/zksim/zksim/server/config"
)

// freePort returns a port of 127.0.0.1 that nothing listens on.
func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// When a member opens an election stream to us, it gets the last election message we
// sent it once more: the first may have gone down a stream dialled before it listened.
func TestElectionStreamUpResendsLastVote(t *testing.T) {
	member2, err := net.Listen("tcp", "127.0.0.1:0") // member 2's election port
	require.NoError(t, err)
	defer member2.Close()
	elPort := member2.Addr().(*net.TCPAddr).Port
	text := "tickTime=200\ninitLimit=10\nsyncLimit=5\ndataDir=" + t.TempDir() +
		"\nclientPort=" + strconv.Itoa(freePort(t)) + "\nclientPortAddress=127.0.0.1\n" +
		"server.1=127.0.0.1:" + strconv.Itoa(freePort(t)) + ":" + strconv.Itoa(freePort(t)) + "\n" +
		"server.2=127.0.0.1:" + strconv.Itoa(freePort(t)) + ":" + strconv.Itoa(elPort) + "\n"
	cfg, err := config.Parse("zoo.cfg", []byte(text))
	require.NoError(t, err)
	require.NoError(t, cfg.UseMyID("myid", []byte("1")))
	s, err := New(cfg, Options{})
	require.NoError(t, err)
	t.Cleanup(func() {
		for _, l := range s.outLinks {
			s.dropOutLink(l)
		}
		for _, ln := range s.peerLns {
			ln.Close()
		}
		s.ln.Close()
		s.wg.Wait()
		s.files.Close()
	})

	// This test is the owner goroutine: it calls what Run's loop would.
	vote := []byte("a vote")
	s.sendPeer(protocol.PeerMessage{To: 2, Channel: protocol.ChannelElection, Data: vote})
	nc, err := member2.Accept()
	require.NoError(t, err)
	defer nc.Close()
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(nc)
	_, err = io.ReadFull(br, make([]byte, 17)) // handshake
	require.NoError(t, err)
	frame := func() []byte {
		var prefix [4]byte
		_, err := io.ReadFull(br, prefix[:])
		require.NoError(t, err)
		msg := make([]byte, binary.BigEndian.Uint32(prefix[:]))
		_, err = io.ReadFull(br, msg)
		require.NoError(t, err)
		return msg
	}
	require.Equal(t, vote, frame())

	// Member 2's own election stream to us comes up: the vote goes again.
	in, out := net.Pipe()
	defer in.Close()
	defer out.Close()
	s.handlePeer(event{kind: evPeerUp, in: &inLink{key: linkKey{2, protocol.ChannelElection}, nc: in}})
	require.Equal(t, vote, frame())

	// A quorum stream coming up resends nothing.
	s.handlePeer(event{kind: evPeerUp, in: &inLink{key: linkKey{2, protocol.ChannelQuorum}, nc: out}})
	s.sendPeer(protocol.PeerMessage{To: 2, Channel: protocol.ChannelElection, Data: []byte("next")})
	require.Equal(t, []byte("next"), frame())
}
