package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strconv"
)

// trace records what happened in a world, one canonical text line per record:
//
//	<true time ns> <kind> <fields...>
//
// Every line is fed to a running SHA-256; with KeepTrace the text is kept too.
type trace struct {
	h     hash.Hash
	keep  bool
	text  []byte
	line  []byte
	lines uint64
}

func newTrace(keep bool) trace {
	return trace{h: sha256.New(), keep: keep, line: make([]byte, 0, 256)}
}

func (t *trace) begin(now Time, kind string) {
	t.line = strconv.AppendInt(t.line[:0], int64(now), 10)
	t.line = append(t.line, ' ')
	t.line = append(t.line, kind...)
}

func (t *trace) node(key string, n NodeID) {
	t.line = append(t.line, ' ')
	t.line = append(t.line, key...)
	t.line = append(t.line, '=')
	t.line = strconv.AppendInt(t.line, int64(n), 10)
}

func (t *trace) int(key string, v int64) {
	t.line = append(t.line, ' ')
	t.line = append(t.line, key...)
	t.line = append(t.line, '=')
	t.line = strconv.AppendInt(t.line, v, 10)
}

func (t *trace) uint(key string, v uint64) {
	t.line = append(t.line, ' ')
	t.line = append(t.line, key...)
	t.line = append(t.line, '=')
	t.line = strconv.AppendUint(t.line, v, 10)
}

func (t *trace) hex(key string, v uint64) {
	t.line = append(t.line, ' ')
	t.line = append(t.line, key...)
	t.line = append(t.line, '=')
	t.line = strconv.AppendUint(t.line, v, 16)
}

func (t *trace) str(key, v string) {
	t.line = append(t.line, ' ')
	t.line = append(t.line, key...)
	t.line = append(t.line, '=')
	t.line = append(t.line, v...)
}

func (t *trace) quoted(key, v string) {
	t.line = append(t.line, ' ')
	t.line = append(t.line, key...)
	t.line = append(t.line, '=')
	t.line = strconv.AppendQuote(t.line, v)
}

func (t *trace) end() {
	t.line = append(t.line, '\n')
	t.h.Write(t.line)
	if t.keep {
		t.text = append(t.text, t.line...)
	}
	t.lines++
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
	var sum [sha256.Size]byte
	return hex.EncodeToString(t.h.Sum(sum[:0]))
}
