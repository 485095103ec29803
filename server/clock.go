package server

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Clock is the time the protocol core sees instead of the host's. Test only: zkserver
// --test-only-clock-file skews a server's clock so a harness can bump and drift it.
type Clock interface {
	// Read maps the host's wall clock to the server's wall clock and to a clock that
	// never jumps (both Unix ms; only the second's differences matter).
	Read(host time.Time) (wall, elapsed int64)
}

// ClockState is a skewed clock: at host time T0 (Unix ms) its wall clock read Wall0
// and its elapsed clock Mono0; from there both advance (1e6+PPM)/1e6 ms per host ms.
// The zero state is the host's clock.
type ClockState struct {
	T0, Wall0, Mono0 int64
	PPM              int64
}

// Read is the state's two clocks at host time now.
func (s ClockState) Read(now time.Time) (wall, elapsed int64) {
	t := now.UnixMilli()
	if s == (ClockState{}) {
		return t, t
	}
	d := scalePPM(t-s.T0, s.PPM)
	return s.Wall0 + d, s.Mono0 + d
}

// scalePPM is elapsed·(1e6+ppm)/1e6; in ms a run's elapsed·ppm is far from overflowing.
func scalePPM(elapsed, ppm int64) int64 { return elapsed + elapsed*ppm/1e6 }

// Rebased is the same clock re-expressed from host time now, so that a change of
// rate or a jump applies from now on.
func (s ClockState) Rebased(now time.Time) ClockState {
	wall, mono := s.Read(now)
	return ClockState{T0: now.UnixMilli(), Wall0: wall, Mono0: mono, PPM: s.PPM}
}

// String is the clock file's content: "T0 WALL0 MONO0 PPM".
func (s ClockState) String() string {
	return fmt.Sprintf("%d %d %d %d\n", s.T0, s.Wall0, s.Mono0, s.PPM)
}

// ParseClockState reads what String writes.
func ParseClockState(text string) (ClockState, error) {
	var s ClockState
	if _, err := fmt.Sscanf(strings.TrimSpace(text), "%d %d %d %d", &s.T0, &s.Wall0, &s.Mono0, &s.PPM); err != nil {
		return ClockState{}, fmt.Errorf("server: clock file %q: %w", text, err)
	}
	if s.PPM <= -1e6 {
		return ClockState{}, fmt.Errorf("server: clock file: drift %d ppm stops or reverses time", s.PPM)
	}
	return s, nil
}

// WriteClockFile replaces path's content with s at once (a rename), so a server
// polling it never reads half a state.
func WriteClockFile(path string, s ClockState) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(s.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// FileClock is a Clock that reads its ClockState from path at every reading: no file
// is the host's clock, and a malformed file keeps the last good state. Test only.
func FileClock(path string) Clock { return &fileClock{path: path} }

type fileClock struct {
	path string
	last ClockState
}

func (f *fileClock) Read(now time.Time) (int64, int64) {
	b, err := os.ReadFile(f.path)
	switch {
	case os.IsNotExist(err):
		f.last = ClockState{}
	case err == nil:
		if s, err := ParseClockState(string(b)); err == nil {
			f.last = s
		}
	}
	return f.last.Read(now)
}

// hostClock is the host's own clock: the wall clock as it reads, and elapsed time
// from Go's monotonic reading, so a wall-clock step (NTP, an operator) neither
// stalls nor hurries session expiry and the ZAB and election timeouts.
type hostClock struct{ start time.Time }

func (h hostClock) Read(now time.Time) (wall, elapsed int64) {
	return now.UnixMilli(), h.start.UnixMilli() + now.Sub(h.start).Milliseconds()
}

// clockedCore feeds the core its Clock's readings instead of the host's. The elapsed
// clock is shifted into the scale of the wall reading the core was built with.
type clockedCore struct {
	core
	clock      Clock
	startWall  int64
	startMono  int64
	twoClocked interface{ TickClocks(wall, elapsed int64) }
}

func newClockedCore(c core, clock Clock, startWall, startMono int64) core {
	cc := &clockedCore{core: c, clock: clock, startWall: startWall, startMono: startMono}
	cc.twoClocked, _ = c.(interface{ TickClocks(wall, elapsed int64) })
	return cc
}

func (c *clockedCore) Tick(int64) {
	wall, mono := c.clock.Read(time.Now())
	if c.twoClocked == nil {
		c.core.Tick(wall)
		return
	}
	c.twoClocked.TickClocks(wall, c.startWall+mono-c.startMono)
}
