package server

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/zksim/zksim/protocol"
	"github.com/zksim/zksim/protocol/crashpoint"
)

// CrashPointExitCode is the status a server exits with at an armed crash point: 128+9,
// what a shell reports for kill -9, so a harness tells it from a refused start.
const CrashPointExitCode = 137

// Armed is one crash point a harness armed: crash the Nth time the server reaches
// Point (counting from 1). Seq names this arming, so re-arming the same point counts
// afresh and a point that already fired never fires again after the restart.
type Armed struct {
	Point crashpoint.Point
	Nth   int
	Seq   int64
}

// FormatCrashFile is the crash file's content: one "NAME NTH SEQ" line per armed point.
func FormatCrashFile(armed []Armed) string {
	var b strings.Builder
	for _, a := range armed {
		fmt.Fprintf(&b, "%s %d %d\n", a.Point, a.Nth, a.Seq)
	}
	return b.String()
}

// ParseCrashFile reads what FormatCrashFile writes; an unknown point or a bad line is
// an error.
func ParseCrashFile(text string) ([]Armed, error) {
	var out []Armed
	for line := range strings.Lines(text) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var a Armed
		var name string
		if _, err := fmt.Sscanf(strings.TrimSpace(line), "%s %d %d", &name, &a.Nth, &a.Seq); err != nil {
			return nil, fmt.Errorf("server: crash file line %q: %w", strings.TrimSpace(line), err)
		}
		a.Point = crashpoint.Point(name)
		if !a.Point.Valid() || a.Nth < 1 {
			return nil, fmt.Errorf("server: crash file line %q: unknown point or nth < 1", strings.TrimSpace(line))
		}
		out = append(out, a)
	}
	return out, nil
}

