package storage

import (
	"errors"
	"testing"

	"pgregory.net/rapid"
)

// TestRecoverStagedEpochProperty draws the epoch files a crash can leave next to a log
// (currentEpoch, a staged currentEpoch.tmp, acceptedEpoch) and checks Recover against a
// model: a log ahead of currentEpoch is accepted only when the staged epoch covers it,
// currentEpoch is then the last zxid's epoch (the staged records may be torn), and
// after the repairs a second recovery is clean and agrees.
func TestRecoverStagedEpochProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		recs, files := drawHistory(t)
		m, _ := buildNode(t, files)
		lastEpoch := EpochOf(recs[len(recs)-1].Zxid)
		current := rapid.Int64Range(0, lastEpoch+1).Draw(t, "currentEpoch")
		m[CurrentEpochFile] = EncodeEpoch(current)
		stagedAt := int64(-1)
		if rapid.Bool().Draw(t, "staged") {
			stagedAt = rapid.Int64Range(0, lastEpoch+2).Draw(t, "stagedEpoch")
			m[CurrentEpochTempFile] = EncodeEpoch(stagedAt)
		}
		accepted := rapid.Int64Range(0, lastEpoch+2).Draw(t, "acceptedEpoch")
		m[AcceptedEpochFile] = EncodeEpoch(accepted)

		want := current
		if current < lastEpoch {
			want = -1 // nothing staged, or too old to cover the log
			if stagedAt >= lastEpoch {
				want = lastEpoch
			}
		}
		st, err := Recover(m)
		if want < lastEpoch || accepted < want {
			if !errors.Is(err, ErrEpoch) {
				t.Fatalf("currentEpoch %d staged %d accepted %d last epoch %d: err %v, want ErrEpoch", current, stagedAt, accepted, lastEpoch, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("currentEpoch %d staged %d accepted %d last epoch %d: %v", current, stagedAt, accepted, lastEpoch, err)
		}
		if st.CurrentEpoch != want || st.AcceptedEpoch != accepted {
			t.Fatalf("recovered epochs %d/%d, want %d/%d", st.CurrentEpoch, st.AcceptedEpoch, want, accepted)
		}
		if err := m.Apply(st.Repairs); err != nil {
			t.Fatal(err)
		}
		if _, left := m[CurrentEpochTempFile]; left {
			t.Fatalf("%s left after repairs %v", CurrentEpochTempFile, st.Repairs)
		}
		again, err := Recover(m)
		if err != nil || len(again.Repairs) != 0 || again.CurrentEpoch != want {
			t.Fatalf("second recovery: %v, repairs %v, currentEpoch %d want %d", err, again.Repairs, again.CurrentEpoch, want)
		}
	})
}
