package protocol

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zksim/zksim/protocol/election"
	"github.com/zksim/zksim/protocol/storage"
	"github.com/zksim/zksim/protocol/wire"
	"github.com/zksim/zksim/protocol/zab"
)

func TestIntentRoundTrip(t *testing.T) {
	for _, in := range []intent{
		{kind: intentRequest, cxid: 7, ids: []wire.Id{{Scheme: "ip", ID: "10.0.0.1"}, {Scheme: "digest", ID: "u:x"}}, request: []byte{1, 2, 3}},
		{kind: intentCreateSession, timeout: 4000},
		{kind: intentCloseSession, cxid: -3},
		{kind: intentError, cxid: 9, code: wire.ErrMarshallingError},
		{kind: intentSync, cxid: 1},
	} {
		got, err := unmarshalIntent(in.marshal())
		require.NoError(t, err)
		if len(in.request) == 0 {
			in.request = []byte{}
		}
		require.Equal(t, in, got)
	}
	for _, bad := range [][]byte{nil, {9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, append((intent{kind: intentRequest}).marshal()[:13], 0, 0, 0, 5)} {
		_, err := unmarshalIntent(bad)
		require.ErrorIs(t, err, ErrBadIntent)
	}
}

// FuzzPeerStep feeds arbitrary bytes to an ensemble member on both channels, as a
// broken or hostile peer would send them: the Peer must refuse them without panic.
func FuzzPeerStep(f *testing.F) {
	f.Add(byte(1), (election.Notification{State: election.Looking, Leader: 2, Zxid: 5, ElectionEpoch: 1, PeerEpoch: 1, Version: election.NotificationVersion}).Marshal())
	f.Add(byte(2), (zab.Packet{Type: zab.TypeFollowerInfo, Zxid: 0, Data: zab.LearnerInfo{ServerID: 2, ProtocolVersion: zab.ProtocolVersion}.Marshal()}).Marshal())
	f.Add(byte(2), (zab.Packet{Type: zab.TypeRequest, Zxid: -1, Data: append(make([]byte, 8), (intent{kind: intentRequest, cxid: 1}).marshal()...)}).Marshal())
	f.Add(byte(2), (zab.Packet{Type: zab.TypeLeaderInfo, Zxid: zab.MakeZxid(5, 0), Data: []byte{0, 1, 0, 0}}).Marshal())
	f.Add(byte(2), []byte{0, 0, 0})
	f.Fuzz(func(t *testing.T, ch byte, msg []byte) {
		cfg := Config{ServerID: 1, TickTime: 100, Members: []Member{{ID: 1}, {ID: 2}, {ID: 3}}}
		p, err := NewQuorum(cfg, storage.RecoveredState{}, 1000)
		require.NoError(t, err)
		for i := range 3 {
			for p.HasReady() {
				p.Ready()
				p.Advance()
			}
			p.StepPeer(2, Channel(ch%3), msg)
			p.Tick(int64(1000 + 300*i))
		}
		_ = p.Status()
	})
}
