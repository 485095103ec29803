package server

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/zksim/zksim/protocol"
	"github.com/zksim/zksim/server/config"
)

// Peer transport. Every server dials each other server once per channel (election,
// quorum) for what it sends, and accepts the connections the others dial for what
// it receives, so each TCP stream carries one direction and has one writer. A stream
// opens with a handshake (magic, version, the sender's id, the channel), then carries
// whole messages, each as a 4-byte length and the bytes. This is zksim's own framing:
// members talk to members of the same build.
//
// The core learns of every broken stream (PeerDisconnected); messages it sent on a
// stream that broke before it heard so are dropped, so a quorum stream never skips
// a message unnoticed.

const (
	peerMagic   = "ZKSM"
	peerVersion = 1
	// maxPeerMessage bounds one peer message; a SNAP sync carries the whole tree.
	maxPeerMessage = 1 << 30
	// peerQueue bounds the messages waiting for one stream.
	peerQueue   = 1 << 14
	dialTimeout = 3 * time.Second
)

type linkKey struct {
	peer int64
	ch   protocol.Channel
}

// outLink is a stream this server dialed to send on. The owner delivers; a writer
// goroutine dials and writes.
type outLink struct {
	key  linkKey
	addr string
	out  chan []byte
	dead bool // the owner heard it broke, or cut it
}

// inLink is a stream another server dialed to this one.
type inLink struct {
	key linkKey
	nc  net.Conn
}

// peerAddrs maps each other member to its election and quorum addresses.
func peerAddrs(cfg *config.Config) map[linkKey]string {
	out := map[linkKey]string{}
	for _, s := range cfg.Servers {
		if s.ID == cfg.ServerID || len(s.Addrs) == 0 {
			continue
		}
		a := s.Addrs[0]
		out[linkKey{s.ID, protocol.ChannelElection}] = net.JoinHostPort(a.Host, strconv.Itoa(a.ElectionPort))
		out[linkKey{s.ID, protocol.ChannelQuorum}] = net.JoinHostPort(a.Host, strconv.Itoa(a.QuorumPort))
	}
	return out
}

// listenPeers opens this server's election and quorum ports.
func listenPeers(cfg *config.Config) (map[protocol.Channel]net.Listener, error) {
	own, ok := cfg.Server(cfg.ServerID)
	if !ok || len(own.Addrs) == 0 {
		return nil, fmt.Errorf("server: no server.%d line for this server", cfg.ServerID)
	}
	a := own.Addrs[0]
	host := a.Host
	if cfg.QuorumListenOnAllIPs {
		host = ""
	}
	lns := map[protocol.Channel]net.Listener{}
	for ch, port := range map[protocol.Channel]int{protocol.ChannelElection: a.ElectionPort, protocol.ChannelQuorum: a.QuorumPort} {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return nil, fmt.Errorf("server: listen on %v port: %w", ch, err)
		}
		lns[ch] = ln
	}
	return lns, nil
}

// sendPeer hands a message to the stream for its destination and channel, opening
// one if needed.
func (s *Server) sendPeer(m protocol.PeerMessage) {
	key := linkKey{m.To, m.Channel}
	if m.Channel == protocol.ChannelElection {
		s.lastVote[m.To] = slices.Clone(m.Data)
	}
	l := s.outLinks[key]
	if l == nil || l.dead {
		addr, ok := s.peerAddrs[key]
		if !ok {
			s.log.Warn("message to an unknown server", "to", m.To, "channel", m.Channel.String())
			return
		}
		l = &outLink{key: key, addr: addr, out: make(chan []byte, peerQueue)}
		s.outLinks[key] = l
		s.wg.Add(1)
		go s.peerWriter(l)
	}
	select {
	case l.out <- m.Data:
	default:
		s.log.Warn("peer stream cut: too many messages waiting", "to", m.To, "channel", m.Channel.String())
		s.dropOutLink(l)
		s.core.PeerDisconnected(key.peer, key.ch)
	}
}

// closeQuorumLinks ends every quorum stream once this server stops leading, as
// ZooKeeper's Leader.shutdown closes each learner's socket: its learners then return
// to election at once instead of after syncLimit of silence. What was already queued
// on a stream is still written before it closes.
func (s *Server) closeQuorumLinks() {
	for _, l := range s.outLinks {
		if l.key.ch == protocol.ChannelQuorum {
			s.dropOutLink(l)
		}
	}
	for _, in := range s.inLinks {
		if in.key.ch == protocol.ChannelQuorum {
			in.nc.Close()
		}
	}
}

// dropOutLink retires a stream; its writer drops what is left and exits.
func (s *Server) dropOutLink(l *outLink) {
	if l.dead {
		return
	}
	l.dead = true
	close(l.out)
	if s.outLinks[l.key] == l {
		delete(s.outLinks, l.key)
	}
}

