package store

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"time"
	"unsafe"
)

// This file turns Go values into index keys: byte strings whose
// lexicographic order is the natural order of the values, so that one radix
// tree gives both equality lookups and ordered scans.
//
//	signed integers  8 bytes big-endian with the sign bit flipped (negatives first)
//	unsigned         8 bytes big-endian
//	bool             1 byte
//	float            8 bytes, IEEE bits transformed so that -Inf < -1 < 0 < 1 < +Inf < NaN;
//	                 -0 encodes as 0, and every NaN as eight 0xFF bytes
//	string           bytes with 0x00 escaped as 0x00 0xFF, terminated by 0x00 0x01
//	time.Time        seconds (as a signed integer) then 4 bytes of nanoseconds
//	Null[V]          0x00 when empty, else 0x01 followed by the value
//
// Every encoding is prefix-free (fixed width or terminated), so a value
// followed by a primary key, or one field followed by another, never
// collides with a different value.
//
// The encoder for a type is chosen once, by reflection, when a table, an
// index or a relation is declared; encoding a value afterwards is a switch on
// a small integer and a direct memory read, with no reflection.

type kind uint8

const (
	kindInvalid kind = iota
	kindInt
	kindInt8
	kindInt16
	kindInt32
	kindInt64
	kindUint
	kindUint8
	kindUint16
	kindUint32
	kindUint64
	kindBool
	kindFloat32
	kindFloat64
	kindString
	kindTime
	kindComposite // a struct or array of the above: encoded field after field
)

var timeType = reflect.TypeFor[time.Time]()

// nullable is implemented by Null[V]; the encoder uses it only at declaration
// time to find the layout of the optional value. nullSelf tells Null[V]
// itself from a struct that embeds one (and so has the method too).
type nullable interface {
	nullInner() reflect.Type
	nullSelf() reflect.Type
}

// codec encodes one value type. The zero codec is invalid.
type codec struct {
	kind     kind
	nullable bool    // the value is a Null[V]
	validOff uintptr // offset of Null[V].Valid
	typ      reflect.Type
	parts    []part // kindComposite
}

// part is one field of a composite value.
type part struct {
	off uintptr
	c   codec
}

func kindOf(t reflect.Type) kind {
	if t == timeType {
		return kindTime
	}
	switch t.Kind() {
	case reflect.Int:
		return kindInt
	case reflect.Int8:
		return kindInt8
	case reflect.Int16:
		return kindInt16
	case reflect.Int32:
		return kindInt32
	case reflect.Int64:
		return kindInt64
	case reflect.Uint:
		return kindUint
	case reflect.Uint8:
		return kindUint8
	case reflect.Uint16:
		return kindUint16
	case reflect.Uint32:
		return kindUint32
	case reflect.Uint64:
		return kindUint64
	case reflect.Bool:
		return kindBool
	case reflect.Float32:
		return kindFloat32
	case reflect.Float64:
		return kindFloat64
	case reflect.String:
		return kindString
	}
	return kindInvalid
}

// codecFor returns the codec of V, or an error naming the type if V cannot
// be indexed.
func codecFor[V any]() (codec, error) {
	t := reflect.TypeFor[V]()
	return codecOf(t, true)
}

// A part of a composite (composite false) reports only what is wrong with
// it; the composite says once that it cannot be indexed.
func codecOf(t reflect.Type, composite bool) (codec, error) {
	c := codec{typ: t}
	if n, ok := reflect.Zero(t).Interface().(nullable); ok && n.nullSelf() == t {
		inner := n.nullInner()
		c.nullable = true
		f, _ := t.FieldByName("Valid")
		c.validOff = f.Offset
		c.kind = kindOf(inner)
		if c.kind == kindInvalid {
			if !composite {
				return c, fmt.Errorf("%v holds %v, which is not an integer, float, bool, string or time.Time", t, inner)
			}
			return c, fmt.Errorf("type %v cannot be indexed: %v is not an integer, float, bool, string or time.Time", t, inner)
		}
		return c, nil
	}
	c.kind = kindOf(t)
	if c.kind != kindInvalid {
		return c, nil
	}
	if composite && (t.Kind() == reflect.Struct || t.Kind() == reflect.Array) {
		c.kind = kindComposite
		switch t.Kind() {
		case reflect.Struct:
			for i := range t.NumField() {
				f := t.Field(i)
				fc, err := codecOf(f.Type, false)
				if err != nil {
					return c, fmt.Errorf("type %v cannot be indexed: field %s: %v", t, f.Name, err)
				}
				c.parts = append(c.parts, part{off: f.Offset, c: fc})
			}
		case reflect.Array:
			ec, err := codecOf(t.Elem(), false)
			if err != nil {
				return c, fmt.Errorf("type %v cannot be indexed: element: %v", t, err)
			}
			for i := range t.Len() {
				c.parts = append(c.parts, part{off: uintptr(i) * t.Elem().Size(), c: ec})
			}
		}
		if len(c.parts) == 0 {
			return c, fmt.Errorf("type %v cannot be indexed: it has no fields", t)
		}
		return c, nil
	}
	if !composite {
		return c, fmt.Errorf("%v is not an integer, float, bool, string, time.Time or Null of one", t)
	}
	return c, fmt.Errorf("type %v cannot be indexed: not an integer, float, bool, string, time.Time, Null of one, or a struct or array of those", t)
}

