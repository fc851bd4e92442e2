package store_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/memrel-go/memrel/store"
)

// nans64 are NaNs with different bit patterns: quiet and signalling, with
// and without a payload, with either sign.
var nans64 = []float64{
	math.NaN(),
	math.Float64frombits(0x7FF8000000000000), // the canonical quiet NaN
	math.Float64frombits(0x7FF0000000000001), // signalling, smallest payload
	math.Float64frombits(0x7FFFFFFFFFFFFFFF), // every payload bit
	math.Float64frombits(0xFFF8000000000000), // negative sign
	math.Float64frombits(0xFFF0000000000001),
	math.Float64frombits(0xFFFFFFFFFFFFFFFF),
}

var nans32 = []float32{
	float32(math.NaN()),
	math.Float32frombits(0x7FC00000),
	math.Float32frombits(0x7F800001),
	math.Float32frombits(0x7FFFFFFF),
	math.Float32frombits(0xFFC00000),
	math.Float32frombits(0xFF800001),
	math.Float32frombits(0xFFFFFFFF),
}

// Every NaN encodes the same, and after every number, +Inf included.
func TestNaNEncodesOnceAfterInf(t *testing.T) {
	e := store.NewEncoder[float64]()
	want := encode(t, &e, nans64[0])
	for _, n := range nans64 {
		if got := encode(t, &e, n); !bytes.Equal(got, want) {
			t.Errorf("NaN %#x encodes as %x, NaN %#x as %x: want one key", math.Float64bits(n), got, math.Float64bits(nans64[0]), want)
		}
	}
	for _, v := range []float64{math.Inf(-1), -math.MaxFloat64, -1, math.Copysign(0, -1), 0, 1, math.MaxFloat64, math.Inf(1)} {
		if bytes.Compare(encode(t, &e, v), want) >= 0 {
			t.Errorf("%v does not sort before NaN", v)
		}
	}
	e32 := store.NewEncoder[float32]()
	want32 := encode(t, &e32, nans32[0])
	for _, n := range nans32 {
		if got := encode(t, &e32, n); !bytes.Equal(got, want32) {
			t.Errorf("float32 NaN %#x encodes as %x, want %x", math.Float32bits(n), got, want32)
		}
	}
	if bytes.Compare(encode(t, &e32, float32(math.Inf(1))), want32) >= 0 {
		t.Errorf("float32 +Inf does not sort before NaN")
	}
	// A float32 NaN and a float64 NaN are the same value, as the same
	// number in either type is.
	if !bytes.Equal(want32, want) {
		t.Errorf("float32 NaN encodes as %x, float64 NaN as %x", want32, want)
	}
}