// WriteCrashFile replaces path's content at once (a rename), so a server never reads
// half of it.
func WriteCrashFile(path string, armed []Armed) error {
	armed = append([]Armed(nil), armed...)
	slices.SortFunc(armed, func(a, b Armed) int { return strings.Compare(string(a.Point), string(b.Point)) })
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(FormatCrashFile(armed)), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// FiredFile is where a server appends "NAME SEQ" for each point it crashed at, next to
// the crash file.
func FiredFile(crashFile string) string { return crashFile + ".fired" }

// CrashPoints decides, at each named protocol step the driver loop reaches, whether
// the server dies there. Test only: zkserver --test-only-crash-file.
type CrashPoints interface {
	// Reached reports that the server is at point; true means it must die now.
	Reached(point crashpoint.Point) bool
}

// FileCrashPoints arms the points listed in path, re-read at every step (a missing or
// malformed file arms nothing new); points recorded in FiredFile(path) stay disarmed.
func FileCrashPoints(path string) CrashPoints {
	f := &fileCrashPoints{path: path, seen: map[int64]int{}, fired: map[int64]bool{}}
	if b, err := os.ReadFile(FiredFile(path)); err == nil {
		for line := range strings.Lines(string(b)) {
			var name string
			var seq int64
			if _, err := fmt.Sscanf(strings.TrimSpace(line), "%s %d", &name, &seq); err == nil {
				f.fired[seq] = true
			}
		}
	}
	return f
}

type fileCrashPoints struct {
	path  string
	text  string // the file's content when armed was parsed
	armed []Armed
	seen  map[int64]int // times each arming's point was reached
	fired map[int64]bool
}

func (f *fileCrashPoints) Reached(point crashpoint.Point) bool {
	b, err := os.ReadFile(f.path)
	switch {
	case err != nil:
		f.text, f.armed = "", nil
	case string(b) != f.text:
		if armed, err := ParseCrashFile(string(b)); err == nil {
			f.text, f.armed = string(b), armed
		}
	}
	for _, a := range f.armed {
		if a.Point != point || f.fired[a.Seq] {
			continue
		}
		f.seen[a.Seq]++
		if f.seen[a.Seq] < a.Nth {
			continue
		}
		f.fired[a.Seq] = true
		// Recorded so the restarted server does not die at the same arming again; the
		// write reaches the page cache, which a kill keeps.
		if w, err := os.OpenFile(FiredFile(f.path), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644); err == nil {
			fmt.Fprintf(w, "%s %d\n", point, a.Seq)
			w.Close()
		}
		return true
	}
	return false
}

// crashExit ends the process at once, as kill -9 would: no deferred cleanup, no
// file closed or synced, no message queued to a writer sent.
var crashExit = func(point crashpoint.Point) {
	fmt.Fprintf(os.Stderr, "TEST ONLY: crash point %s reached: exiting with status %d\n", point, CrashPointExitCode)
	os.Exit(CrashPointExitCode)
}

// crashAt dies at point if it is armed.
func (s *Server) crashAt(point crashpoint.Point) {
	if s.crash != nil && s.crash.Reached(point) {
		crashExit(point)
	}
}

// fileStep is a step inside Files where a write is done but not yet synced.
type fileStep uint8

const (
	stepLogHeader   fileStep = iota + 1 // a new log file holds its header
	stepAppended                        // records written to the log
	stepTruncated                       // the log cut for a TRUNC
	stepSnapshotTmp                     // a snapshot's temporary file written
)

// HookedCrashPoints are the crash points a server reaches, at the same steps of its
// driver loop as the simulator's host (sim/cluster): arming any other point does
// nothing.
var HookedCrashPoints = []crashpoint.Point{
	crashpoint.LeaderAppendBeforeFsync,   // records written, not synced (not a learner)
	crashpoint.FollowerAppendBeforeFsync, // records written, not synced (a learner)
	crashpoint.FollowerFsyncBeforeAck,    // a learner's records synced, its ACKs not sent
	crashpoint.CommitBeforeApply,         // standalone: the batch synced, not applied
	crashpoint.ApplyBeforeReply,          // a batch applied, its replies not sent
	crashpoint.AcceptedEpochBeforeAck,    // a learner wrote acceptedEpoch, ACKEPOCH not sent
	crashpoint.SyncWritesBeforeEpoch,     // a learner's sync durable, currentEpoch staged, not in place
	crashpoint.CurrentEpochBeforeAck,     // a learner's currentEpoch written, the NEWLEADER ACK not sent
	crashpoint.TruncBeforeFsync,          // the log cut for a TRUNC
	crashpoint.SnapReceivedBeforeFsync,   // a SNAP's snapshot in its temporary file, not synced
	crashpoint.SnapshotMidWrite,          // a periodic snapshot in its temporary file, not synced
	crashpoint.LogRollMidHeader,          // a new log file holds its header only
}

// fileStep names the crash point of a step inside Files.
func (s *Server) fileStep(st fileStep) {
	switch st {
	case stepLogHeader:
		s.crashAt(crashpoint.LogRollMidHeader)
	case stepAppended:
		if s.learnerNow {
			s.crashAt(crashpoint.FollowerAppendBeforeFsync)
		} else {
			s.crashAt(crashpoint.LeaderAppendBeforeFsync)
		}
	case stepTruncated:
		s.crashAt(crashpoint.TruncBeforeFsync)
	case stepSnapshotTmp:
		if s.installing {
			s.crashAt(crashpoint.SnapReceivedBeforeFsync)
		} else {
			s.crashAt(crashpoint.SnapshotMidWrite)
		}
	}
}

// beforeAcks is the step between a Ready's persistence and the messages that
// acknowledge it: a learner's ACKEPOCH, NEWLEADER ACK or proposal ACKs.
func (s *Server) beforeAcks(rd protocol.Ready) {
	hs := rd.HardState
	prev := s.hard
	if hs != nil {
		s.hard = *hs
	}
	if !s.learnerNow || !slices.ContainsFunc(rd.PeerMessages, func(m protocol.PeerMessage) bool { return m.AfterPersist }) {
		return
	}
	if hs != nil {
		if hs.AcceptedEpoch != prev.AcceptedEpoch && hs.CurrentEpoch == prev.CurrentEpoch {
			s.crashAt(crashpoint.AcceptedEpochBeforeAck)
		} else {
			s.crashAt(crashpoint.CurrentEpochBeforeAck)
		}
	}
	if len(rd.Records) > 0 {
		s.crashAt(crashpoint.FollowerFsyncBeforeAck)
	}
}
