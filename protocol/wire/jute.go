package wire

import (
	"encoding/binary"
	"errors"
)

// Decoding errors. A Decoder keeps the first one it meets; later reads return zero
// values, so a record can be read field by field and checked once at the end.
var (
	// ErrShortBuffer: the input ended inside a fixed-size field.
	ErrShortBuffer = errors.New("wire: short buffer")
	// ErrBadLength: a length or count was negative and not -1 (null).
	ErrBadLength = errors.New("wire: bad length")
	// ErrTooLarge: a length or count asks for more bytes than the input holds.
	ErrTooLarge = errors.New("wire: length exceeds input")
	// ErrNullString: a string that may not be null was sent with length -1.
	ErrNullString = errors.New("wire: null string")
	// ErrNullPath: a request path was null (Java answers MARSHALLINGERROR and keeps
	// the connection).
	ErrNullPath = errors.New("wire: null path")
	// ErrUnknownOpcode: a request or multi sub-op carries an opcode this codec does not
	// know. Use errors.As with *UnknownOpcodeError for the opcode and xid.
	ErrUnknownOpcode = errors.New("wire: unknown opcode")
)

// Encoder appends jute-encoded values to a byte slice. The zero value is ready to
// use; encoding never fails.
type Encoder struct {
	buf []byte
}

// NewEncoder returns an Encoder that appends to buf (which may be nil).
func NewEncoder(buf []byte) *Encoder { return &Encoder{buf: buf} }

// Bytes returns everything appended so far.
func (e *Encoder) Bytes() []byte { return e.buf }

// Len returns the number of bytes appended so far.
func (e *Encoder) Len() int { return len(e.buf) }

// Int32 appends a jute int.
func (e *Encoder) Int32(v int32) { e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(v)) }

// Int64 appends a jute long.
func (e *Encoder) Int64(v int64) { e.buf = binary.BigEndian.AppendUint64(e.buf, uint64(v)) }

// Bool appends a jute boolean as 0 or 1.
func (e *Encoder) Bool(v bool) {
	var b byte
	if v {
		b = 1
	}
	e.buf = append(e.buf, b)
}

// UString appends a non-null ustring.
func (e *Encoder) UString(s string) {
	e.Int32(int32(len(s)))
	e.buf = append(e.buf, s...)
}

// NullUString appends the null ustring (length -1).
func (e *Encoder) NullUString() { e.Int32(-1) }

// Buffer appends a jute buffer. A nil slice is the null buffer (length -1); an empty
// non-nil slice is the empty buffer (length 0). ZooKeeper keeps the two apart.
func (e *Encoder) Buffer(b []byte) {
	if b == nil {
		e.Int32(-1)
		return
	}
	e.Int32(int32(len(b)))
	e.buf = append(e.buf, b...)
}

// VectorLen appends a vector count; the caller then appends n elements. Use -1 for a
// null vector.
func (e *Encoder) VectorLen(n int) { e.Int32(int32(n)) }

// Decoder reads jute values from a byte slice. It never panics and never allocates
// more than the remaining input justifies. After the first error every read returns
// a zero value and Err reports that error.
type Decoder struct {
	buf []byte
	off int
	err error
}

// NewDecoder returns a Decoder over b. The Decoder copies what it returns; b may be
// reused once decoding is done.
func NewDecoder(b []byte) *Decoder { return &Decoder{buf: b} }

// Err returns the first error met, or nil.
func (d *Decoder) Err() error { return d.err }

// Remaining returns the number of unread bytes.
func (d *Decoder) Remaining() int { return len(d.buf) - d.off }

// Offset returns the number of bytes consumed so far.
func (d *Decoder) Offset() int { return d.off }

// Fail records err unless an error is already recorded. Records built on the
// Decoder use it for their own validation errors.
func (d *Decoder) Fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *Decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n > d.Remaining() {
		d.err = ErrShortBuffer
		return nil
	}
	b := d.buf[d.off : d.off+n]
	d.off += n
	return b
}

// Int32 reads a jute int.
func (d *Decoder) Int32() int32 {
	b := d.take(4)
	if b == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(b))
}

// Int64 reads a jute long.
func (d *Decoder) Int64() int64 {
	b := d.take(8)
	if b == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

// Bool reads a jute boolean. Like Java, any non-zero byte is true.
func (d *Decoder) Bool() bool {
	b := d.take(1)
	return b != nil && b[0] != 0
}

// length reads a length prefix and checks that n*elemSize bytes remain. It returns -1
// for null and 0 with the error recorded on failure.
func (d *Decoder) length(elemSize int) int {
	n := d.Int32()
	if d.err != nil {
		return 0
	}
	switch {
	case n == -1:
		return -1
	case n < 0:
		d.err = ErrBadLength
		return 0
	case int64(n)*int64(elemSize) > int64(d.Remaining()):
		d.err = ErrTooLarge
		return 0
	}
	return int(n)
}

// UString reads a non-null ustring. A null string records ErrNullString.
func (d *Decoder) UString() string {
	s, ok := d.NullableUString()
	if !ok {
		d.Fail(ErrNullString)
	}
	return s
}

// NullableUString reads a ustring; ok is false if it was null.
func (d *Decoder) NullableUString() (s string, ok bool) {
	n := d.length(1)
	if n < 0 {
		return "", false
	}
	return internString(d.take(n)), true
}

// internString returns b as a string, without allocating for the ACL schemes and ids
// that nearly every create and snapshot node carries.
func internString(b []byte) string {
	switch string(b) { // compiled without a conversion
	case "world":
		return "world"
	case "anyone":
		return "anyone"
	case "digest":
		return "digest"
	case "ip":
		return "ip"
	case "auth":
		return "auth"
	case "":
		return ""
	}
	return string(b)
}

// Buffer reads a jute buffer into a fresh slice: nil for the null buffer, a non-nil
// empty slice for the empty buffer.
func (d *Decoder) Buffer() []byte {
	n := d.length(1)
	if n < 0 || d.err != nil {
		return nil
	}
	b := make([]byte, n)
	copy(b, d.take(n))
	return b
}

// VectorLen reads a vector count, checking that each of the elements can take at least
// minElemSize bytes of the remaining input. It returns -1 for a null vector and 0 after
// an error, so a loop over the result is always bounded by the input size.
func (d *Decoder) VectorLen(minElemSize int) int {
	if minElemSize < 1 {
		minElemSize = 1
	}
	return d.length(minElemSize)
}
