package main

import (
	"strings"
	"testing"
	"time"
)

// The speedup is simulated time over the time spent on the named clock.
func TestBenchLine(t *testing.T) {
	got := benchLine("cpu", 3000, 600, 2, 120*time.Second, 300*time.Millisecond)
	for _, want := range []string{"per cpu second:", "events/s=10000 ", "speedup=400.0x", "client-ops/s=2000 ", "checked-seeds/min=400.0"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	if got := benchLine("wall", 1, 1, 1, time.Second, 0); !strings.Contains(got, "no time measured") {
		t.Errorf("zero time: %q", got)
	}
}