// peerWriter dials and writes one outgoing stream until it breaks, then tells the owner.
func (s *Server) peerWriter(l *outLink) {
	defer s.wg.Done()
	broken := func(err error) {
		for range l.out { // drop what is left until the owner retires the link
		}
	}
	nc, err := (&net.Dialer{Timeout: dialTimeout}).Dial("tcp", l.addr)
	if err == nil {
		var hs [17]byte
		copy(hs[:], peerMagic)
		binary.BigEndian.PutUint32(hs[4:], peerVersion)
		binary.BigEndian.PutUint64(hs[8:], uint64(s.cfg.ServerID))
		hs[16] = byte(l.key.ch)
		_, err = nc.Write(hs[:])
	}
	if err != nil {
		if nc != nil {
			nc.Close()
		}
		s.send(event{kind: evPeerDown, out: l, err: err})
		broken(err)
		return
	}
	defer nc.Close()
	go func() {
		// The stream carries nothing back; a read returns when the peer goes away,
		// and the owner hears of it at once rather than at the next write.
		io.Copy(io.Discard, nc)
		nc.Close()
		s.send(event{kind: evPeerDown, out: l, err: io.EOF})
	}()
	bw := bufio.NewWriterSize(nc, 64<<10)
	var prefix [4]byte
	for msg := range l.out {
		binary.BigEndian.PutUint32(prefix[:], uint32(len(msg)))
		bw.Write(prefix[:])
		bw.Write(msg)
		if len(l.out) > 0 {
			continue
		}
		if err := bw.Flush(); err != nil {
			s.send(event{kind: evPeerDown, out: l, err: err})
			broken(err)
			return
		}
	}
}

// acceptPeers takes the streams other members dial on one port.
func (s *Server) acceptPeers(ln net.Listener, ch protocol.Channel) {
	defer s.wg.Done()
	for {
		nc, err := ln.Accept()
		if err != nil {
			select {
			case <-s.stopped:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		s.wg.Add(1)
		go s.peerReader(nc, ch)
	}
}

// peerReader reads one incoming stream and hands its messages to the owner.
func (s *Server) peerReader(nc net.Conn, ch protocol.Channel) {
	defer s.wg.Done()
	defer nc.Close()
	br := bufio.NewReaderSize(nc, 64<<10)
	var hs [17]byte
	nc.SetReadDeadline(time.Now().Add(dialTimeout))
	if _, err := io.ReadFull(br, hs[:]); err != nil {
		return
	}
	nc.SetReadDeadline(time.Time{})
	from := int64(binary.BigEndian.Uint64(hs[8:]))
	if string(hs[:4]) != peerMagic || binary.BigEndian.Uint32(hs[4:]) != peerVersion || protocol.Channel(hs[16]) != ch {
		s.log.Warn("refused a peer stream: bad handshake", "remote", nc.RemoteAddr().String())
		return
	}
	if _, ok := s.peerAddrs[linkKey{from, ch}]; !ok {
		s.log.Warn("refused a peer stream from an unknown server", "id", from, "remote", nc.RemoteAddr().String())
		return
	}
	in := &inLink{key: linkKey{from, ch}, nc: nc}
	if !s.send(event{kind: evPeerUp, in: in}) {
		return
	}
	var err error
	for {
		var prefix [4]byte
		if _, err = io.ReadFull(br, prefix[:]); err != nil {
			break
		}
		n := binary.BigEndian.Uint32(prefix[:])
		if n > maxPeerMessage {
			err = fmt.Errorf("message of %d bytes", n)
			break
		}
		msg := make([]byte, n)
		if _, err = io.ReadFull(br, msg); err != nil {
			break
		}
		if !s.send(event{kind: evPeerMsg, in: in, payload: msg}) {
			return
		}
	}
	s.send(event{kind: evPeerDown, in: in, err: err})
}

// handlePeer takes a peer event in the owner goroutine.
func (s *Server) handlePeer(ev event) {
	switch ev.kind {
	case evPeerUp:
		// A new stream from a member replaces the old one, which is over.
		if old := s.inLinks[ev.in.key]; old != nil {
			old.nc.Close()
			s.core.PeerDisconnected(old.key.peer, old.key.ch)
		}
		s.inLinks[ev.in.key] = ev.in
		// A member that opens an election stream has just started or reconnected: what
		// we last sent it may have died with a stream that never reached it (dialled
		// before it listened). Send it again, as ZooKeeper's QuorumCnxManager resends
		// the last message to a peer whose connection comes up; a notification is
		// idempotent. Without this, a member that missed the round's votes waits for
		// its notification timeout, and a fresh ensemble for finalizeWait.
		if ev.in.key.ch == protocol.ChannelElection {
			if vote := s.lastVote[ev.in.key.peer]; vote != nil {
				s.sendPeer(protocol.PeerMessage{To: ev.in.key.peer, Channel: protocol.ChannelElection, Data: vote})
			}
		}
	case evPeerMsg:
		if s.inLinks[ev.in.key] == ev.in {
			s.core.StepPeer(ev.in.key.peer, ev.in.key.ch, ev.payload)
		}
	case evPeerDown:
		if ev.in != nil {
			if s.inLinks[ev.in.key] != ev.in {
				return
			}
			delete(s.inLinks, ev.in.key)
			s.core.PeerDisconnected(ev.in.key.peer, ev.in.key.ch)
			return
		}
		if !ev.out.dead {
			s.log.Debug("peer stream broke", "to", ev.out.key.peer, "channel", ev.out.key.ch.String(), "err", ev.err)
			s.dropOutLink(ev.out)
			s.core.PeerDisconnected(ev.out.key.peer, ev.out.key.ch)
		}
	}
}
