package zab

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

func z(epoch, counter int64) int64 { return MakeZxid(epoch, counter) }

func logOf(base int64, zxids ...int64) *memLog {
	l := &memLog{base: base}
	for _, x := range zxids {
		l.append(Entry{Zxid: x})
	}
	return l
}

func TestDecideSync(t *testing.T) {
	leader := logOf(z(1, 2), z(1, 3), z(1, 4), z(3, 1), z(3, 2), z(4, 1))
	boundary := z(3, 2) // 4.1 is proposed, not committed
	tests := []struct {
		name     string
		peer     int64
		wantMode SyncMode
		wantFrom int64
	}{
		{"up to date", z(3, 2), SyncDiff, z(3, 2)},
		{"behind inside the window", z(1, 3), SyncDiff, z(1, 3)},
		{"at the window base", z(1, 2), SyncDiff, z(1, 2)},
		{"below the window", z(1, 1), SyncSnap, 0},
		{"empty peer below the window", 0, SyncSnap, 0},
		{"extra uncommitted txn of the last epoch", z(3, 3), SyncTrunc, z(3, 2)},
		{"ahead in a later epoch", z(5, 1), SyncSnap, 0},
		{"diverged in an old epoch", z(1, 5), SyncTrunc, z(1, 4)},
		{"diverged in an epoch the leader never saw", z(2, 1), SyncSnap, 0},
		{"peer holds the outstanding 4.1", z(4, 1), SyncDiff, z(4, 1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mode, from := decideSync(leader, boundary, tc.peer)
			if mode != tc.wantMode || from != tc.wantFrom {
				t.Fatalf("decideSync(%x) = %v %x, want %v %x", tc.peer, mode, from, tc.wantMode, tc.wantFrom)
			}
		})
	}
	// A leader with an empty history can always truncate to zero.
	if mode, from := decideSync(logOf(0), 0, z(2, 3)); mode != SyncTrunc || from != 0 {
		t.Fatalf("empty leader: %v %x", mode, from)
	}
	if mode, from := decideSync(logOf(0, z(2, 1)), z(2, 1), z(1, 1)); mode != SyncTrunc || from != 0 {
		t.Fatalf("leader from zero, peer diverged in epoch 1: %v %x", mode, from)
	}
}

// history draws a ZAB-plausible committed history: increasing epochs, each a run of
// counters 1..n.
func history(t *rapid.T) []int64 {
	var h []int64
	epoch := int64(0)
	for range rapid.IntRange(0, 4).Draw(t, "epochs") {
		epoch += rapid.Int64Range(1, 3).Draw(t, "epochGap")
		for c := range rapid.Int64Range(0, 4).Draw(t, "txns") {
			h = append(h, z(epoch, c+1))
		}
	}
	return h
}

// TestSyncBringsLearnerToLeaderHistory: for any plausible leader history, kept window
// and learner log, applying the chosen sync yields exactly the leader's history.
func TestSyncBringsLearnerToLeaderHistory(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := history(t)
		lastEpoch := int64(0)
		if len(h) > 0 {
			lastEpoch = EpochOf(h[len(h)-1])
		}
		b := rapid.IntRange(0, len(h)).Draw(t, "windowStart")
		base := int64(0)
		if b > 0 {
			base = h[b-1]
		}
		leader := logOf(base, h[b:]...)
		boundary := leader.last()
		outstanding := rapid.Bool().Draw(t, "outstanding") // an uncommitted proposal of the new epoch
		if outstanding {
			leader.append(Entry{Zxid: z(lastEpoch+5, 1)})
		}

		// The learner holds a prefix of the history, then maybe transactions that
		// were never committed: more of its last epoch (only past the end of that
		// epoch's run in the history) or a run of an epoch the history skipped.
		k := rapid.IntRange(0, len(h)).Draw(t, "learnerPrefix")
		learner := slices.Clone(h[:k])
		prefixOnly := true
		nextEpoch := lastEpoch + 5 // the new leader's epoch
		if k < len(h) {
			nextEpoch = EpochOf(h[k])
		}
		if rapid.Bool().Draw(t, "diverge") {
			lastOwn := int64(0)
			if k > 0 {
				lastOwn = learner[k-1]
			}
			endOfRun := k == len(h) || EpochOf(h[k]) != EpochOf(lastOwn)
			var extra []int64
			if k > 0 && endOfRun && rapid.Bool().Draw(t, "sameEpoch") {
				for c := range rapid.Int64Range(1, 3).Draw(t, "extra") {
					extra = append(extra, lastOwn+c+1)
				}
			} else if skipped := EpochOf(lastOwn) + 1; skipped < nextEpoch && !slices.ContainsFunc(h, func(x int64) bool { return EpochOf(x) == skipped }) {
				for c := range rapid.Int64Range(1, 3).Draw(t, "extraSkipped") {
					extra = append(extra, z(skipped, c+1))
				}
			}
			learner = append(learner, extra...)
			prefixOnly = len(extra) == 0
		}
		// A learner with the whole history may also hold the outstanding proposal: it
		// keeps it (a DIFF from there), which commits later.
		want := h
		if outstanding && prefixOnly && k == len(h) && rapid.Bool().Draw(t, "holdsOutstanding") {
			learner = append(learner, z(lastEpoch+5, 1))
			want = append(slices.Clone(h), z(lastEpoch+5, 1))
		}
		peer := int64(0)
		if len(learner) > 0 {
			peer = learner[len(learner)-1]
		}

		mode, from := decideSync(leader, boundary, peer)
		if prefixOnly && peer >= base && mode != SyncDiff {
			t.Fatalf("%v for a learner %x that a DIFF could sync (base %x)", mode, learner, base)
		}
		var result []int64
		switch mode {
		case SyncDiff:
			if from != peer {
				t.Fatalf("DIFF from %x, peer %x", from, peer)
			}
			result = slices.Clone(learner)
		case SyncTrunc:
			for _, x := range learner {
				if x <= from {
					result = append(result, x)
				}
			}
			if len(result) > 0 && result[len(result)-1] != from || len(result) == 0 && from != 0 {
				t.Fatalf("TRUNC to %x, which the learner %x does not hold", from, learner)
			}
		case SyncSnap:
			from = rapid.SampledFrom(append([]int64{base}, h[b:]...)).Draw(t, "snapshotAt")
			result = slices.Clone(h[:slices.Index(append([]int64{0}, h...), from)])
		}
		if from < boundary {
			for _, e := range leader.between(from, boundary) {
				result = append(result, e.Zxid)
			}
		}
		if !slices.Equal(result, want) {
			t.Fatalf("%v from %x: learner %x became %x, want %x", mode, from, learner, result, want)
		}
	})
}
