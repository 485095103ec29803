package session

import (
	"cmp"
	"container/heap"
	"errors"
	"maps"
	"slices"
	"strconv"

	"github.com/zksim/zksim/protocol/wire"
)

// ID is a session id. The top byte is the id of the server that created it.
type ID int64

// containerOwner is the ephemeralOwner value that marks container znodes; no session
// may have it as its id.
const containerOwner = ID(-1 << 63)

// State is the lifecycle state of a session.
type State uint8

// Session states. A session that is not in the table (never created, or removed after
// its closeSession transaction) is StateClosed.
const (
	StateClosed State = iota
	StateOpen
	StateClosing
)

func (s State) String() string {
	switch s {
	case StateOpen:
		return "open"
	case StateClosing:
		return "closing"
	default:
		return "closed"
	}
}

// ErrBadConfig reports an unusable Config.
var ErrBadConfig = errors.New("session: invalid config")

// Error is a session failure that a request gets as a ZooKeeper error code.
type Error struct {
	code wire.ErrCode
	msg  string
}

func (e *Error) Error() string { return e.msg }

// Code is the wire error code to reply with.
func (e *Error) Code() wire.ErrCode { return e.code }

// Errors of Check and SetOwner. Compare with errors.Is.
var (
	ErrUnknownSession = &Error{wire.ErrUnknownSession, "session: unknown session"}
	ErrSessionExpired = &Error{wire.ErrSessionExpired, "session: session expired"}
	ErrSessionMoved   = &Error{wire.ErrSessionMoved, "session: session moved"}
)

// Config configures a Table.
type Config struct {
	// ServerID goes in the top byte of every id this table creates (0..255). A
	// standalone Apache ZooKeeper uses 1. Servers that allow TTL nodes need it <= 254,
	// because a top byte of 0xff marks TTL owners.
	ServerID int64
	// Clock is the host's clock reading (ms) when the table is made. Its low 40 bits
	// seed the id counter, so that a restarted server does not reuse ids.
	Clock int64
	// TickTime is the expiry bucket width in ms; it must be positive.
	TickTime int32
	// MinSessionTimeout and MaxSessionTimeout bound negotiated timeouts (ms). Zero means
	// the ZooKeeper defaults, 2*TickTime and 20*TickTime.
	MinSessionTimeout int32
	MaxSessionTimeout int32
	// RecordTouches makes Touch remember which sessions were touched, for a follower
	// to report to the leader in its next ping (see DrainTouches).
	RecordTouches bool
}

type session struct {
	id       ID
	timeout  int32
	deadline int64 // expiry bucket the session sits in
	closing  bool
	owner    int64
	hasOwner bool
}

// Table tracks the live sessions of a server and when each one expires.
//
// Expiry follows ZooKeeper's ExpiryQueue: touching a session at time now moves it to
// the bucket ((now+timeout)/tickTime + 1) * tickTime, and a session expires once the
// clock reaches its bucket. Buckets stay in the table until their time passes, even
// when emptied, as ZooKeeper's do.
type Table struct {
	tick       int64
	minTimeout int32
	maxTimeout int32
	nextID     uint64

	sessions map[ID]*session
	buckets  map[int64]map[ID]struct{}
	times    bucketHeap   // every key of buckets, once
	touched  map[ID]int32 // nil unless Config.RecordTouches
}

// NewTable returns an empty table.
func NewTable(cfg Config) (*Table, error) {
	if cfg.TickTime <= 0 {
		return nil, wrap(ErrBadConfig, "tickTime "+strconv.Itoa(int(cfg.TickTime))+" is not positive")
	}
	if cfg.ServerID < 0 || cfg.ServerID > 255 {
		return nil, wrap(ErrBadConfig, "server id "+strconv.FormatInt(cfg.ServerID, 10)+" outside 0..255")
	}
	minT, maxT := cfg.MinSessionTimeout, cfg.MaxSessionTimeout
	if minT == 0 {
		minT = 2 * cfg.TickTime
	}
	if maxT == 0 {
		maxT = 20 * cfg.TickTime
	}
	if minT < 0 || maxT < 0 || minT > maxT {
		return nil, wrap(ErrBadConfig, "session timeout bounds ["+strconv.Itoa(int(minT))+", "+strconv.Itoa(int(maxT))+"]")
	}
	var touched map[ID]int32
	if cfg.RecordTouches {
		touched = map[ID]int32{}
	}
	return &Table{
		tick:       int64(cfg.TickTime),
		minTimeout: minT,
		maxTimeout: maxT,
		nextID:     FirstID(cfg.ServerID, cfg.Clock),
		sessions:   map[ID]*session{},
		buckets:    map[int64]map[ID]struct{}{},
		touched:    touched,
	}, nil
}