// The same holds inside a Null, a struct and an array.
func TestNaNEncodesOnceInNullAndComposites(t *testing.T) {
	ne := store.NewEncoder[store.Null[float64]]()
	wantN := encode(t, &ne, store.Some(nans64[0]))
	for _, n := range nans64 {
		if got := encode(t, &ne, store.Some(n)); !bytes.Equal(got, wantN) {
			t.Errorf("Some(NaN %#x) encodes as %x, want %x", math.Float64bits(n), got, wantN)
		}
	}
	if bytes.Compare(encode(t, &ne, store.Some(math.Inf(1))), wantN) >= 0 {
		t.Errorf("Some(+Inf) does not sort before Some(NaN)")
	}
	if bytes.Compare(encode(t, &ne, store.None[float64]()), encode(t, &ne, store.Some(math.Inf(-1)))) >= 0 {
		t.Errorf("None does not sort first")
	}
	ne32 := store.NewEncoder[store.Null[float32]]()
	want32 := encode(t, &ne32, store.Some(nans32[0]))
	for _, n := range nans32 {
		if got := encode(t, &ne32, store.Some(n)); !bytes.Equal(got, want32) {
			t.Errorf("Some(float32 NaN %#x) encodes as %x, want %x", math.Float32bits(n), got, want32)
		}
	}

	type point struct {
		X float64
		Y float32
		Z store.Null[float64]
		S string
	}
	pe := store.NewEncoder[point]()
	wantP := encode(t, &pe, point{nans64[0], nans32[0], store.Some(nans64[0]), "a"})
	for i := range nans64 {
		p := point{nans64[i], nans32[i], store.Some(nans64[len(nans64)-1-i]), "a"}
		if got := encode(t, &pe, p); !bytes.Equal(got, wantP) {
			t.Errorf("%+v encodes as %x, want %x", p, got, wantP)
		}
	}
	// NaN in the first field sorts after +Inf whatever follows.
	if bytes.Compare(encode(t, &pe, point{math.Inf(1), 0, store.Some(math.Inf(1)), "zzz"}), encode(t, &pe, point{nans64[4], 0, store.None[float64](), ""})) >= 0 {
		t.Errorf("(+Inf, ...) does not sort before (NaN, ...)")
	}
	ae := store.NewEncoder[[3]float64]()
	wantA := encode(t, &ae, [3]float64{nans64[0], 0, nans64[0]})
	for i := range nans64 {
		a := [3]float64{nans64[i], math.Copysign(0, -1), nans64[len(nans64)-1-i]}
		if got := encode(t, &ae, a); !bytes.Equal(got, wantA) {
			t.Errorf("[%#x -0 %#x] encodes as %x, want %x", math.Float64bits(a[0]), math.Float64bits(a[2]), got, wantA)
		}
	}
}

// In an index, every NaN is one value: found by any NaN, listed after +Inf
// in ascending order (and first in descending order), never at both ends.
func TestNaNIndexOrderAndLookup(t *testing.T) {
	f := qtOpen[float64](t)
	vals := []float64{nans64[4], math.Inf(-1), -1, nans64[0], math.Copysign(0, -1), math.Inf(1), nans64[2], 0, nans64[6]}
	mustUpdate(t, f.db, func(tx *store.Tx) error {
		for _, v := range vals {
			if _, err := f.tbl.Insert(tx, qtRow[float64]{V: v}); err != nil {
				return err
			}
		}
		return nil
	})
	if err := f.db.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	tx := f.db.BeginRead()
	defer tx.Abort()
	// Keys: 1 NaN-, 2 -Inf, 3 -1, 4 NaN, 5 -0, 6 +Inf, 7 NaN, 8 0, 9 NaN-.
	nanKeys := []int64{1, 4, 7, 9}
	if got := qtIDs(qtCollect(f.ix.Ascend(tx))); !slices.Equal(got, []int64{2, 3, 5, 8, 6, 1, 4, 7, 9}) {
		t.Errorf("Ascend = keys %v, want [2 3 5 8 6 1 4 7 9] (NaNs after +Inf, in key order)", got)
	}
	if got := qtIDs(qtCollect(f.ix.Descend(tx))); !slices.Equal(got, []int64{9, 7, 4, 1, 6, 8, 5, 3, 2}) {
		t.Errorf("Descend = keys %v, want [9 7 4 1 6 8 5 3 2]", got)
	}
	for _, n := range nans64 {
		if got := qtIDs(qtCollect(f.ix.Get(tx, n))); !slices.Equal(got, nanKeys) {
			t.Errorf("Get(NaN %#x) = keys %v, want %v", math.Float64bits(n), got, nanKeys)
		}
		if got := f.ix.Count(tx, n); got != len(nanKeys) {
			t.Errorf("Count(NaN %#x) = %d, want %d", math.Float64bits(n), got, len(nanKeys))
		}
		if got := qtIDs(qtCollect(f.ix.AscendFrom(tx, n))); !slices.Equal(got, nanKeys) {
			t.Errorf("AscendFrom(NaN %#x) = keys %v, want %v", math.Float64bits(n), got, nanKeys)
		}
	}
	// A range up to +Inf holds no NaN; one from +Inf to NaN holds +Inf only.
	if got := qtIDs(qtCollect(f.ix.AscendRange(tx, math.Inf(-1), math.Inf(1)))); slices.ContainsFunc(got, func(k int64) bool { return slices.Contains(nanKeys, k) }) {
		t.Errorf("AscendRange(-Inf, +Inf) = keys %v, holds a NaN row", got)
	}
	if got := qtIDs(qtCollect(f.ix.AscendRange(tx, math.Inf(1), nans64[5]))); !slices.Equal(got, []int64{6}) {
		t.Errorf("AscendRange(+Inf, NaN) = keys %v, want [6]", got)
	}
}

