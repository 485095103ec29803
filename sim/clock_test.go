package sim

import (
	"testing"
	"time"
)

func TestClockDriftAndJump(t *testing.T) {
	w, p := newTestWorld(t, Options{}, 1)
	c, err := w.Clock(1)
	must(t, err)
	must(t, c.SetDrift(100_000)) // 10% fast
	w.RunFor(time.Second)
	if got := p[0].env.Monotonic(); got != 1100*ms {
		t.Fatalf("monotonic %v after 1s at +10%%", got)
	}
	wall := p[0].env.Now()
	must(t, c.Jump(-time.Hour))
	if got := p[0].env.Now(); got != wall.Add(-time.Hour) {
		t.Fatalf("wall %v after jump, want %v", got, wall.Add(-time.Hour))
	}
	if got := p[0].env.Monotonic(); got != 1100*ms {
		t.Fatal("jump moved the monotonic clock")
	}
	must(t, c.SetDrift(-500_000)) // half speed
	w.RunFor(time.Second)
	if got := p[0].env.Monotonic(); got != 1600*ms {
		t.Fatalf("monotonic %v", got)
	}
	wantErr(t, c.SetDrift(600_000), ErrInvalidOptions)
	wantErr(t, c.Jump(48*time.Hour), ErrInvalidOptions)
}

func TestTimerUsesLocalTime(t *testing.T) {
	for _, ppm := range []int64{-500_000, -3, 0, 7, 250_000} {
		w, p := newTestWorld(t, Options{}, 1)
		c, err := w.Clock(1)
		must(t, err)
		must(t, c.SetDrift(ppm))
		var firedAt time.Duration
		p[0].timer = func(p *testProc, _ TimerID) { firedAt = p.env.Monotonic() }
		start := p[0].env.Monotonic()
		p[0].env.SetTimer(time.Second)
		w.RunFor(10 * time.Second)
		if el := firedAt - start; el < time.Second || el > time.Second+2 {
			t.Fatalf("ppm %d: timer for 1s fired after %v local", ppm, el)
		}
	}
}

func TestTimerCancel(t *testing.T) {
	w, p := newTestWorld(t, Options{}, 1)
	id := p[0].env.SetTimer(ms)
	p[0].env.SetTimer(2 * ms)
	p[0].env.CancelTimer(id)
	w.RunFor(time.Second)
	if n := len(p[0].log); n != 2 {
		t.Fatalf("log %v", p[0].log)
	}
}

func TestClockOptionsSpreadClocks(t *testing.T) {
	w, p := newTestWorld(t, Options{Seed: 3, Clock: ClockOptions{MaxOffset: time.Minute, MaxDriftPPM: 100}}, 3)
	seen := map[Time]bool{}
	for _, q := range p {
		now := q.env.Now()
		if now < Time(-time.Minute) || now > Time(time.Minute) {
			t.Fatalf("offset %v outside ±1m", now)
		}
		seen[now] = true
	}
	if len(seen) != 3 {
		t.Fatal("clocks got equal offsets")
	}
	_ = w
}
