package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
)

// SyncID names one Disk.Sync call.
type SyncID uint64

// file keeps two views of one file: cur, what reads see while the node runs (the page
// cache), and durable, what a crash would leave.
type file struct {
	cur     []byte
	durable []byte
	// epoch counts whole rewrites of cur; durableEpoch is the epoch durable belongs
	// to. While they are equal, cur is durable plus appended bytes.
	epoch        uint64
	durableEpoch uint64
}

func (f *file) appendOnly() bool {
	return f.epoch == f.durableEpoch && len(f.cur) >= len(f.durable)
}

type syncOp struct {
	f       *file
	snap    []byte // cur when Sync was called; later appends never touch it
	epoch   uint64
	applied bool
	err     error
}

// Disk is one node's disk: a flat directory of named files. Writes (Create, Append,
// WriteFile) change what reads see at once but become durable only when a Sync of
// that file completes; the Sync captures the file as it was when called. Directory
// operations (creating a file's name, Rename, Remove) are durable at once, as if the
// directory were synced with them.
//
// A crash drops unsynced data. With DiskOptions.TornProbability a file with unsynced
// appends keeps a prefix of them, cut at an arbitrary byte (a torn last record): the
// file ends inside the record, its bytes are never garbage, and what was synced is
// whole. A damaged record that is complete is therefore never a torn write, and
// storage.Recover refuses it.
// Faults: a Sync may report ErrSyncFailed, or report success and lose the write
// (LostWriteProbability), and CorruptBit flips a bit of durable data. Reads return
// exactly what survived.
type Disk struct {
	w       *World
	node    NodeID
	opts    DiskOptions
	rng     *rand.Rand
	files   map[string]*file
	pending map[SyncID]*syncOp
	last    Time // completion time of the latest sync: syncs complete in order
}

func (d *Disk) init(w *World, id NodeID, rng *rand.Rand) {
	d.w, d.node, d.opts, d.rng = w, id, w.opts.Disk, rng
	d.files = map[string]*file{}
	d.pending = map[SyncID]*syncOp{}
}

// SetOptions changes this disk's latency and fault settings.
func (d *Disk) SetOptions(o DiskOptions) error {
	if err := o.Validate(); err != nil {
		return fmt.Errorf("disk %d: %w", d.node, err)
	}
	d.opts = o
	t := &d.w.trace
	t.begin(d.w.now, "disk")
	t.node("n", d.node)
	t.int("min", int64(o.SyncLatency.Min))
	t.int("mean", int64(o.SyncLatency.Mean))
	t.int("err_ppm", int64(o.SyncErrorProbability*1e6))
	t.int("lost_ppm", int64(o.LostWriteProbability*1e6))
	t.int("torn_ppm", int64(o.TornProbability*1e6))
	t.end()
	return nil
}

func checkName(name string) error {
	if name == "" || len(name) > 255 {
		return fmt.Errorf("%w: %q", ErrBadFileName, name)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c == '/' || c == 0 {
			return fmt.Errorf("%w: %q", ErrBadFileName, name)
		}
	}
	return nil
}

func (d *Disk) get(name string) (*file, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	f := d.files[name]
	if f == nil {
		return nil, fmt.Errorf("%w: %q", ErrFileNotFound, name)
	}
	return f, nil
}

// Create makes an empty file, truncating one that exists (the truncation is not
// durable until Sync).
func (d *Disk) Create(name string) error {
	return d.WriteFile(name, nil)
}

// WriteFile replaces the file's whole content, creating it if needed.
func (d *Disk) WriteFile(name string, data []byte) error {
	if err := checkName(name); err != nil {
		return err
	}
	f := d.files[name]
	if f == nil {
		f = &file{}
		d.files[name] = f
	}
	f.epoch++
	f.cur = append([]byte(nil), data...)
	return nil
}

// Append adds data at the end of an existing file.
func (d *Disk) Append(name string, data []byte) error {
	f, err := d.get(name)
	if err != nil {
		return err
	}
	if free := cap(f.cur) - len(f.cur); free < len(data) {
		// Double: append's growth of large slices (about 1.25x) copied a log file
		// several times over as it grew.
		f.cur = slices.Grow(f.cur, max(len(f.cur), len(data), 4096))
	}
	f.cur = append(f.cur, data...)
	return nil
}

// ReadFile returns a copy of the file's content.
func (d *Disk) ReadFile(name string) ([]byte, error) {
	f, err := d.get(name)
	if err != nil {
		return nil, err
	}
	return append([]byte{}, f.cur...), nil
}

// Size returns the file's length.
func (d *Disk) Size(name string) (int, error) {
	f, err := d.get(name)
	if err != nil {
		return 0, err
	}
	return len(f.cur), nil
}

