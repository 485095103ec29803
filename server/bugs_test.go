package server

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/zksim/zksim/protocol"
	"github.com/zksim/zksim/protocol/bugs"
	"github.com/zksim/zksim/protocol/storage"
)

// TestBugsReachTheCore: Options.Bugs is the protocol core's Config.Bugs, and a server
// started with bugs says so loudly in its log; without them it says nothing of bugs.
func TestBugsReachTheCore(t *testing.T) {
	set, err := bugs.Parse(bugs.ZK2355 + "," + bugs.BrokenCommitWithoutQuorum)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []bugs.Set{set, {}} {
		var got bugs.Set
		var log bytes.Buffer
		newTestServer(t, t.TempDir(), "", func(o *Options) {
			o.Bugs = want
			o.Logger = slog.New(slog.NewTextHandler(&log, nil))
			o.newCore = func(c protocol.Config, r storage.RecoveredState, now int64) (core, error) {
				got = c.Bugs
				return protocol.NewStandalone(c, r, now)
			}
		})
		if got.String() != want.String() {
			t.Errorf("core Config.Bugs = %q, want %q", got, want)
		}
		warned := strings.Contains(log.String(), "level=WARN msg=\"TEST ONLY")
		if warned != !want.Empty() || !want.Empty() && !strings.Contains(log.String(), "bugs="+want.String()) {
			t.Errorf("bugs %q: warning logged = %v:\n%s", want, warned, log.String())
		}
	}
}