// appendValue appends the encoding of the value at p, which must point to a
// value of the codec's type. It reports false when the value is a Null that
// is empty (then only the null marker is appended), or a composite with an
// empty Null among its fields.
func (c *codec) appendValue(dst []byte, p unsafe.Pointer) ([]byte, bool) {
	if c.kind == kindComposite {
		all := true
		for i := range c.parts {
			var ok bool
			dst, ok = c.parts[i].c.appendValue(dst, unsafe.Add(p, c.parts[i].off))
			all = all && ok
		}
		return dst, all
	}
	if c.nullable {
		if !*(*bool)(unsafe.Add(p, c.validOff)) {
			return append(dst, 0x00), false
		}
		dst = append(dst, 0x01)
	}
	return appendKind(dst, c.kind, p), true
}

func appendKind(dst []byte, k kind, p unsafe.Pointer) []byte {
	switch k {
	case kindInt:
		return appendInt(dst, int64(*(*int)(p)))
	case kindInt8:
		return appendInt(dst, int64(*(*int8)(p)))
	case kindInt16:
		return appendInt(dst, int64(*(*int16)(p)))
	case kindInt32:
		return appendInt(dst, int64(*(*int32)(p)))
	case kindInt64:
		return appendInt(dst, *(*int64)(p))
	case kindUint:
		return binary.BigEndian.AppendUint64(dst, uint64(*(*uint)(p)))
	case kindUint8:
		return binary.BigEndian.AppendUint64(dst, uint64(*(*uint8)(p)))
	case kindUint16:
		return binary.BigEndian.AppendUint64(dst, uint64(*(*uint16)(p)))
	case kindUint32:
		return binary.BigEndian.AppendUint64(dst, uint64(*(*uint32)(p)))
	case kindUint64:
		return binary.BigEndian.AppendUint64(dst, *(*uint64)(p))
	case kindBool:
		if *(*bool)(p) {
			return append(dst, 1)
		}
		return append(dst, 0)
	case kindFloat32:
		return appendFloat(dst, float64(*(*float32)(p)))
	case kindFloat64:
		return appendFloat(dst, *(*float64)(p))
	case kindString:
		return appendString(dst, *(*string)(p))
	case kindTime:
		t := (*time.Time)(p)
		dst = appendInt(dst, t.Unix())
		return binary.BigEndian.AppendUint32(dst, uint32(t.Nanosecond()))
	}
	panic("memrel: internal error: encoding an invalid kind")
}

func appendInt(dst []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(v)^(1<<63))
}

// appendFloat encodes f so that the byte order is the numeric order. Two
// values that Go's == holds equal, -0 and +0, are one key. NaN, which has
// many bit patterns (either sign, any payload, float32 or float64), is one
// value too, as in PostgreSQL: every NaN is equal to every other and sorts
// after +Inf. Without this, two NaNs with different bits would be distinct
// values of a unique constraint, a lookup by one NaN would miss rows stored
// with another, and NaNs would sort at both ends (negative ones first).
func appendFloat(dst []byte, f float64) []byte {
	switch {
	case f != f:
		return binary.BigEndian.AppendUint64(dst, math.MaxUint64) // NaN: after +Inf
	case f == 0:
		f = 0 // -0 and +0 are equal values: one key
	}
	b := math.Float64bits(f)
	if b&(1<<63) != 0 {
		b = ^b
	} else {
		b |= 1 << 63
	}
	return binary.BigEndian.AppendUint64(dst, b)
}

func appendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			dst = append(dst, 0x00, 0xFF)
		} else {
			dst = append(dst, s[i])
		}
	}
	return append(dst, 0x00, 0x01)
}

// Encoder encodes values of type V as index keys; it is what Index and the
// relations layer use to build lookups. Build it once with NewEncoder.
type Encoder[V any] struct {
	c   codec
	err error
}

// NewEncoder returns the encoder of V. Its Err reports whether V can be
// indexed: integers, floats, bools, strings, time.Time, Null of those, and
// structs or arrays whose fields are all of those (a composite key, encoded
// field after field).
func NewEncoder[V any]() Encoder[V] {
	c, err := codecFor[V]()
	return Encoder[V]{c: c, err: err}
}

// Err is non-nil when V cannot be indexed.
func (e Encoder[V]) Err() error { return e.err }

// Append appends the key of v to dst. It reports false when v is an empty
// Null (its key then sorts before every non-empty value) or a composite with
// an empty Null field.
func (e *Encoder[V]) Append(dst []byte, v V) ([]byte, bool) {
	return e.c.appendValue(dst, unsafe.Pointer(&v))
}

// Nullable reports whether V is a Null[...] type.
func (e *Encoder[V]) Nullable() bool { return e.c.nullable }

// Type is V's reflect type, for messages.
func (e *Encoder[V]) Type() reflect.Type { return e.c.typ }
