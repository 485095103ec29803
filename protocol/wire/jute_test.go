package wire

import (
	"bytes"
	"errors"
	"testing"

	"pgregory.net/rapid"
)

func TestEncoderPrimitives(t *testing.T) {
	var e Encoder
	e.Int32(-2)
	e.Int64(0x0102030405060708)
	e.Bool(true)
	e.Bool(false)
	e.UString("ab")
	e.NullUString()
	e.Buffer(nil)
	e.Buffer([]byte{})
	e.Buffer([]byte{9})
	e.VectorLen(3)
	want := []byte{
		0xff, 0xff, 0xff, 0xfe,
		1, 2, 3, 4, 5, 6, 7, 8,
		1, 0,
		0, 0, 0, 2, 'a', 'b',
		0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff,
		0, 0, 0, 0,
		0, 0, 0, 1, 9,
		0, 0, 0, 3,
	}
	if !bytes.Equal(e.Bytes(), want) {
		t.Fatalf("got  %x\nwant %x", e.Bytes(), want)
	}
	if e.Len() != len(want) {
		t.Fatalf("Len = %d, want %d", e.Len(), len(want))
	}

	d := NewDecoder(want)
	if v := d.Int32(); v != -2 {
		t.Errorf("Int32 = %d", v)
	}
	if v := d.Int64(); v != 0x0102030405060708 {
		t.Errorf("Int64 = %x", v)
	}
	if !d.Bool() || d.Bool() {
		t.Errorf("Bool mismatch")
	}
	if s := d.UString(); s != "ab" {
		t.Errorf("String = %q", s)
	}
	if s, ok := d.NullableUString(); ok || s != "" {
		t.Errorf("NullableString = %q, %v; want null", s, ok)
	}
	if b := d.Buffer(); b != nil {
		t.Errorf("null Buffer = %#v, want nil", b)
	}
	if b := d.Buffer(); b == nil || len(b) != 0 {
		t.Errorf("empty Buffer = %#v, want non-nil empty", b)
	}
	if b := d.Buffer(); !bytes.Equal(b, []byte{9}) {
		t.Errorf("Buffer = %x", b)
	}
	if n := d.VectorLen(1); n != 0 { // a count of 3 with no input left must fail
		t.Errorf("VectorLen = %d, want 0", n)
	}
	if !errors.Is(d.Err(), ErrTooLarge) {
		t.Errorf("vector of 3 with no input left: err = %v, want ErrTooLarge", d.Err())
	}
}

func TestDecoderErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		read func(d *Decoder)
		want error
	}{
		{"short int32", []byte{0, 0, 1}, func(d *Decoder) { d.Int32() }, ErrShortBuffer},
		{"short int64", []byte{0, 0, 0, 0, 0, 0, 1}, func(d *Decoder) { d.Int64() }, ErrShortBuffer},
		{"short bool", nil, func(d *Decoder) { d.Bool() }, ErrShortBuffer},
		{"negative string length", []byte{0xff, 0xff, 0xff, 0xfe}, func(d *Decoder) { d.UString() }, ErrBadLength},
		{"string longer than input", []byte{0, 0, 0, 3, 'a', 'b'}, func(d *Decoder) { d.UString() }, ErrTooLarge},
		{"huge buffer", []byte{0x7f, 0xff, 0xff, 0xff, 0}, func(d *Decoder) { d.Buffer() }, ErrTooLarge},
		{"negative buffer", []byte{0x80, 0, 0, 0}, func(d *Decoder) { d.Buffer() }, ErrBadLength},
		{"null string", []byte{0xff, 0xff, 0xff, 0xff}, func(d *Decoder) { d.UString() }, ErrNullString},
		{"vector count beyond input", []byte{0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}, func(d *Decoder) { d.VectorLen(4) }, ErrTooLarge},
		{"huge vector count", []byte{0x7f, 0xff, 0xff, 0xff}, func(d *Decoder) { d.VectorLen(1) }, ErrTooLarge},
		{"first error sticks", []byte{0, 0}, func(d *Decoder) {
			d.Int32()
			d.Fail(ErrNullPath)
		}, ErrShortBuffer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(tc.in)
			tc.read(d)
			if !errors.Is(d.Err(), tc.want) {
				t.Fatalf("err = %v, want %v", d.Err(), tc.want)
			}
			// After an error every read is a zero value.
			if d.Int32() != 0 || d.Int64() != 0 || d.Bool() || d.UString() != "" || d.Buffer() != nil || d.VectorLen(1) != 0 {
				t.Fatalf("reads after an error must return zero values")
			}
		})
	}
}

func TestVectorLenWithinInput(t *testing.T) {
	in := []byte{0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0}
	d := NewDecoder(in)
	if n := d.VectorLen(4); n != 2 || d.Err() != nil {
		t.Fatalf("VectorLen = %d, %v; want 2, nil", n, d.Err())
	}
	d = NewDecoder([]byte{0xff, 0xff, 0xff, 0xff})
	if n := d.VectorLen(4); n != -1 || d.Err() != nil {
		t.Fatalf("null vector: VectorLen = %d, %v; want -1, nil", n, d.Err())
	}
}

// TestPrimitivesRoundTrip checks every primitive against itself for random values,
// including the null/empty distinction of buffers.
func TestPrimitivesRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		i32 := rapid.Int32().Draw(t, "i32")
		i64 := rapid.Int64().Draw(t, "i64")
		b := rapid.Bool().Draw(t, "bool")
		s := rapid.String().Draw(t, "string")
		var buf []byte
		if !rapid.Bool().Draw(t, "nullBuffer") {
			buf = rapid.SliceOf(rapid.Byte()).Draw(t, "buffer")
			if buf == nil {
				buf = []byte{}
			}
		}
		var e Encoder
		e.Int32(i32)
		e.Int64(i64)
		e.Bool(b)
		e.UString(s)
		e.Buffer(buf)
		d := NewDecoder(e.Bytes())
		if got := d.Int32(); got != i32 {
			t.Fatalf("Int32 %d != %d", got, i32)
		}
		if got := d.Int64(); got != i64 {
			t.Fatalf("Int64 %d != %d", got, i64)
		}
		if got := d.Bool(); got != b {
			t.Fatalf("Bool %v != %v", got, b)
		}
		if got := d.UString(); got != s {
			t.Fatalf("String %q != %q", got, s)
		}
		got := d.Buffer()
		if (got == nil) != (buf == nil) || !bytes.Equal(got, buf) {
			t.Fatalf("Buffer %#v != %#v", got, buf)
		}
		if d.Err() != nil || d.Remaining() != 0 {
			t.Fatalf("err %v, %d bytes left", d.Err(), d.Remaining())
		}
	})
}
