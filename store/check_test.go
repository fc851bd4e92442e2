package store_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/memrel-go/memrel/store"
)

// scored is a row with an optional score, indexed by it (empty scores are
// left out of the index) and by name.
type scored struct {
	ID    int64
	Name  string
	Score store.Null[int64]
}

var scores = store.NewTable("scores", func(r *scored) *int64 { return &r.ID })

var (
	scoreEnc = store.NewEncoder[store.Null[int64]]()
	strEnc   = store.NewEncoder[string]()
)

var byScore = store.NewIndexDef(scores.Info(), "by_score", func(dst []byte, obj any) ([]byte, bool) {
	return scoreEnc.Append(dst, obj.(*scored).Score) // false for an empty score: not indexed
})

var byScoreName = store.NewIndexDef(scores.Info(), "by_name", func(dst []byte, obj any) ([]byte, bool) {
	return strEnc.Append(dst, obj.(*scored).Name)
})

func openScores(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(store.Config{Tables: []store.AnyTable{scores}, Indexes: []*store.IndexDef{byScore, byScoreName}})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func collect(it store.RowIterator) []int64 {
	var ids []int64
	for obj := it.Next(); obj != nil; obj = it.Next() {
		ids = append(ids, obj.(*scored).ID)
	}
	return ids
}

func scoreKey(v int64) []byte {
	b, _ := scoreEnc.Append(nil, store.Some(v))
	return b
}

func pkKey(k int64) []byte { return scores.Info().KeyBytes(nil, &scored{ID: k}) }

func TestCheckPassesOnHealthyDB(t *testing.T) {
	db := openScores(t)
	if err := db.Check(); err != nil {
		t.Fatalf("empty DB: %v", err)
	}
	mustUpdate(t, db, func(tx *store.Tx) error {
		for i, s := range []store.Null[int64]{store.Some[int64](5), store.None[int64](), store.Some[int64](-3), store.Some[int64](5)} {
			if _, err := scores.Insert(tx, scored{Name: string(rune('a' + i)), Score: s}); err != nil {
				return err
			}
		}
		if _, err := scores.Update(tx, scored{ID: 2, Name: "b", Score: store.Some[int64](7)}); err != nil {
			return err
		}
		if _, err := scores.Update(tx, scored{ID: 1, Name: "a"}); err != nil { // leaves the index
			return err
		}
		if _, err := scores.Delete(tx, 4); err != nil {
			return err
		}
		return tx.Check() // inside the write tx, too
	})
	if err := db.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

// Check must really look at the indexes: an index whose value function
// changes its mind after the rows were written is reported.
func TestCheckReportsStaleIndexEntries(t *testing.T) {
	shift := int64(0)
	include := true
	tbl := store.NewTable("drifting", func(r *item) *int64 { return &r.ID })
	e := store.NewEncoder[int64]()
	drift := store.NewIndexDef(tbl.Info(), "by_qty", func(dst []byte, obj any) ([]byte, bool) {
		if !include {
			return dst, false
		}
		return e.Append(dst, int64(obj.(*item).Qty)+shift)
	})
	db, err := store.Open(store.Config{Tables: []store.AnyTable{tbl}, Indexes: []*store.IndexDef{drift}})
	if err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, db, func(tx *store.Tx) error {
		for q := range 3 {
			if _, err := tbl.Insert(tx, item{Qty: q}); err != nil {
				return err
			}
		}
		return nil
	})
	if err := db.Check(); err != nil {
		t.Fatalf("Check before drift: %v", err)
	}

	shift = 100
	err = db.Check()
	if !errors.Is(err, store.ErrIntegrity) {
		t.Fatalf("Check after the index values drifted = %v, want ErrIntegrity", err)
	}
	if n := len(joined(err)); n != 3 {
		t.Errorf("Check reported %d problems, want one per row (3): %v", n, err)
	}
	for _, e := range joined(err) {
		if !errors.Is(e, store.ErrIntegrity) || !strings.Contains(e.Error(), "drifting.by_qty") {
			t.Errorf("problem %q does not wrap ErrIntegrity or name the index", e)
		}
	}

	shift, include = 0, false
	err = db.Check()
	if !errors.Is(err, store.ErrIntegrity) || !strings.Contains(err.Error(), "3 entries for 0 rows") {
		t.Fatalf("Check with rows indexed that should not be = %v", err)
	}
}

func TestScanFromPrimaryKey(t *testing.T) {
	db := openScores(t)
	mustUpdate(t, db, func(tx *store.Tx) error {
		for _, k := range []int64{-20, -5, 1, 2, 3, 10, 30} {
			if _, err := scores.Insert(tx, scored{ID: k, Name: "x"}); err != nil {
				return err
			}
		}
		return nil
	})
	info := scores.Info()
	tx := db.BeginRead()
	defer tx.Abort()
	for _, tc := range []struct {
		name    string
		from    []byte
		reverse bool
		want    []int64
	}{
		{"forward from nil", nil, false, []int64{-20, -5, 1, 2, 3, 10, 30}},
		{"reverse from nil", nil, true, []int64{30, 10, 3, 2, 1, -5, -20}},
		{"forward from an existing key", pkKey(2), false, []int64{2, 3, 10, 30}},
		{"reverse from an existing key", pkKey(2), true, []int64{2, 1, -5, -20}},
		{"forward from a gap", pkKey(4), false, []int64{10, 30}},
		{"reverse from a gap", pkKey(4), true, []int64{3, 2, 1, -5, -20}},
		{"forward from a negative gap", pkKey(-6), false, []int64{-5, 1, 2, 3, 10, 30}},
		{"reverse from a negative gap", pkKey(-6), true, []int64{-20}},
		{"forward past the end", pkKey(31), false, nil},
		{"reverse before the start", pkKey(-21), true, nil},
		{"forward from MinInt64", pkKey(math.MinInt64), false, []int64{-20, -5, 1, 2, 3, 10, 30}},
		{"reverse from MaxInt64", pkKey(math.MaxInt64), true, []int64{30, 10, 3, 2, 1, -5, -20}},
	} {
		if got := collect(tx.ScanFrom(info, "", tc.from, tc.reverse)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestScanSecondaryIndex(t *testing.T) {
	db := openScores(t)
	// id: score
	rows := []scored{
		{ID: 1, Name: "b", Score: store.Some[int64](10)},
		{ID: 2, Name: "a", Score: store.Some[int64](-4)},
		{ID: 3, Name: "d", Score: store.None[int64]()},
		{ID: 4, Name: "b", Score: store.Some[int64](10)},
		{ID: 5, Name: "e", Score: store.Some[int64](0)},
		{ID: 6, Name: "b", Score: store.Some[int64](math.MinInt64)},
		{ID: 7, Name: "ab", Score: store.Some[int64](25)},
		{ID: 8, Name: "", Score: store.None[int64]()},
	}
	mustUpdate(t, db, func(tx *store.Tx) error {
		for _, r := range rows {
			if _, err := scores.Insert(tx, r); err != nil {
				return err
			}
		}
		return tx.Check()
	})
	info := scores.Info()
	tx := db.BeginRead()
	defer tx.Abort()

	t.Run("Scan by value", func(t *testing.T) {
		for _, tc := range []struct {
			index  string
			prefix []byte
			want   []int64
		}{
			{"by_score", nil, []int64{6, 2, 5, 1, 4, 7}}, // empty scores left out
			{"by_score", scoreKey(10), []int64{1, 4}},
			{"by_score", scoreKey(11), nil},
			{"by_score", []byte{0x00}, nil}, // no empty score is indexed
			{"by_name", mustEnc(strEnc, "b"), []int64{1, 4, 6}},
			{"by_name", mustEnc(strEnc, "a"), []int64{2}}, // not "ab"
			{"by_name", mustEnc(strEnc, ""), []int64{8}},
			{"by_name", nil, []int64{8, 2, 7, 1, 4, 6, 3, 5}},
		} {
			if got := collect(tx.Scan(info, tc.index, tc.prefix)); !slices.Equal(got, tc.want) {
				t.Errorf("Scan(%s, %x) = %v, want %v", tc.index, tc.prefix, got, tc.want)
			}
		}
	})
	t.Run("ScanFrom by value", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			from    []byte
			reverse bool
			want    []int64
		}{
			{"forward all", nil, false, []int64{6, 2, 5, 1, 4, 7}},
			{"reverse all", nil, true, []int64{7, 4, 1, 5, 2, 6}},
			{"forward from 0", scoreKey(0), false, []int64{5, 1, 4, 7}},
			{"forward from a gap", scoreKey(1), false, []int64{1, 4, 7}},
			{"forward from a negative gap", scoreKey(-5), false, []int64{2, 5, 1, 4, 7}},
			// Entries are value + key: a bound between two values excludes
			// none of either; rows of the bound's own value sort after it.
			{"reverse from a gap", scoreKey(9), true, []int64{5, 2, 6}},
			{"reverse from a gap above equal values", scoreKey(11), true, []int64{4, 1, 5, 2, 6}},
			{"reverse from a value's last entry", append(scoreKey(10), pkKey(4)...), true, []int64{4, 1, 5, 2, 6}},
			{"reverse from between equal values", append(scoreKey(10), pkKey(3)...), true, []int64{1, 5, 2, 6}},
			{"forward past the end", scoreKey(26), false, nil},
		} {
			if got := collect(tx.ScanFrom(info, "by_score", tc.from, tc.reverse)); !slices.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}
	})
	t.Run("unknown index panics", func(t *testing.T) {
		msg := mustPanic(t, "ScanFrom on a missing index", func() { tx.ScanFrom(info, "nope", nil, false) })
		if msg != "" && !strings.Contains(msg, "nope") {
			t.Errorf("panic %q does not name the index", msg)
		}
		mustPanic(t, "Scan on a missing index", func() { tx.Scan(info, "nope", nil) })
	})
}

func mustEnc(e store.Encoder[string], s string) []byte {
	b, _ := e.Append(nil, s)
	return b
}

func TestScanIteratorReadsItsSnapshot(t *testing.T) {
	db := openScores(t)
	mustUpdate(t, db, func(tx *store.Tx) error {
		for i := range 4 {
			if _, err := scores.Insert(tx, scored{Name: "same", Score: store.Some(int64(i))}); err != nil {
				return err
			}
		}
		return nil
	})
	mustUpdate(t, db, func(tx *store.Tx) error {
		it := tx.Scan(scores.Info(), "by_name", mustEnc(strEnc, "same"))
		var seen []int64
		for obj := it.Next(); obj != nil; obj = it.Next() {
			r := obj.(*scored)
			seen = append(seen, r.ID)
			if _, err := scores.Modify(tx, r.ID, func(x *scored) error { x.Name = "other"; return nil }); err != nil {
				return err
			}
		}
		if !slices.Equal(seen, []int64{1, 2, 3, 4}) {
			t.Errorf("scan while updating saw %v", seen)
		}
		return tx.Check()
	})
}

func TestDumpIsDeterministicAndListsSequences(t *testing.T) {
	build := func(order []int64) *store.DB {
		db := openDB(t, items, names)
		mustUpdate(t, db, func(tx *store.Tx) error {
			for _, k := range order {
				if _, err := items.Insert(tx, item{ID: k, Name: "n"}); err != nil {
					return err
				}
			}
			for _, c := range []string{"y", "x"} {
				if _, err := names.Insert(tx, named{Code: c, Label: strings.ToUpper(c)}); err != nil {
					return err
				}
			}
			return nil
		})
		return db
	}
	a, b := build([]int64{2, 3, 1}), build([]int64{3, 1, 2})
	want := "table items\n" +
		"  1 {ID:1 Name:n Qty:0 Tags:[ ]}\n" +
		"  2 {ID:2 Name:n Qty:0 Tags:[ ]}\n" +
		"  3 {ID:3 Name:n Qty:0 Tags:[ ]}\n" +
		"  sequence 3\n" +
		"table names\n" +
		"  x {Code:x Label:X}\n" +
		"  y {Code:y Label:Y}\n"
	if got := dump(a); got != want {
		t.Errorf("Dump =\n%s\nwant\n%s", got, want)
	}
	first, again := dump(a), dump(a)
	if first != again || first != dump(b) {
		t.Errorf("Dump is not deterministic (twice, then in another insertion order):\n%s\n%s\n%s", first, again, dump(b))
	}
	// The sequence is part of the state: deleting the last row keeps it.
	mustUpdate(t, a, func(tx *store.Tx) error { _, err := items.Delete(tx, 3); return err })
	if got := dump(a); !strings.Contains(got, "  sequence 3\n") || strings.Contains(got, "  3 {") {
		t.Errorf("Dump after deleting 3:\n%s", got)
	}
	// An uncommitted sequence advance shows in the write tx's Dump.
	tx := a.BeginWrite()
	defer tx.Abort()
	if _, err := items.Insert(tx, item{ID: 40}); err != nil {
		t.Fatal(err)
	}
	if got := tx.Dump(); !strings.Contains(got, "  sequence 40\n") {
		t.Errorf("write tx Dump:\n%s", got)
	}
	// A fresh table shows sequence 0.
	if got := dump(openDB(t, items)); got != "table items\n  sequence 0\n" {
		t.Errorf("empty Dump = %q", got)
	}
}

func TestNullHelpers(t *testing.T) {
	if v, ok := store.Some(3).Get(); v != 3 || !ok {
		t.Errorf("Some(3).Get() = %v, %v", v, ok)
	}
	if v, ok := store.None[string]().Get(); v != "" || ok {
		t.Errorf("None.Get() = %q, %v", v, ok)
	}
	if s := store.Some(3).String(); s != "3" {
		t.Errorf("Some(3).String() = %q", s)
	}
	if s := store.None[int]().String(); s != "null" {
		t.Errorf("None.String() = %q", s)
	}
}

func TestErrorTypes(t *testing.T) {
	ke := &store.KeyError{Table: "users", Key: int64(7), Err: store.ErrNotFound}
	if !errors.Is(ke, store.ErrNotFound) || !strings.Contains(ke.Error(), "users") || !strings.Contains(ke.Error(), "7") {
		t.Errorf("KeyError = %q", ke)
	}
	te := &store.TableError{Table: "users", Err: store.ErrUnknownTable}
	if !errors.Is(te, store.ErrUnknownTable) || !strings.Contains(te.Error(), "users") {
		t.Errorf("TableError = %q", te)
	}
}