// FirstID is the first session id a server with the given id allocates when its
// clock reads clock ms: the server id in bits 56-63 and bits 0-39 of the clock in
// bits 16-55 (SessionTrackerImpl.initializeNextSessionId).
func FirstID(serverID, clock int64) uint64 {
	return uint64(serverID)<<56 | (uint64(clock)<<24)>>8
}

// Negotiate clamps a requested session timeout into [MinSessionTimeout,
// MaxSessionTimeout].
func (t *Table) Negotiate(requested int32) int32 {
	return min(max(requested, t.minTimeout), t.maxTimeout)
}

// TimeoutBounds returns the effective minimum and maximum session timeouts.
func (t *Table) TimeoutBounds() (minTimeout, maxTimeout int32) {
	return t.minTimeout, t.maxTimeout
}

// NextID allocates a new session id. It skips 0 (which means "new session" on the
// wire), the container marker 0x8000000000000000, and ids already in the table.
func (t *Table) NextID() ID {
	for {
		id := ID(t.nextID)
		t.nextID++
		if id == 0 || id == containerOwner {
			continue
		}
		if _, taken := t.sessions[id]; taken {
			continue
		}
		return id
	}
}

// Create allocates an id and tracks a new session with the given (already negotiated)
// timeout, as a standalone server does on a createSession request.
func (t *Table) Create(timeout int32, now int64) ID {
	id := t.NextID()
	t.Track(id, timeout, now)
	return id
}

// Track starts tracking session id (a committed createSession transaction, a session
// restored from a snapshot, or one revalidated by the leader) and pushes its deadline
// to now+timeout. It reports whether the session was new; an existing session keeps
// its timeout and state and is only touched.
func (t *Table) Track(id ID, timeout int32, now int64) bool {
	s, ok := t.sessions[id]
	if !ok {
		s = &session{id: id, timeout: timeout}
		t.sessions[id] = s
	}
	t.touch(s, now)
	return !ok
}

// Touch records activity on session id at time now (any packet, including a ping) and
// pushes its deadline back. It returns false, and changes nothing, if the session is
// unknown or closing.
func (t *Table) Touch(id ID, now int64) bool {
	s, ok := t.sessions[id]
	if !ok || s.closing {
		return false
	}
	t.touch(s, now)
	if t.touched != nil {
		t.touched[id] = s.timeout
	}
	return true
}

// Revalidate handles a ConnectRequest that names an existing session: the password
// must be the session's and the session open. It then touches the session and
// returns its timeout. ok=false means the client gets the "session expired" answer
// (timeout 0, id 0, zero password).
func (t *Table) Revalidate(id ID, password []byte, now int64) (timeout int32, ok bool) {
	if !CheckPassword(id, password) || !t.Touch(id, now) {
		return 0, false
	}
	return t.sessions[id].timeout, true
}

// DrainTouches returns the sessions touched since the last call, sorted by id, and
// forgets them: what a follower sends the leader in a ping so that the leader, which
// owns expiry, keeps those sessions alive. It returns nil unless RecordTouches is set.
func (t *Table) DrainTouches() []Entry {
	if len(t.touched) == 0 {
		return nil
	}
	out := make([]Entry, 0, len(t.touched))
	for id, timeout := range t.touched {
		out = append(out, Entry{ID: id, Timeout: timeout})
	}
	slices.SortFunc(out, func(a, b Entry) int { return cmp.Compare(a.ID, b.ID) })
	clear(t.touched)
	return out
}

func (t *Table) touch(s *session, now int64) {
	d := t.bucketFor(now + int64(s.timeout))
	if d == s.deadline && t.inBucket(s) {
		return
	}
	t.leaveBucket(s)
	b, ok := t.buckets[d]
	if !ok {
		b = map[ID]struct{}{}
		t.buckets[d] = b
		heap.Push(&t.times, d)
	}
	b[s.id] = struct{}{}
	s.deadline = d
}

// bucketFor rounds a deadline up to the next multiple of tickTime, strictly after it
// (ExpiryQueue.roundToNextInterval).
func (t *Table) bucketFor(deadline int64) int64 {
	q := deadline / t.tick
	if deadline%t.tick < 0 {
		q-- // floor division for clocks before zero
	}
	return (q + 1) * t.tick
}

