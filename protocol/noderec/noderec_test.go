package noderec

import (
	"errors"
	"slices"
	"testing"

	"github.com/zksim/zksim/protocol"
	"github.com/zksim/zksim/protocol/storage"
)

func TestLineRoundTrip(t *testing.T) {
	evs := []Event{
		{Kind: Logged, Time: 1763800000123456789, Zxid: 0x300000007, Digest: 0xdeadbeefcafef00d},
		{Kind: LeaderEstablished, Time: 1763800000123456790, Epoch: 3, Zxid: 0x300000000},
		{Kind: Final, Time: 6},
	}
	var text []byte
	for _, ev := range evs {
		text = AppendLine(text, ev)
	}
	got, bad := ParseFile(string(text))
	if bad != 0 || len(got) != 3 || got[0] != evs[0] || got[1] != evs[1] {
		t.Fatalf("round trip: %v (bad %d), want %v", got, bad, evs)
	}
	// Times that go back are raised: the log stays in time order.
	if got[2].Time != got[1].Time {
		t.Errorf("time went back: %d after %d", got[2].Time, got[1].Time)
	}
}

func TestParseFileSkipsTornLines(t *testing.T) {
	text := "10 logged 0 0x1 0xaa\n11 committed 0 0x1 0x0\n12 logg"
	got, bad := ParseFile(text)
	if bad != 1 || len(got) != 2 || got[1].Kind != Committed {
		t.Fatalf("got %v, %d bad", got, bad)
	}
	for _, line := range []string{"", "1 logged 0 0x1", "1 nonsense 0 0x1 0x0", "x logged 0 0x1 0x0", "1 logged 0 1 0x0"} {
		if _, err := ParseLine(line); !errors.Is(err, ErrBadLine) {
			t.Errorf("%q: err %v", line, err)
		}
	}
}

// A recorder resumed from an earlier incarnation's events goes on from them: a
// restart is declared, what was logged is not logged again, and a lost tail is a
// truncation.
func TestResumeThenRecovered(t *testing.T) {
	var out []Event
	first := Recorder{Emit: func(ev Event) { out = append(out, ev) }}
	first.Recovered(storage.RecoveredState{})
	first.Persisted([]int64{1, 2, 3}, []uint64{7, 8, 9}, nil, &protocol.HardState{AcceptedEpoch: 1, CurrentEpoch: 1})
	prev := slices.Clone(out)
	out = nil
	second := Recorder{Emit: func(ev Event) { out = append(out, ev) }}
	for _, ev := range prev {
		second.Resume(ev)
	}
	second.Recovered(storage.RecoveredState{LastZxid: 2})
	second.Epochs(protocol.HardState{AcceptedEpoch: 1, CurrentEpoch: 1})
	want := []Event{{Kind: Restarted}, {Kind: Truncated, Zxid: 2}}
	if !slices.Equal(out, want) {
		t.Errorf("second incarnation recorded %v, want %v", out, want)
	}
}
