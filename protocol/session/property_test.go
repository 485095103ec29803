package session

import (
	"cmp"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// modelSession is the naive model: a session expires at the first multiple of tickTime
// strictly after its last touch plus its timeout.
type modelSession struct {
	timeout   int32
	lastTouch int64
	closing   bool
}

func modelExpiry(s modelSession, tick int64) int64 {
	due := s.lastTouch + int64(s.timeout)
	for e := due - due%tick - 2*tick; ; e += tick { // walk the boundaries; no division tricks
		if e > due {
			return e
		}
	}
}

func TestExpiryMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tick := int64(rapid.SampledFrom([]int32{1, 7, 100, 2000}).Draw(t, "tick"))
		tb, err := NewTable(Config{ServerID: 3, Clock: 12345, TickTime: int32(tick)})
		if err != nil {
			t.Fatal(err)
		}
		model := map[ID]*modelSession{}
		var ids []ID
		now := rapid.Int64Range(0, 10000).Draw(t, "start")

		pick := func() ID {
			if len(ids) == 0 || rapid.IntRange(0, 9).Draw(t, "unknown") == 0 {
				return ID(rapid.Int64().Draw(t, "any id"))
			}
			return rapid.SampledFrom(ids).Draw(t, "id")
		}
		for range rapid.IntRange(1, 200).Draw(t, "steps") {
			switch rapid.IntRange(0, 5).Draw(t, "op") {
			case 0: // create
				to := rapid.Int32Range(0, 50*int32(tick)).Draw(t, "timeout")
				id := tb.Create(to, now)
				if _, dup := model[id]; dup {
					t.Fatalf("id %v handed out twice", id)
				}
				model[id] = &modelSession{timeout: to, lastTouch: now}
				ids = append(ids, id)
			case 1, 2: // touch
				id := pick()
				m := model[id]
				want := m != nil && !m.closing
				if got := tb.Touch(id, now); got != want {
					t.Fatalf("Touch(%v) = %v, want %v", id, got, want)
				}
				if want {
					m.lastTouch = now
				}
			case 3: // close or remove
				id := pick()
				m := model[id]
				if rapid.Bool().Draw(t, "remove") {
					if got := tb.Remove(id); got != (m != nil) {
						t.Fatalf("Remove(%v) = %v", id, got)
					}
					delete(model, id)
				} else {
					if got := tb.Close(id); got != (m != nil && !m.closing) {
						t.Fatalf("Close(%v) = %v", id, got)
					}
					if m != nil {
						m.closing = true
					}
				}
			default: // time passes, expire
				now += rapid.Int64Range(0, 10*tick).Draw(t, "advance")
				type due struct {
					id ID
					at int64
				}
				var want []due
				for id, m := range model {
					at := modelExpiry(*m, tick)
					if !m.closing && at <= now {
						want = append(want, due{id, at})
					}
				}
				slices.SortFunc(want, func(a, b due) int {
					return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.id, b.id))
				})
				got := tb.Expired(now)
				if len(got) != len(want) {
					t.Fatalf("Expired(%d) = %v, want %v", now, got, want)
				}
				for i := range want {
					if got[i] != want[i].id {
						t.Fatalf("Expired(%d) = %v, want %v", now, got, want)
					}
					model[got[i]].closing = true
				}
			}
			for id, m := range model {
				if d, _ := tb.Deadline(id); !m.closing && d != modelExpiry(*m, tick) {
					t.Fatalf("deadline of %v = %d, model %d", id, d, modelExpiry(*m, tick))
				}
				wantState := StateOpen
				if m.closing {
					wantState = StateClosing
				}
				if got := tb.State(id); got != wantState {
					t.Fatalf("state of %v = %v, want %v", id, got, wantState)
				}
			}
			if tb.Len() != len(model) {
				t.Fatalf("Len = %d, model %d", tb.Len(), len(model))
			}
		}
	})
}

func BenchmarkTouch(b *testing.B) {
	tb := newTable(b, Config{ServerID: 1, TickTime: 2000})
	const n = 10000
	ids := make([]ID, n)
	for i := range ids {
		ids[i] = tb.Create(30000, 0)
	}
	b.ReportAllocs()
	now := int64(0)
	i := 0
	for b.Loop() {
		now += 3
		tb.Touch(ids[i%n], now)
		i++
	}
}

func BenchmarkCreateExpire(b *testing.B) {
	tb := newTable(b, Config{ServerID: 1, TickTime: 2000})
	b.ReportAllocs()
	now := int64(0)
	for b.Loop() {
		// 100 sessions per tick, each expiring three ticks later.
		for range 100 {
			tb.Create(4000, now)
		}
		for _, id := range tb.Expired(now) {
			tb.Remove(id)
		}
		now += 2000
	}
}