// A NaN key of a Null index and of a composite index is found by any NaN.
func TestNaNIndexNullAndComposite(t *testing.T) {
	fn := qtOpen[store.Null[float32]](t)
	mustUpdate(t, fn.db, func(tx *store.Tx) error {
		for _, v := range []store.Null[float32]{store.Some(nans32[5]), store.None[float32](), store.Some(float32(math.Inf(1))), store.Some(nans32[1])} {
			if _, err := fn.tbl.Insert(tx, qtRow[store.Null[float32]]{V: v}); err != nil {
				return err
			}
		}
		return nil
	})
	tx := fn.db.BeginRead()
	if got := qtIDs(qtCollect(fn.ix.Ascend(tx))); !slices.Equal(got, []int64{2, 3, 1, 4}) {
		t.Errorf("Null[float32] Ascend = keys %v, want [2 3 1 4]", got)
	}
	if got := qtIDs(qtCollect(fn.ix.Get(tx, store.Some(nans32[6])))); !slices.Equal(got, []int64{1, 4}) {
		t.Errorf("Null[float32] Get(Some(NaN)) = keys %v, want [1 4]", got)
	}
	tx.Abort()

	type pair struct {
		A float64
		B int
	}
	fc := qtOpen[pair](t)
	mustUpdate(t, fc.db, func(tx *store.Tx) error {
		for _, v := range []pair{{nans64[5], 1}, {math.Inf(1), 2}, {nans64[3], 1}, {nans64[0], 0}} {
			if _, err := fc.tbl.Insert(tx, qtRow[pair]{V: v}); err != nil {
				return err
			}
		}
		return nil
	})
	tx = fc.db.BeginRead()
	defer tx.Abort()
	if got := qtIDs(qtCollect(fc.ix.Ascend(tx))); !slices.Equal(got, []int64{2, 4, 1, 3}) {
		t.Errorf("composite Ascend = keys %v, want [2 4 1 3]", got)
	}
	if got := qtIDs(qtCollect(fc.ix.Get(tx, pair{nans64[6], 1}))); !slices.Equal(got, []int64{1, 3}) {
		t.Errorf("composite Get({NaN, 1}) = keys %v, want [1 3]", got)
	}
}

// compareNaNLast is the order of float keys: numeric, -0 equal to 0, and
// every NaN equal to every other and after +Inf.
func compareNaNLast(a, b float64) int {
	an, bn := a != a, b != b
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Over random bit patterns (NaNs are 1 in 2048 of them, so some are forced),
// the byte order of the keys is compareNaNLast.
func TestNaNEncodingOrderRandomBits(t *testing.T) {
	e := store.NewEncoder[float64]()
	r := rand.New(rand.NewPCG(7, 11))
	gen := func() float64 {
		b := r.Uint64()
		switch r.IntN(4) {
		case 0:
			b |= 0x7FF0000000000001 // a NaN, either sign
		case 1:
			b &^= 0x7FFFFFFFFFFFFFFF // a zero, either sign
		}
		return math.Float64frombits(b)
	}
	for range 20000 {
		a, b := gen(), gen()
		if got, want := sign(bytes.Compare(encode(t, &e, a), encode(t, &e, b))), compareNaNLast(a, b); got != want {
			t.Fatalf("keys of %v (%#x) and %v (%#x) compare %d, want %d", a, math.Float64bits(a), b, math.Float64bits(b), got, want)
		}
	}
}
