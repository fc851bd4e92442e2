package store_test

import (
	"bytes"
	"cmp"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"testing/quick"
	"time"

	"github.com/memrel-go/memrel/store"
)

// encode returns the key of v.
func encode[V any](t testing.TB, e *store.Encoder[V], v V) []byte {
	t.Helper()
	b, _ := e.Append(nil, v)
	return b
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// checkPair asserts that the encodings of a and b compare as the values do
// and that neither encoding is a proper prefix of the other.
func checkPair[V any](t testing.TB, e *store.Encoder[V], compare func(a, b V) int, a, b V) {
	t.Helper()
	ea, eb := encode(t, e, a), encode(t, e, b)
	want := sign(compare(a, b))
	if got := sign(bytes.Compare(ea, eb)); got != want {
		t.Errorf("%T: compare(%#v, %#v) = %d but bytes.Compare(%x, %x) = %d", a, a, b, want, ea, eb, got)
	}
	if want != 0 {
		if bytes.HasPrefix(eb, ea) || bytes.HasPrefix(ea, eb) {
			t.Errorf("%T: encodings of %#v (%x) and %#v (%x) are not prefix-free", a, a, ea, b, eb)
		}
	}
}

// checkOrder checks every pair of vals.
func checkOrder[V any](t *testing.T, compare func(a, b V) int, vals []V) {
	t.Helper()
	e := store.NewEncoder[V]()
	if err := e.Err(); err != nil {
		t.Fatalf("NewEncoder[%v]: %v", reflect.TypeFor[V](), err)
	}
	for _, a := range vals {
		for _, b := range vals {
			checkPair(t, &e, compare, a, b)
		}
	}
}

func TestEncodingOrderMatchesValueOrder(t *testing.T) {
	t.Run("int", func(t *testing.T) {
		checkOrder(t, cmp.Compare[int], []int{math.MinInt, math.MinInt + 1, -256, -255, -1, 0, 1, 255, 256, 1 << 40, math.MaxInt - 1, math.MaxInt})
	})
	t.Run("int8", func(t *testing.T) {
		checkOrder(t, cmp.Compare[int8], []int8{math.MinInt8, -1, 0, 1, math.MaxInt8})
	})
	t.Run("int16", func(t *testing.T) {
		checkOrder(t, cmp.Compare[int16], []int16{math.MinInt16, -256, -1, 0, 1, 256, math.MaxInt16})
	})
	t.Run("int32", func(t *testing.T) {
		checkOrder(t, cmp.Compare[int32], []int32{math.MinInt32, math.MinInt32 + 1, -65536, -1, 0, 1, 65536, math.MaxInt32 - 1, math.MaxInt32})
	})
	t.Run("int64", func(t *testing.T) {
		checkOrder(t, cmp.Compare[int64], []int64{math.MinInt64, math.MinInt64 + 1, math.MinInt32 - 1, -1 << 32, -256, -1, 0, 1, 255, 256, 1 << 32, math.MaxInt32 + 1, math.MaxInt64 - 1, math.MaxInt64})
	})
	t.Run("uint", func(t *testing.T) {
		checkOrder(t, cmp.Compare[uint], []uint{0, 1, 255, 256, 1 << 63, math.MaxUint})
	})
	t.Run("uint8", func(t *testing.T) {
		checkOrder(t, cmp.Compare[uint8], []uint8{0, 1, 127, 128, 255})
	})
	t.Run("uint16", func(t *testing.T) {
		checkOrder(t, cmp.Compare[uint16], []uint16{0, 1, 255, 256, math.MaxUint16})
	})
	t.Run("uint32", func(t *testing.T) {
		checkOrder(t, cmp.Compare[uint32], []uint32{0, 1, 1 << 31, math.MaxUint32})
	})
	t.Run("uint64", func(t *testing.T) {
		checkOrder(t, cmp.Compare[uint64], []uint64{0, 1, 255, 256, 1 << 32, math.MaxInt64, 1 << 63, 1<<63 + 1, math.MaxUint64 - 1, math.MaxUint64})
	})
	t.Run("float64", func(t *testing.T) {
		checkOrder(t, cmp.Compare[float64], []float64{
			math.Inf(-1), -math.MaxFloat64, -1e300, -2, -1.5, -1, -math.SmallestNonzeroFloat64,
			math.Copysign(0, -1), 0, math.SmallestNonzeroFloat64, 0.5, 1, 1.5, 2, 1e300, math.MaxFloat64, math.Inf(1),
		})
	})
	t.Run("float32", func(t *testing.T) {
		checkOrder(t, cmp.Compare[float32], []float32{float32(math.Inf(-1)), -math.MaxFloat32, -1, float32(math.Copysign(0, -1)), 0, math.SmallestNonzeroFloat32, 1, math.MaxFloat32, float32(math.Inf(1))})
	})
	t.Run("string", func(t *testing.T) {
		checkOrder(t, strings.Compare, []string{
			"", "\x00", "\x00\x00", "\x00\x01", "\x00\xff", "\x01", "\x01\x00",
			"a", "a\x00", "a\x00\x00", "a\x00b", "a\x01", "a\xff", "ab", "ab\x00", "abc", "b", "é", "\xff", "\xff\xff",
		})
	})
	t.Run("bool", func(t *testing.T) {
		checkOrder(t, func(a, b bool) int {
			switch {
			case a == b:
				return 0
			case !a:
				return -1
			}
			return 1
		}, []bool{false, true})
	})
	t.Run("time", func(t *testing.T) {
		paris, err := time.LoadLocation("Europe/Paris")
		if err != nil {
			paris = time.FixedZone("UTC+1", 3600)
		}
		now := time.Now() // has a monotonic reading
		checkOrder(t, func(a, b time.Time) int { return a.Compare(b) }, []time.Time{
			time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(1900, 6, 1, 12, 0, 0, 0, time.UTC),
			time.Unix(-86400, 0),
			time.Unix(-1, 0),
			time.Unix(-1, 1),
			time.Unix(-1, 999_999_999),
			time.Unix(0, 0),
			time.Unix(0, 1),
			time.Unix(0, 999_999_999),
			time.Unix(1, 0),
			time.Unix(1_700_000_000, 5),
			time.Unix(1_700_000_000, 6).In(paris),
			now,
			now.Add(time.Nanosecond),
			time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		})
	})
	t.Run("Null[int64]", func(t *testing.T) {
		checkOrder(t, func(a, b store.Null[int64]) int {
			switch {
			case !a.Valid && !b.Valid:
				return 0
			case !a.Valid:
				return -1
			case !b.Valid:
				return 1
			}
			return cmp.Compare(a.V, b.V)
		}, []store.Null[int64]{
			store.None[int64](), store.Some[int64](math.MinInt64), store.Some[int64](-1),
			store.Some[int64](0), store.Some[int64](1), store.Some[int64](math.MaxInt64),
		})
	})
	t.Run("Null[string]", func(t *testing.T) {
		checkOrder(t, func(a, b store.Null[string]) int {
			switch {
			case !a.Valid && !b.Valid:
				return 0
			case !a.Valid:
				return -1
			case !b.Valid:
				return 1
			}
			return strings.Compare(a.V, b.V)
		}, []store.Null[string]{store.None[string](), store.Some(""), store.Some("\x00"), store.Some("a"), store.Some("a\x00"), store.Some("ab")})
	})
	t.Run("struct{A int64; B string}", func(t *testing.T) {
		var vals []pairKey
		for _, a := range []int64{math.MinInt64, -1, 0, 1, math.MaxInt64} {
			for _, b := range []string{"", "\x00", "a", "a\x00", "a\x00b", "ab", "b"} {
				vals = append(vals, pairKey{a, b})
			}
		}
		checkOrder(t, comparePair, vals)
	})
	t.Run("struct{A string; B int64}", func(t *testing.T) {
		type sk struct {
			A string
			B int64
		}
		var vals []sk
		for _, a := range []string{"", "\x00", "a", "a\x00", "ab"} {
			for _, b := range []int64{math.MinInt64, -1, 0, 1, math.MaxInt64} {
				vals = append(vals, sk{a, b})
			}
		}
		checkOrder(t, func(x, y sk) int {
			if c := strings.Compare(x.A, y.A); c != 0 {
				return c
			}
			return cmp.Compare(x.B, y.B)
		}, vals)
	})
	t.Run("[2]int64", func(t *testing.T) {
		var vals [][2]int64
		for _, a := range []int64{math.MinInt64, -1, 0, 1, math.MaxInt64} {
			for _, b := range []int64{math.MinInt64, -1, 0, 1, math.MaxInt64} {
				vals = append(vals, [2]int64{a, b})
			}
		}
		checkOrder(t, func(x, y [2]int64) int {
			if c := cmp.Compare(x[0], y[0]); c != 0 {
				return c
			}
			return cmp.Compare(x[1], y[1])
		}, vals)
	})
	t.Run("[3]string", func(t *testing.T) {
		// Strings in a row: "a","" must not collide with "","a" etc.
		vals := [][3]string{{"", "", ""}, {"", "", "a"}, {"", "a", ""}, {"a", "", ""}, {"a", "\x00", ""}, {"a\x00", "", ""}, {"ab", "", ""}}
		checkOrder(t, func(x, y [3]string) int {
			for i := range x {
				if c := strings.Compare(x[i], y[i]); c != 0 {
					return c
				}
			}
			return 0
		}, vals)
	})
	t.Run("struct{N Null[int64]; B bool; T time.Time}", func(t *testing.T) {
		type mixed struct {
			N store.Null[int64]
			B bool
			T time.Time
		}
		base := time.Unix(100, 0)
		var vals []mixed
		for _, n := range []store.Null[int64]{store.None[int64](), store.Some[int64](-5), store.Some[int64](0)} {
			for _, b := range []bool{false, true} {
				for _, tm := range []time.Time{base.Add(-time.Nanosecond), base, base.Add(time.Second)} {
					vals = append(vals, mixed{n, b, tm})
				}
			}
		}
		checkOrder(t, func(x, y mixed) int {
			switch {
			case x.N.Valid != y.N.Valid:
				if !x.N.Valid {
					return -1
				}
				return 1
			case x.N.Valid:
				if c := cmp.Compare(x.N.V, y.N.V); c != 0 {
					return c
				}
			}
			if x.B != y.B {
				if !x.B {
					return -1
				}
				return 1
			}
			return x.T.Compare(y.T)
		}, vals)
	})
}

type pairKey struct {
	A int64
	B string
}

func comparePair(x, y pairKey) int {
	if c := cmp.Compare(x.A, y.A); c != 0 {
		return c
	}
	return strings.Compare(x.B, y.B)
}

func TestEncodingEqualValuesHaveEqualKeys(t *testing.T) {
	f := store.NewEncoder[float64]()
	if neg, pos := encode(t, &f, math.Copysign(0, -1)), encode(t, &f, 0); !bytes.Equal(neg, pos) {
		t.Errorf("-0 encodes as %x, +0 as %x; want equal", neg, pos)
	}
	f32 := store.NewEncoder[float32]()
	if neg, pos := encode(t, &f32, float32(math.Copysign(0, -1))), encode(t, &f32, 0); !bytes.Equal(neg, pos) {
		t.Errorf("float32 -0 encodes as %x, +0 as %x; want equal", neg, pos)
	}

	te := store.NewEncoder[time.Time]()
	instant := time.Date(2024, 3, 10, 12, 30, 45, 123_456_789, time.UTC)
	tokyo := time.FixedZone("JST", 9*3600)
	west := time.FixedZone("W", -7*3600-1800)
	want := encode(t, &te, instant)
	for _, other := range []time.Time{instant.In(tokyo), instant.In(west), instant.Local(), time.Unix(0, instant.UnixNano())} {
		if got := encode(t, &te, other); !bytes.Equal(got, want) {
			t.Errorf("time %v encodes as %x, the same instant in UTC as %x", other, got, want)
		}
	}
	now := time.Now()
	if a, b := encode(t, &te, now), encode(t, &te, now.Round(0)); !bytes.Equal(a, b) {
		t.Errorf("time with monotonic reading encodes as %x, without as %x", a, b)
	}
	if a, b := encode(t, &te, instant), encode(t, &te, instant.Add(time.Nanosecond)); bytes.Equal(a, b) {
		t.Errorf("times one nanosecond apart encode the same: %x", a)
	}

	ne := store.NewEncoder[store.Null[int64]]()
	// An empty Null's ignored V must not matter.
	if a, b := encode(t, &ne, store.Null[int64]{V: 7}), encode(t, &ne, store.None[int64]()); !bytes.Equal(a, b) {
		t.Errorf("empty Null with V=7 encodes as %x, None as %x", a, b)
	}
}

func TestEncoderAppendKeepsDstAndReportsNull(t *testing.T) {
	e := store.NewEncoder[int64]()
	dst := []byte("prefix")
	got, ok := e.Append(dst, 5)
	if !ok || !bytes.HasPrefix(got, []byte("prefix")) || len(got) != len("prefix")+8 {
		t.Errorf("Append(prefix, 5) = %x, %v; want prefix + 8 bytes, true", got, ok)
	}
	if e.Nullable() {
		t.Errorf("Encoder[int64].Nullable() = true")
	}
	if e.Type() != reflect.TypeFor[int64]() {
		t.Errorf("Encoder[int64].Type() = %v", e.Type())
	}

	n := store.NewEncoder[store.Null[string]]()
	if !n.Nullable() {
		t.Errorf("Encoder[Null[string]].Nullable() = false")
	}
	if _, ok := n.Append(nil, store.None[string]()); ok {
		t.Errorf("Append(None) reported ok")
	}
	if _, ok := n.Append(nil, store.Some("")); !ok {
		t.Errorf("Append(Some(\"\")) reported not ok")
	}

	type withNull struct {
		A int64
		N store.Null[int64]
	}
	c := store.NewEncoder[withNull]()
	if err := c.Err(); err != nil {
		t.Fatalf("NewEncoder[withNull]: %v", err)
	}
	if _, ok := c.Append(nil, withNull{A: 1}); ok {
		t.Errorf("composite with an empty Null field reported ok")
	}
	if _, ok := c.Append(nil, withNull{A: 1, N: store.Some[int64](0)}); !ok {
		t.Errorf("composite with all fields valid reported not ok")
	}
}

type withSlice struct {
	A int
	B []int
}

type nested struct {
	Inner pairKey
}

type withPointer struct{ P *int }

func TestEncoderRefusesUnsupportedTypes(t *testing.T) {
	for _, tc := range []struct {
		err  error
		name string // the type as the message must name it
	}{
		{store.NewEncoder[map[string]int]().Err(), "map[string]int"},
		{store.NewEncoder[[]int]().Err(), "[]int"},
		{store.NewEncoder[withSlice]().Err(), "store_test.withSlice"},
		{store.NewEncoder[nested]().Err(), "store_test.nested"},
		{store.NewEncoder[withPointer]().Err(), "store_test.withPointer"},
		{store.NewEncoder[*int]().Err(), "*int"},
		{store.NewEncoder[struct{}]().Err(), "struct {}"},
		{store.NewEncoder[[0]int]().Err(), "[0]int"},
		{store.NewEncoder[[2][]int]().Err(), "[2][]int"},
		{store.NewEncoder[complex128]().Err(), "complex128"},
		{store.NewEncoder[store.Null[[]int]]().Err(), "Null[[]int]"},
		{store.NewEncoder[store.Null[pairKey]]().Err(), "Null["},
		{store.NewEncoder[any]().Err(), "interface {}"},
	} {
		if tc.err == nil {
			t.Errorf("NewEncoder[%s]: Err() = nil, want an error", tc.name)
			continue
		}
		if !strings.Contains(tc.err.Error(), tc.name) {
			t.Errorf("NewEncoder[%s]: error %q does not name the type", tc.name, tc.err)
		}
	}
	if err := store.NewEncoder[withSlice]().Err(); err != nil && !strings.Contains(err.Error(), "B") {
		t.Errorf("error %q does not name the bad field B", err)
	}
	for _, err := range []error{
		store.NewEncoder[int]().Err(), store.NewEncoder[string]().Err(), store.NewEncoder[time.Time]().Err(),
		store.NewEncoder[store.Null[time.Time]]().Err(), store.NewEncoder[pairKey]().Err(), store.NewEncoder[[2]int64]().Err(),
		store.NewEncoder[struct{ a, b int32 }]().Err(),
	} {
		if err != nil {
			t.Errorf("supported type refused: %v", err)
		}
	}
}

// nullFirst embeds a Null: it inherits Null's methods, but it is a struct of
// two fields and both must count in its key.
type nullFirst struct {
	store.Null[int64]
	Name string
}

// A struct that embeds a Null (and so gets its promoted methods) must either
// be refused or be encoded with all its fields: two different values must
// not share a key.
func TestEncoderStructEmbeddingNullEncodesEveryFieldOrIsRefused(t *testing.T) {
	e := store.NewEncoder[nullFirst]()
	if e.Err() != nil {
		return // refusing the type is acceptable
	}
	a := nullFirst{Null: store.Some[int64](1), Name: "a"}
	b := nullFirst{Null: store.Some[int64](1), Name: "b"}
	ea, eb := encode(t, &e, a), encode(t, &e, b)
	if bytes.Equal(ea, eb) {
		t.Errorf("distinct values {Some(1) %q} and {Some(1) %q} both encode as %x: the Name field is ignored (the type is taken for a Null because it embeds one)", a.Name, b.Name, ea)
	}
}

// Different widths of the same kind must agree: an int32 and an int64 of the
// same value encode identically (the relations layer relies on keys of a
// type encoding the same wherever they appear).
func TestEncodingIntegerWidthsAgree(t *testing.T) {
	i32 := store.NewEncoder[int32]()
	i64 := store.NewEncoder[int64]()
	u32 := store.NewEncoder[uint32]()
	u64 := store.NewEncoder[uint64]()
	for _, v := range []int32{math.MinInt32, -1, 0, 1, math.MaxInt32} {
		if a, b := encode(t, &i32, v), encode(t, &i64, int64(v)); !bytes.Equal(a, b) {
			t.Errorf("int32 %d = %x, int64 = %x", v, a, b)
		}
	}
	for _, v := range []uint32{0, 1, math.MaxUint32} {
		if a, b := encode(t, &u32, v), encode(t, &u64, uint64(v)); !bytes.Equal(a, b) {
			t.Errorf("uint32 %d = %x, uint64 = %x", v, a, b)
		}
	}
}

// Property tests on random values: order and prefix-freedom.
func TestEncodingOrderRandomQuick(t *testing.T) {
	cfg := &quick.Config{MaxCount: 3000, Rand: nil}
	ie := store.NewEncoder[int64]()
	if err := quick.Check(func(a, b int64) bool {
		return sign(bytes.Compare(encode(t, &ie, a), encode(t, &ie, b))) == cmp.Compare(a, b)
	}, cfg); err != nil {
		t.Error("int64:", err)
	}
	ue := store.NewEncoder[uint64]()
	if err := quick.Check(func(a, b uint64) bool {
		return sign(bytes.Compare(encode(t, &ue, a), encode(t, &ue, b))) == cmp.Compare(a, b)
	}, cfg); err != nil {
		t.Error("uint64:", err)
	}
	fe := store.NewEncoder[float64]()
	if err := quick.Check(func(a, b float64) bool {
		if math.IsNaN(a) || math.IsNaN(b) {
			return true
		}
		return sign(bytes.Compare(encode(t, &fe, a), encode(t, &fe, b))) == cmp.Compare(a, b)
	}, cfg); err != nil {
		t.Error("float64:", err)
	}
	se := store.NewEncoder[string]()
	if err := quick.Check(func(a, b string) bool {
		ea, eb := encode(t, &se, a), encode(t, &se, b)
		if a != b && (bytes.HasPrefix(ea, eb) || bytes.HasPrefix(eb, ea)) {
			return false
		}
		return sign(bytes.Compare(ea, eb)) == strings.Compare(a, b)
	}, cfg); err != nil {
		t.Error("string:", err)
	}
	// Strings drawn from a tiny alphabet with many NUL bytes and shared
	// prefixes, which random strings rarely produce.
	r := rand.New(rand.NewPCG(1, 2))
	gen := func() string {
		b := make([]byte, r.IntN(5))
		for i := range b {
			b[i] = []byte{0x00, 0x01, 'a', 0xff}[r.IntN(4)]
		}
		return string(b)
	}
	pe := store.NewEncoder[pairKey]()
	for range 5000 {
		a := pairKey{int64(r.IntN(3) - 1), gen()}
		b := pairKey{int64(r.IntN(3) - 1), gen()}
		checkPair(t, &pe, comparePair, a, b)
		checkPair(t, &se, strings.Compare, a.B, b.B)
	}
	te := store.NewEncoder[time.Time]()
	for range 3000 {
		a := time.Unix(r.Int64N(1<<34)-1<<33, r.Int64N(1e9))
		b := time.Unix(a.Unix()+r.Int64N(3)-1, r.Int64N(1e9))
		checkPair(t, &te, func(x, y time.Time) int { return x.Compare(y) }, a, b)
	}
}

// Native fuzz targets; their seed corpus runs as a normal test.

func FuzzEncodingInt64(f *testing.F) {
	for _, s := range [][2]int64{{math.MinInt64, math.MaxInt64}, {-1, 0}, {0, 1}, {-1, 1}, {math.MinInt64, math.MinInt64 + 1}, {255, 256}} {
		f.Add(s[0], s[1])
	}
	e := store.NewEncoder[int64]()
	f.Fuzz(func(t *testing.T, a, b int64) { checkPair(t, &e, cmp.Compare[int64], a, b) })
}

func FuzzEncodingFloat64(f *testing.F) {
	for _, s := range [][2]float64{{math.Inf(-1), math.Inf(1)}, {math.Copysign(0, -1), 0}, {-1, -0.5}, {math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64}, {-math.MaxFloat64, math.Inf(-1)}} {
		f.Add(s[0], s[1])
	}
	e := store.NewEncoder[float64]()
	f.Fuzz(func(t *testing.T, a, b float64) {
		if math.IsNaN(a) || math.IsNaN(b) {
			return
		}
		checkPair(t, &e, cmp.Compare[float64], a, b)
	})
}

func FuzzEncodingString(f *testing.F) {
	for _, s := range [][2]string{{"", "\x00"}, {"a", "a\x00"}, {"a\x00", "ab"}, {"a", "ab"}, {"\x00\x01", "\x00"}, {"\xff", "\x00\xff"}, {"a\x00\x01", "a"}} {
		f.Add(s[0], s[1])
	}
	e := store.NewEncoder[string]()
	f.Fuzz(func(t *testing.T, a, b string) { checkPair(t, &e, strings.Compare, a, b) })
}

func FuzzEncodingComposite(f *testing.F) {
	f.Add(int64(1), "a", int64(1), "ab")
	f.Add(int64(1), "a\x00", int64(1), "a")
	f.Add(int64(-1), "", int64(0), "")
	f.Add(int64(math.MinInt64), "\x00", int64(math.MaxInt64), "")
	e := store.NewEncoder[pairKey]()
	f.Fuzz(func(t *testing.T, a1 int64, s1 string, a2 int64, s2 string) {
		checkPair(t, &e, comparePair, pairKey{a1, s1}, pairKey{a2, s2})
	})
}

func FuzzEncodingNullInt64(f *testing.F) {
	f.Add(false, int64(0), true, int64(math.MinInt64))
	f.Add(true, int64(-1), true, int64(0))
	f.Add(false, int64(5), false, int64(-5))
	e := store.NewEncoder[store.Null[int64]]()
	f.Fuzz(func(t *testing.T, va bool, a int64, vb bool, b int64) {
		na, nb := store.Null[int64]{V: a, Valid: va}, store.Null[int64]{V: b, Valid: vb}
		checkPair(t, &e, func(x, y store.Null[int64]) int {
			switch {
			case !x.Valid && !y.Valid:
				return 0
			case !x.Valid:
				return -1
			case !y.Valid:
				return 1
			}
			return cmp.Compare(x.V, y.V)
		}, na, nb)
	})
}
