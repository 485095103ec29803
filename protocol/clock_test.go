package protocol

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zksim/zksim/protocol/storage"
	"github.com/zksim/zksim/protocol/wire"
)

// A host with one clock that steps back keeps ticking the Peer: the session's timeout
// runs on from the step, it does not wait for the clock to catch up.
func TestSessionExpiresAfterTheClockStepsBack(t *testing.T) {
	const start = 1_000_000
	h := newTestHost(t, Config{TickTime: 2000})
	h.connect(1)
	h.p.Disconnect(1)
	h.p.Tick(start + 10_000)
	back := int64(start - 3_600_000)
	h.p.Tick(back)
	for now := back; now <= back+15_000; now += 1000 {
		h.p.Tick(now)
		h.drive()
	}
	require.Equal(t, 1, h.p.Status().Sessions, "25 s into a 30 s session")
	for now := back + 16_000; now <= back+24_000; now += 1000 {
		h.p.Tick(now)
		h.drive()
	}
	require.Equal(t, 0, h.p.Status().Sessions, "a 30 s session alive after 34 s of ticks")
}

// A wall-clock jump only changes the stamps of transactions; deadlines run on the
// elapsed clock.
func TestWallClockJumpStampsButDoesNotExpire(t *testing.T) {
	const start = 1_000_000
	h := newTestHost(t, Config{TickTime: 2000})
	h.connect(1)
	jumped := int64(start + 3_600_000)
	h.p.TickClocks(jumped, start+10_000)
	h.drive()
	require.Equal(t, 1, h.p.Status().Sessions, "a wall-clock jump expired the session")
	h.send(1, 1, &wire.CreateRequest{Path: "/n", ACL: openACL()})
	hdr, _ := h.reply(1, wire.OpCreate)
	require.Equal(t, wire.ErrOK, hdr.Err)
	h.send(1, 2, &wire.ExistsRequest{Path: "/n"})
	_, resp := h.reply(1, wire.OpExists)
	require.Equal(t, jumped, resp.(*wire.StatResponse).Stat.Mtime, "mtime comes from the wall clock")

	// Back before the start: the elapsed clock still runs the session out.
	h.p.Disconnect(1)
	h.p.TickClocks(start-3_600_000, start+50_000)
	h.drive()
	require.Equal(t, 0, h.p.Status().Sessions)
}

// An ensemble member whose clock steps back keeps running its election: a LOOKING
// server with no answers keeps sending its notifications.
func TestElectionKeepsTickingAfterTheClockStepsBack(t *testing.T) {
	const start = 1_000_000
	p, err := NewQuorum(Config{ServerID: 1, TickTime: 200, Members: []Member{{ID: 1}, {ID: 2}, {ID: 3}}},
		storage.RecoveredState{}, start)
	require.NoError(t, err)
	notifications := func() int {
		n := 0
		for p.HasReady() {
			for _, m := range p.Ready().PeerMessages {
				if m.Channel == ChannelElection {
					n++
				}
			}
			p.Advance()
		}
		return n
	}
	require.Positive(t, notifications(), "a new member announces its vote")
	back := int64(start - 3_600_000)
	p.Tick(start + 100)
	p.Tick(back)
	sent := 0
	for now := back; now <= back+2000; now += 100 {
		p.Tick(now)
		sent += notifications()
	}
	require.Positive(t, sent, "no notification sent again in 2 s after the clock stepped back")
}
