package server

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/zksim/zksim/protocol"
	"github.com/zksim/zksim/protocol/noderec"
	"github.com/zksim/zksim/protocol/storage"
)

// zabRecord appends the server's own ZAB events (package noderec, the same events the
// simulator's host records) to a file, one line each with the wall-clock time, so a
// harness can judge a real run with the zab-* checkers. Test only: zkserver
// --test-only-zab-record. Each line goes out in one write(2), unsynced: a kill -9
// keeps it in the page cache, and at most a line being written is torn.
type zabRecord struct {
	f      *os.File
	log    *slog.Logger
	rec    noderec.Recorder
	buf    []byte
	failed bool
}

// openZabRecord opens path for appending. What earlier incarnations recorded there is
// read back so this one goes on from it; a torn last line is cut off first.
func openZabRecord(path string, log *slog.Logger) (*zabRecord, error) {
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("server: zab record: %w", err)
	}
	if i := bytes.LastIndexByte(b, '\n'); i+1 != len(b) {
		b = b[:i+1]
		if err := os.Truncate(path, int64(len(b))); err != nil {
			return nil, fmt.Errorf("server: zab record: cut torn line: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("server: zab record: %w", err)
	}
	z := &zabRecord{f: f, log: log}
	events, _ := noderec.ParseFile(string(b))
	for _, ev := range events {
		z.rec.Resume(ev)
	}
	z.rec.Emit = z.emit
	return z, nil
}

func (z *zabRecord) emit(ev noderec.Event) {
	if z.failed {
		return
	}
	ev.Time = time.Now().UnixNano()
	z.buf = noderec.AppendLine(z.buf[:0], ev)
	if _, err := z.f.Write(z.buf); err != nil {
		z.failed = true
		z.log.Error("TEST ONLY: zab record: write failed; recording stops", "err", err)
	}
}

// observe records what rd reports before its persistence (noderec.Recorder.Observe);
// prev is the role the server held before rd.
func (z *zabRecord) observe(prev protocol.RoleChange, rd *protocol.Ready) {
	z.rec.Observe(prev, rd)
}

// persisted records rd's writes once they are done.
func (z *zabRecord) persisted(rd *protocol.Ready) {
	var zxids []int64
	var hashes []uint64
	for _, r := range rd.Records {
		zxids = append(zxids, r.Zxid)
		hashes = append(hashes, noderec.TxnHash(r.Payload))
	}
	z.rec.Persisted(zxids, hashes, rd.Events, rd.HardState)
}

// recovered records the start from storage.
func (z *zabRecord) recovered(rec storage.RecoveredState, standalone bool) {
	z.rec.Recovered(rec)
	if standalone {
		z.rec.StandaloneServing(rec.LastZxid)
	}
}

func (z *zabRecord) close() { z.f.Close() }
