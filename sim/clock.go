package sim

import (
	"fmt"
	"time"
)

// Clock is one node's local view of time over the world's true time. It has two
// readings, like a real machine:
//
//   - Now, the wall clock: an offset plus true time scaled by the drift, moved by
//     injected jumps (forward or backward).
//   - Monotonic, the elapsed-time clock: scaled by the same drift, never jumps.
//
// Guarantees: Monotonic never decreases. Now never decreases unless Jump was called
// with a negative delta (or SetOffset moved it back). Timers run on the monotonic
// clock: a timer set for local duration d fires once the monotonic clock has advanced
// by at least d, judged with the drift at the time it was set.
//
// Arithmetic is integer (drift in parts per million), so readings are identical on
// every architecture.
type Clock struct {
	w    *World
	node NodeID
	t0   Time  // true time of the last rebase
	wall Time  // wall reading at t0
	mono Time  // monotonic reading at t0
	ppm  int64 // drift: the clock advances (1e6+ppm)/1e6 local ns per true ns
}

// scale converts a true elapsed duration into local elapsed time.
func (c *Clock) scale(elapsed int64) int64 {
	if c.ppm >= 0 {
		return elapsed + mulDiv(elapsed, c.ppm, 1e6)
	}
	return elapsed - mulDiv(elapsed, -c.ppm, 1e6)
}

// Now is the local wall clock.
func (c *Clock) Now() Time { return c.wall + Time(c.scale(int64(c.w.now-c.t0))) }

// Monotonic is the local elapsed-time clock.
func (c *Clock) Monotonic() time.Duration {
	return time.Duration(c.mono + Time(c.scale(int64(c.w.now-c.t0))))
}

// DriftPPM is the clock's current drift.
func (c *Clock) DriftPPM() int64 { return c.ppm }

// trueDelay converts a local duration into the true duration after which the
// monotonic clock has advanced at least that much, rounding up.
func (c *Clock) trueDelay(local time.Duration) time.Duration {
	if local <= 0 {
		return 0
	}
	rate := 1e6 + c.ppm
	d := mulDiv(int64(local), 1e6, rate)
	if c.scale(d) < int64(local) {
		d++
	}
	return time.Duration(d)
}

func (c *Clock) rebase() {
	now := c.w.now
	elapsed := c.scale(int64(now - c.t0))
	c.wall += Time(elapsed)
	c.mono += Time(elapsed)
	c.t0 = now
}

// Jump moves the wall clock by delta (negative jumps go back in time). The monotonic
// clock is unaffected.
func (c *Clock) Jump(delta time.Duration) error {
	if delta < -maxDuration || delta > maxDuration {
		return fmt.Errorf("%w: clock jump %v exceeds %v", ErrInvalidOptions, delta, maxDuration)
	}
	c.rebase()
	c.wall += Time(delta)
	c.w.trace.fault(c.w.now, "clock-jump", c.node, int64(delta))
	return nil
}

// SetDrift changes the clock's rate from now on.
func (c *Clock) SetDrift(ppm int64) error {
	if ppm < -maxDriftPPM || ppm > maxDriftPPM {
		return fmt.Errorf("%w: clock drift %d ppm outside [%d, %d]", ErrInvalidOptions, ppm, -maxDriftPPM, maxDriftPPM)
	}
	c.rebase()
	c.ppm = ppm
	c.w.trace.fault(c.w.now, "clock-drift", c.node, ppm)
	return nil
}

// Clear sets the wall clock back to true time and the drift to zero. The monotonic
// clock keeps its reading and runs at the true rate from now on.
func (c *Clock) Clear() {
	c.rebase()
	c.wall, c.ppm = c.w.now, 0
	c.w.trace.fault(c.w.now, "clock-clear", c.node, 0)
}