// List returns the file names in sorted order.
func (d *Disk) List() []string {
	names := make([]string, 0, len(d.files))
	for name := range d.files {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Rename atomically moves a file to a new name, replacing any file there.
func (d *Disk) Rename(from, to string) error {
	f, err := d.get(from)
	if err != nil {
		return err
	}
	if err := checkName(to); err != nil {
		return err
	}
	delete(d.files, from)
	d.files[to] = f
	return nil
}

// Remove deletes a file.
func (d *Disk) Remove(name string) error {
	if _, err := d.get(name); err != nil {
		return err
	}
	delete(d.files, name)
	return nil
}

// Sync starts making the file's current content durable. The outcome arrives as
// Process.OnSyncDone after the sync latency; syncs on one disk complete in order.
func (d *Disk) Sync(name string) (SyncID, error) {
	f, err := d.get(name)
	if err != nil {
		return 0, err
	}
	w := d.w
	n := w.nodes[d.node-1]
	if n.state == StateCrashed {
		return 0, ErrStale
	}
	w.nextID++
	id := SyncID(w.nextID)
	d.pending[id] = &syncOp{f: f, snap: f.cur[:len(f.cur):len(f.cur)], epoch: f.epoch}
	at := max(w.now.Add(d.opts.SyncLatency.draw(d.rng)), d.last)
	d.last = at
	w.push(event{at: at, kind: evSyncDone, node: d.node, gen: n.gen, id: uint64(id)})
	return id, nil
}

// complete applies a sync's effect on the medium.
func (d *Disk) complete(id SyncID) {
	op := d.pending[id]
	if op == nil || op.applied {
		return
	}
	op.applied = true
	t := &d.w.trace
	t.begin(d.w.now, "sync")
	t.node("n", d.node)
	t.int("id", int64(id))
	switch {
	case chance(d.rng, d.opts.SyncErrorProbability):
		op.err = fmt.Errorf("%w: sync %d", ErrSyncFailed, id)
		t.str("result", "error")
	case chance(d.rng, d.opts.LostWriteProbability):
		t.str("result", "lost")
	default:
		// The medium now holds the snapshot. It shares cur's bytes: a file's bytes
		// below len(cur) are never written in place (appends go past the end, rewrites
		// and crashes make new arrays) except by CorruptBit, which flips both views
		// alike where they agree.
		f := op.f
		f.durable = op.snap
		f.durableEpoch = op.epoch
		t.str("result", "ok")
		t.int("len", int64(len(op.snap)))
	}
	t.end()
}

// notify returns a completed sync's result and forgets it.
func (d *Disk) notify(id SyncID) error {
	op := d.pending[id]
	delete(d.pending, id)
	if op == nil {
		return nil
	}
	return op.err
}

// crash leaves every file as the medium holds it.
func (d *Disk) crash() {
	clear(d.pending)
	d.last = d.w.now
	for _, name := range d.List() {
		f := d.files[name]
		keep := 0
		if f.appendOnly() {
			if tail := len(f.cur) - len(f.durable); tail > 0 && chance(d.rng, d.opts.TornProbability) {
				keep = 1 + d.rng.IntN(tail)
			}
		}
		if keep > 0 {
			f.durable = append(f.durable, f.cur[len(f.durable):len(f.durable)+keep]...)
			t := &d.w.trace
			t.begin(d.w.now, "torn")
			t.node("n", d.node)
			t.quoted("file", name)
			t.int("kept", int64(keep))
			t.end()
		}
		f.cur = slices.Clone(f.durable)
		f.epoch = f.durableEpoch
	}
}

// CorruptBit flips one random bit of the file's durable content, and of what reads
// see when the two agree at that byte. It returns the byte offset.
func (d *Disk) CorruptBit(name string) (int, error) {
	f, err := d.get(name)
	if err != nil {
		return 0, err
	}
	if len(f.durable) == 0 {
		return 0, fmt.Errorf("%w: %q has no durable data", ErrEmptyFile, name)
	}
	off := d.rng.IntN(len(f.durable))
	bit := byte(1) << d.rng.IntN(8)
	if f.epoch == f.durableEpoch && off < len(f.cur) && f.cur[off] == f.durable[off] && &f.cur[off] != &f.durable[off] {
		f.cur[off] ^= bit
	}
	f.durable[off] ^= bit
	t := &d.w.trace
	t.begin(d.w.now, "corrupt")
	t.node("n", d.node)
	t.quoted("file", name)
	t.int("off", int64(off))
	t.int("bit", int64(bit))
	t.end()
	return off, nil
}

// Durable returns a copy of what a crash now would leave of the file, ignoring torn
// writes: for checkers and tests.
func (d *Disk) Durable(name string) ([]byte, error) {
	f, err := d.get(name)
	if err != nil {
		return nil, err
	}
	return append([]byte{}, f.durable...), nil
}
