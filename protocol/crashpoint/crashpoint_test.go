package crashpoint

import (
	"slices"
	"testing"
)

func TestEveryPointIsDescribedAndSorted(t *testing.T) {
	all := All()
	if len(all) < 15 {
		t.Fatalf("only %d crash points", len(all))
	}
	if !slices.IsSorted(all) {
		t.Fatalf("All is not sorted: %v", all)
	}
	for _, p := range all {
		if !p.Valid() || p.Description() == "" {
			t.Errorf("%s: valid=%v description=%q", p, p.Valid(), p.Description())
		}
	}
	if Point("no-such-step").Valid() || Point("no-such-step").Description() != "" {
		t.Error("an unknown point is valid")
	}
}

func TestRoles(t *testing.T) {
	for p, want := range map[Point]Role{
		LeaderAppendBeforeFsync:   Leader,
		FollowerFsyncBeforeAck:    Follower,
		ObserverInformBeforeApply: Observer,
		CommitBeforeApply:         Any,
	} {
		if got := p.Role(); got != want {
			t.Errorf("%s: role %d, want %d", p, got, want)
		}
	}
}
