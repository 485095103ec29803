package sim

import (
	"bytes"
	"log/slog"
	"testing"
	"time"
)

func TestLoggerUsesVirtualTime(t *testing.T) {
	w, err := New(Options{})
	must(t, err)
	var buf bytes.Buffer
	log := w.NewLogger(&buf, slog.LevelInfo).With("node", 3)
	w.After(1500*ms, func() { log.Info("elected", "epoch", 2) })
	log.Debug("hidden")
	w.RunFor(time.Hour)
	if got, want := buf.String(), "level=INFO msg=elected node=3 epoch=2 vt=1500000000\n"; got != want {
		t.Fatalf("log %q, want %q", got, want)
	}
}
