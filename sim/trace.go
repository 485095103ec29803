package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"strconv"
)

// trace records what happened in a world. Each record is hashed as a compact binary
// form: the true time, the kind, then each field as eight little-endian bytes (a
// string as its length and bytes), and the field count. Only with KeepTrace is the
// canonical text line kept too:
//
//	<true time ns> <kind> <key>=<value>...
//
// Hashing the binary form spares formatting every record of every run; the text,
// for reports and diffs, says the same thing.
type trace struct {
	h      hash.Hash
	bin    []byte // binary records not yet fed to h, flushed in large blocks
	fields byte
	keep   bool
	text   []byte
	line   []byte
	lines  uint64
}

// traceFlush is how many bytes of records wait before they are hashed: SHA-256 is far
// cheaper per byte in large writes.
const traceFlush = 16 << 10

func newTrace(keep bool) trace {
	t := trace{h: sha256.New(), keep: keep, bin: make([]byte, 0, traceFlush+512)}
	if keep {
		t.line = make([]byte, 0, 256)
	}
	return t
}

func (t *trace) begin(now Time, kind string) {
	t.bin = binary.LittleEndian.AppendUint64(t.bin, uint64(now))
	t.bin = append(t.bin, byte(len(kind)))
	t.bin = append(t.bin, kind...)
	t.fields = 0
	if t.keep {
		t.line = strconv.AppendInt(t.line[:0], int64(now), 10)
		t.line = append(t.line, ' ')
		t.line = append(t.line, kind...)
	}
}

// key starts a field's text.
func (t *trace) key(key string) {
	t.line = append(t.line, ' ')
	t.line = append(t.line, key...)
	t.line = append(t.line, '=')
}

func (t *trace) word(v uint64) {
	t.bin = binary.LittleEndian.AppendUint64(t.bin, v)
	t.fields++
}

func (t *trace) bytes(v string) {
	t.bin = binary.LittleEndian.AppendUint32(t.bin, uint32(len(v)))
	t.bin = append(t.bin, v...)
	t.fields++
}

func (t *trace) node(key string, n NodeID) { t.int(key, int64(n)) }

func (t *trace) int(key string, v int64) {
	t.word(uint64(v))
	if t.keep {
		t.key(key)
		t.line = strconv.AppendInt(t.line, v, 10)
	}
}

func (t *trace) uint(key string, v uint64) {
	t.word(v)
	if t.keep {
		t.key(key)
		t.line = strconv.AppendUint(t.line, v, 10)
	}
}

func (t *trace) hex(key string, v uint64) {
	t.word(v)
	if t.keep {
		t.key(key)
		t.line = strconv.AppendUint(t.line, v, 16)
	}
}

func (t *trace) str(key, v string) {
	t.bytes(v)
	if t.keep {
		t.key(key)
		t.line = append(t.line, v...)
	}
}

func (t *trace) quoted(key, v string) {
	t.bytes(v)
	if t.keep {
		t.key(key)
		t.line = strconv.AppendQuote(t.line, v)
	}
}

func (t *trace) end() {
	t.bin = append(t.bin, t.fields)
	if len(t.bin) >= traceFlush {
		t.flush()
	}
	if t.keep {
		t.line = append(t.line, '\n')
		t.text = append(t.text, t.line...)
	}
	t.lines++
}

func (t *trace) flush() {
	t.h.Write(t.bin)
	t.bin = t.bin[:0]
}

// fault records an injected fault or lifecycle change with one integer argument.
func (t *trace) fault(now Time, kind string, n NodeID, v int64) {
	t.begin(now, kind)
	t.node("n", n)
	t.int("v", v)
	t.end()
}

// lifecycle records a node's lifecycle change.
func (t *trace) lifecycle(now Time, kind string, n NodeID, gen uint32) {
	t.begin(now, kind)
	t.node("n", n)
	t.int("gen", int64(gen))
	t.end()
}

// conn records a connection event seen by node n.
func (t *trace) conn(now Time, kind string, n NodeID, c ConnID, peer NodeID) {
	t.begin(now, kind)
	t.node("n", n)
	t.int("c", int64(c))
	t.node("peer", peer)
	t.end()
}

// closed records that node n learned connection c is closed, and why.
func (t *trace) closed(now Time, n NodeID, c ConnID, reason error) {
	t.begin(now, "close")
	t.node("n", n)
	t.int("c", int64(c))
	t.quoted("err", reason.Error())
	t.end()
}

// msg records a delivered message.
func (t *trace) msg(now Time, c ConnID, from, to NodeID, payload []byte) {
	t.begin(now, "msg")
	t.int("c", int64(c))
	t.node("from", from)
	t.node("to", to)
	t.int("len", int64(len(payload)))
	t.hex("h", payloadHash(payload))
	t.end()
}

// hashText returns the hex SHA-256 of everything recorded so far.
func (t *trace) hashText() string {
	t.flush()
	var sum [sha256.Size]byte
	return hex.EncodeToString(t.h.Sum(sum[:0]))
}