func (t *Table) inBucket(s *session) bool {
	_, ok := t.buckets[s.deadline][s.id]
	return ok
}

func (t *Table) leaveBucket(s *session) {
	if b, ok := t.buckets[s.deadline]; ok {
		delete(b, s.id)
	}
}

// Close marks session id closing because its client asked to close it. Requests from
// it then fail, touches are ignored, and Expired no longer reports it. It returns
// false if the session is unknown or already closing.
func (t *Table) Close(id ID) bool {
	s, ok := t.sessions[id]
	if !ok || s.closing {
		return false
	}
	s.closing = true
	return true
}

// Remove forgets session id, once its closeSession transaction has been applied. It
// reports whether the session was present.
func (t *Table) Remove(id ID) bool {
	s, ok := t.sessions[id]
	if !ok {
		return false
	}
	t.leaveBucket(s)
	delete(t.sessions, id)
	return true
}

// State returns the state of session id.
func (t *Table) State(id ID) State {
	s, ok := t.sessions[id]
	switch {
	case !ok:
		return StateClosed
	case s.closing:
		return StateClosing
	default:
		return StateOpen
	}
}

// Timeout returns the negotiated timeout of session id.
func (t *Table) Timeout(id ID) (int32, bool) {
	s, ok := t.sessions[id]
	if !ok {
		return 0, false
	}
	return s.timeout, true
}

// Deadline returns the expiry bucket of session id: the first clock reading at which
// it expires if not touched again.
func (t *Table) Deadline(id ID) (int64, bool) {
	s, ok := t.sessions[id]
	if !ok {
		return 0, false
	}
	return s.deadline, true
}

// Len returns the number of sessions in the table, closing ones included.
func (t *Table) Len() int { return len(t.sessions) }

// Expired marks closing, and returns, every open session whose bucket time is at or
// before now, ordered by bucket time and then by id. Each session is reported once;
// the caller submits a closeSession transaction for each and calls Remove when it is
// applied.
func (t *Table) Expired(now int64) []ID {
	var out []ID
	for len(t.times) > 0 && t.times[0] <= now {
		d := heap.Pop(&t.times).(int64)
		b := t.buckets[d]
		delete(t.buckets, d)
		start := len(out)
		for id := range b {
			if s := t.sessions[id]; s != nil && !s.closing && s.deadline == d {
				out = append(out, id)
			}
		}
		slices.Sort(out[start:])
	}
	for _, id := range out {
		t.sessions[id].closing = true
	}
	return out
}

// NextExpiry returns the earliest bucket time still pending, so a host can schedule
// its next call to Expired. Buckets may be empty: calling Expired at that time is
// harmless.
func (t *Table) NextExpiry() (int64, bool) {
	if len(t.times) == 0 {
		return 0, false
	}
	return t.times[0], true
}

// Check validates that a request from session id may run on behalf of owner (a
// connection or a learner). The first owner to check a session claims it, as in
// SessionTrackerImpl.checkSession.
func (t *Table) Check(id ID, owner int64) error {
	s, ok := t.sessions[id]
	switch {
	case !ok:
		return ErrUnknownSession
	case s.closing:
		return ErrSessionExpired
	case !s.hasOwner:
		s.owner, s.hasOwner = owner, true
		return nil
	case s.owner != owner:
		return ErrSessionMoved
	}
	return nil
}

// SetOwner records that owner now serves session id, after a reconnect.
func (t *Table) SetOwner(id ID, owner int64) error {
	s, ok := t.sessions[id]
	if !ok || s.closing {
		return ErrSessionExpired
	}
	s.owner, s.hasOwner = owner, true
	return nil
}

// Bucket is one expiry bucket: the sessions that expire at Deadline unless touched.
type Bucket struct {
	Deadline int64
	IDs      []ID
}

// Buckets returns the pending buckets in time order, each with its ids sorted, for the
// "dump" four-letter word. Buckets emptied by touches are included, as in ZooKeeper.
func (t *Table) Buckets() []Bucket {
	out := make([]Bucket, 0, len(t.buckets))
	for _, d := range slices.Sorted(maps.Keys(t.buckets)) {
		out = append(out, Bucket{Deadline: d, IDs: slices.Sorted(maps.Keys(t.buckets[d]))})
	}
	return out
}

// bucketHeap is a min-heap of bucket times.
type bucketHeap []int64

func (h bucketHeap) Len() int           { return len(h) }
func (h bucketHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h bucketHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *bucketHeap) Push(x any)        { *h = append(*h, x.(int64)) }
func (h *bucketHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
