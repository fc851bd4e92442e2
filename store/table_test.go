package store_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/memrel-go/memrel/store"
)

func TestInsertAssignsSequentialKeysFromOne(t *testing.T) {
	db := openDB(t)
	got := insertItems(t, db, item{Name: "a"}, item{Name: "b"}, item{Name: "c"})
	if ids := itemIDs(got); !slices.Equal(ids, []int64{1, 2, 3}) {
		t.Fatalf("Insert returned keys %v, want [1 2 3]", ids)
	}
	// The next transaction continues the sequence.
	more := insertItems(t, db, item{Name: "d"})
	if more[0].ID != 4 {
		t.Fatalf("key in a later transaction = %d, want 4", more[0].ID)
	}
	rows := readItems(t, db)
	if want := []item{{ID: 1, Name: "a"}, {ID: 2, Name: "b"}, {ID: 3, Name: "c"}, {ID: 4, Name: "d"}}; !slices.Equal(rows, want) {
		t.Fatalf("stored rows %+v, want %+v", rows, want)
	}
}

func TestInsertKeepsCallerKeyAndSequenceMovesPastIt(t *testing.T) {
	db := openDB(t)
	steps := []struct {
		in     int64
		wantID int64
	}{
		{10, 10},
		{0, 11}, // past the caller's 10
		{5, 5},  // smaller caller key kept, sequence unchanged
		{0, 12},
		{-7, -7}, // negative keys are fine and do not move the sequence
		{0, 13},
		{100, 100},
		{0, 101},
	}
	for i, s := range steps {
		got := insertItems(t, db, item{ID: s.in, Name: "x"})[0]
		if got.ID != s.wantID {
			t.Fatalf("step %d: Insert(ID %d) stored key %d, want %d", i, s.in, got.ID, s.wantID)
		}
	}
	// The same within one transaction.
	mustUpdate(t, db, func(tx *store.Tx) error {
		if r, err := items.Insert(tx, item{ID: 500}); err != nil || r.ID != 500 {
			t.Fatalf("Insert(500) = %d, %v", r.ID, err)
		}
		if r, err := items.Insert(tx, item{}); err != nil || r.ID != 501 {
			t.Fatalf("auto insert after 500 in the same tx = %d, %v; want 501", r.ID, err)
		}
		return nil
	})
}

func TestSequenceNeverReusesDeletedKeys(t *testing.T) {
	db := openDB(t)
	insertItems(t, db, item{}, item{}, item{})
	mustUpdate(t, db, func(tx *store.Tx) error {
		_, err := items.Delete(tx, 3)
		return err
	})
	if got := insertItems(t, db, item{})[0].ID; got != 4 {
		t.Fatalf("key after deleting the last row = %d, want 4", got)
	}
	// Delete every row, then insert in the same transaction and in a new one.
	mustUpdate(t, db, func(tx *store.Tx) error {
		if _, err := items.Delete(tx, 1, 2, 4); err != nil {
			return err
		}
		r, err := items.Insert(tx, item{})
		if err == nil && r.ID != 5 {
			t.Errorf("key after deleting every row in the same tx = %d, want 5", r.ID)
		}
		return err
	})
	if got := insertItems(t, db, item{})[0].ID; got != 6 {
		t.Fatalf("key in a later transaction = %d, want 6", got)
	}
	// A caller-chosen key that is then deleted still counts.
	insertItems(t, db, item{ID: 50})
	mustUpdate(t, db, func(tx *store.Tx) error { _, err := items.Delete(tx, 50); return err })
	if got := insertItems(t, db, item{})[0].ID; got != 51 {
		t.Fatalf("key after a deleted caller key 50 = %d, want 51", got)
	}
}

func TestAbortedWriteLeavesSequenceUntouched(t *testing.T) {
	db := openDB(t)
	insertItems(t, db, item{Name: "first"})

	tx := db.BeginWrite()
	r, err := items.Insert(tx, item{Name: "aborted"})
	if err != nil || r.ID != 2 {
		t.Fatalf("Insert = %d, %v; want 2", r.ID, err)
	}
	if _, err := items.Insert(tx, item{ID: 90}); err != nil {
		t.Fatal(err)
	}
	tx.Abort()

	errBoom := errors.New("boom")
	if err := db.Update(func(tx *store.Tx) error {
		if _, err := items.Insert(tx, item{ID: 80}); err != nil {
			return err
		}
		return errBoom
	}); !errors.Is(err, errBoom) {
		t.Fatalf("Update = %v, want %v", err, errBoom)
	}

	if got := insertItems(t, db, item{Name: "second"})[0].ID; got != 2 {
		t.Fatalf("key after an aborted insert of key 2 = %d, want 2 again", got)
	}
	if rows := readItems(t, db); len(rows) != 2 {
		t.Fatalf("rows after abort: %+v, want 2 rows", rows)
	}
}

// keyTypeCase runs the sequence checks for one key type.
func testIntegerKeyType[K ~int | ~int32 | ~int64 | ~uint | ~uint32 | ~uint64](t *testing.T) {
	tbl := store.NewTable("rows", func(r *keyed[K]) *K { return &r.ID })
	db := openDB(t, tbl)
	mustUpdate(t, db, func(tx *store.Tx) error {
		for i, want := range []K{1, 2, 3} {
			r, err := tbl.Insert(tx, keyed[K]{V: "auto"})
			if err != nil {
				return err
			}
			if r.ID != want {
				t.Errorf("insert %d: key %v, want %v", i, r.ID, want)
			}
		}
		if r, err := tbl.Insert(tx, keyed[K]{ID: 20}); err != nil || r.ID != 20 {
			t.Errorf("caller key 20: got %v, %v", r.ID, err)
		}
		if r, err := tbl.Insert(tx, keyed[K]{}); err != nil || r.ID != 21 {
			t.Errorf("auto after 20: got %v, %v; want 21", r.ID, err)
		}
		_, err := tbl.Insert(tx, keyed[K]{ID: 2})
		wantKeyError(t, err, store.ErrExists, "rows", K(2))
		if !tbl.Has(tx, 21) || tbl.Has(tx, 4) || tbl.Len(tx) != 5 {
			t.Errorf("Has(21)=%v Has(4)=%v Len=%d, want true false 5", tbl.Has(tx, 21), tbl.Has(tx, 4), tbl.Len(tx))
		}
		var got []K
		for r := range tbl.All(tx) {
			got = append(got, r.ID)
		}
		if !slices.Equal(got, []K{1, 2, 3, 20, 21}) {
			t.Errorf("All keys = %v", got)
		}
		return nil
	})
}

func TestIntegerKeyTypes(t *testing.T) {
	t.Run("int", testIntegerKeyType[int])
	t.Run("int32", testIntegerKeyType[int32])
	t.Run("int64", testIntegerKeyType[int64])
	t.Run("uint", testIntegerKeyType[uint])
	t.Run("uint32", testIntegerKeyType[uint32])
	t.Run("uint64", testIntegerKeyType[uint64])
}

func TestSequenceExhaustedForNarrowKeyIsInvalidKey(t *testing.T) {
	t.Run("int32", func(t *testing.T) {
		tbl := store.NewTable("rows", func(r *keyed[int32]) *int32 { return &r.ID })
		db := openDB(t, tbl)
		mustUpdate(t, db, func(tx *store.Tx) error {
			_, err := tbl.Insert(tx, keyed[int32]{ID: math.MaxInt32})
			return err
		})
		before := dump(db)
		err := db.Update(func(tx *store.Tx) error {
			_, err := tbl.Insert(tx, keyed[int32]{V: "overflow"})
			return err
		})
		wantKeyError(t, err, store.ErrInvalidKey, "rows", int64(math.MaxInt32)+1)
		if after := dump(db); after != before {
			t.Errorf("refused insert changed the DB:\n%s\nwas\n%s", after, before)
		}
	})
	t.Run("uint32", func(t *testing.T) {
		tbl := store.NewTable("rows", func(r *keyed[uint32]) *uint32 { return &r.ID })
		db := openDB(t, tbl)
		mustUpdate(t, db, func(tx *store.Tx) error {
			_, err := tbl.Insert(tx, keyed[uint32]{ID: math.MaxUint32})
			return err
		})
		err := db.Update(func(tx *store.Tx) error {
			_, err := tbl.Insert(tx, keyed[uint32]{V: "overflow"})
			return err
		})
		if !errors.Is(err, store.ErrInvalidKey) {
			t.Fatalf("auto insert after MaxUint32 = %v, want ErrInvalidKey", err)
		}
	})
}

// After a caller-chosen key of math.MaxInt64 the int64 sequence has nothing
// left to hand out: an auto insert must be refused with ErrInvalidKey (as
// for int32), not wrap around to a negative key.
func TestInt64SequencePastMaxIsInvalidKey(t *testing.T) {
	db := openDB(t)
	insertItems(t, db, item{ID: math.MaxInt64, Name: "max"})
	var keys []int64
	for i := range 2 {
		err := db.Update(func(tx *store.Tx) error {
			r, err := items.Insert(tx, item{Name: "auto"})
			if err == nil {
				keys = append(keys, r.ID)
			}
			return err
		})
		if !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("auto insert %d after key MaxInt64: err = %v, want ErrInvalidKey (keys handed out: %v)", i, err, keys)
		}
	}
	if rows := readItems(t, db); len(rows) != 1+len(keys) {
		t.Errorf("%d successful inserts after the max key but %d rows stored: a row was silently overwritten (%+v)", len(keys), len(rows), rows)
	}
}

// An uint64 sequence that goes past math.MaxInt64 must either keep handing
// out distinct keys or refuse; it must never hand out the same key twice and
// silently overwrite a row.
func TestUint64SequencePastMaxInt64NeverReusesAKey(t *testing.T) {
	tbl := store.NewTable("rows", func(r *keyed[uint64]) *uint64 { return &r.ID })
	db := openDB(t, tbl)
	mustUpdate(t, db, func(tx *store.Tx) error {
		_, err := tbl.Insert(tx, keyed[uint64]{ID: math.MaxInt64})
		return err
	})
	var keys []uint64
	for i := range 3 {
		err := db.Update(func(tx *store.Tx) error {
			r, err := tbl.Insert(tx, keyed[uint64]{V: "auto"})
			if err == nil {
				keys = append(keys, r.ID)
			}
			return err
		})
		if err != nil && !errors.Is(err, store.ErrInvalidKey) {
			t.Fatalf("auto insert %d: %v", i, err)
		}
	}
	tx := db.BeginRead()
	defer tx.Abort()
	if n := tbl.Len(tx); n != 1+len(keys) {
		t.Errorf("keys handed out after MaxInt64: %v; want distinct keys, but the table holds %d rows instead of %d", keys, n, 1+len(keys))
	}
}

func TestStringKeys(t *testing.T) {
	db := openDB(t)
	mustUpdate(t, db, func(tx *store.Tx) error {
		r, err := names.Insert(tx, named{Code: "fr", Label: "France"})
		if err != nil || r.Code != "fr" {
			t.Fatalf("Insert(fr) = %+v, %v", r, err)
		}
		_, err = names.Insert(tx, named{Label: "no key"})
		wantKeyError(t, err, store.ErrInvalidKey, "names", "")
		if names.Len(tx) != 1 {
			t.Errorf("Len after a refused empty key = %d, want 1", names.Len(tx))
		}
		_, err = names.Insert(tx, named{Code: "fr", Label: "again"})
		wantKeyError(t, err, store.ErrExists, "names", "fr")
		if got, _ := names.Get(tx, "fr"); got.Label != "France" {
			t.Errorf("duplicate insert changed the row: %+v", got)
		}
		return nil
	})
}

func TestDuplicateIntKeyIsErrExistsAndChangesNothing(t *testing.T) {
	db := openDB(t)
	insertItems(t, db, item{ID: 7, Name: "seven"})
	before := dump(db)
	err := db.Update(func(tx *store.Tx) error {
		_, err := items.Insert(tx, item{ID: 7, Name: "dup"})
		wantKeyError(t, err, store.ErrExists, "items", int64(7))
		// The transaction stays usable after a refused insert.
		_, err = items.Insert(tx, item{Name: "next"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rows := readItems(t, db)
	if want := []item{{ID: 7, Name: "seven"}, {ID: 8, Name: "next"}}; !slices.Equal(rows, want) {
		t.Fatalf("rows = %+v, want %+v (before: %s)", rows, want, before)
	}
}

func TestGetHasLen(t *testing.T) {
	db := openDB(t)
	insertItems(t, db, item{Name: "a", Qty: 1}, item{Name: "b", Qty: 2})
	tx := db.BeginRead()
	defer tx.Abort()
	if r, ok := items.Get(tx, 2); !ok || r != (item{ID: 2, Name: "b", Qty: 2}) {
		t.Errorf("Get(2) = %+v, %v", r, ok)
	}
	if r, ok := items.Get(tx, 3); ok || r != (item{}) {
		t.Errorf("Get(missing) = %+v, %v; want zero, false", r, ok)
	}
	if !items.Has(tx, 1) || items.Has(tx, 0) || items.Has(tx, -1) {
		t.Errorf("Has(1)=%v Has(0)=%v Has(-1)=%v", items.Has(tx, 1), items.Has(tx, 0), items.Has(tx, -1))
	}
	if n := items.Len(tx); n != 2 {
		t.Errorf("Len = %d, want 2", n)
	}
	if n := names.Len(tx); n != 0 {
		t.Errorf("Len(empty) = %d", n)
	}
	if r, ok := names.Get(tx, ""); ok {
		t.Errorf("Get(\"\") on names = %+v, true", r)
	}
	if k := items.Key(item{ID: 42}); k != 42 {
		t.Errorf("Key = %d", k)
	}
}

func TestAllIsInKeyOrder(t *testing.T) {
	t.Run("int64 with negatives", func(t *testing.T) {
		db := openDB(t)
		insertItems(t, db, item{ID: 3}, item{ID: -5}, item{ID: math.MinInt64}, item{ID: -100}, item{ID: 0}, item{ID: 1 << 40}, item{ID: -1})
		// 0 is replaced by the sequence: 1<<40 was not inserted yet, so it got 4.
		got := itemIDs(readItems(t, db))
		want := []int64{math.MinInt64, -100, -5, -1, 3, 4, 1 << 40}
		if !slices.Equal(got, want) {
			t.Fatalf("All keys = %v, want %v", got, want)
		}
	})
	t.Run("string", func(t *testing.T) {
		db := openDB(t)
		keys := []string{"b", "a", "ab", "A", "a\x00", "\x00", "zz", "é", "a b"}
		mustUpdate(t, db, func(tx *store.Tx) error {
			for _, k := range keys {
				if _, err := names.Insert(tx, named{Code: k}); err != nil {
					return err
				}
			}
			return nil
		})
		var got []string
		_ = db.View(func(tx *store.Tx) error {
			for r := range names.All(tx) {
				got = append(got, r.Code)
			}
			return nil
		})
		want := slices.Clone(keys)
		slices.SortFunc(want, strings.Compare)
		if !slices.Equal(got, want) {
			t.Fatalf("All keys = %q, want %q", got, want)
		}
	})
	t.Run("uint64 above MaxInt64", func(t *testing.T) {
		tbl := store.NewTable("rows", func(r *keyed[uint64]) *uint64 { return &r.ID })
		db := openDB(t, tbl)
		mustUpdate(t, db, func(tx *store.Tx) error {
			for _, k := range []uint64{math.MaxUint64, 5, 1 << 63, math.MaxInt64} {
				if _, err := tbl.Insert(tx, keyed[uint64]{ID: k}); err != nil {
					return err
				}
			}
			return nil
		})
		tx := db.BeginRead()
		defer tx.Abort()
		var got []uint64
		for r := range tbl.All(tx) {
			got = append(got, r.ID)
		}
		if want := []uint64{5, math.MaxInt64, 1 << 63, math.MaxUint64}; !slices.Equal(got, want) {
			t.Fatalf("All keys = %v, want %v", got, want)
		}
	})
	t.Run("early break", func(t *testing.T) {
		db := openDB(t)
		insertItems(t, db, item{}, item{}, item{})
		tx := db.BeginRead()
		defer tx.Abort()
		n := 0
		for r := range items.All(tx) {
			n++
			if r.ID == 2 {
				break
			}
		}
		if n != 2 {
			t.Fatalf("iterated %d rows before break at key 2", n)
		}
	})
}

func TestUpdateReplacesRow(t *testing.T) {
	db := openDB(t)
	insertItems(t, db, item{Name: "a", Qty: 1, Tags: [2]string{"x", "y"}}, item{Name: "b"})
	mustUpdate(t, db, func(tx *store.Tx) error {
		r, err := items.Update(tx, item{ID: 1, Name: "A"})
		if err != nil {
			return err
		}
		if r != (item{ID: 1, Name: "A"}) {
			t.Errorf("Update returned %+v", r)
		}
		// Visible in the same transaction.
		if got, _ := items.Get(tx, 1); got != r {
			t.Errorf("Get in the same tx = %+v, want %+v", got, r)
		}
		return nil
	})
	if rows := readItems(t, db); !slices.Equal(rows, []item{{ID: 1, Name: "A"}, {ID: 2, Name: "b"}}) {
		t.Fatalf("rows = %+v", rows)
	}
}

func TestUpdateMissingKeyIsErrNotFound(t *testing.T) {
	db := openDB(t)
	insertItems(t, db, item{Name: "a"})
	before := dump(db)
	err := db.Update(func(tx *store.Tx) error {
		_, err := items.Update(tx, item{ID: 9, Name: "ghost"})
		wantKeyError(t, err, store.ErrNotFound, "items", int64(9))
		if items.Has(tx, 9) {
			t.Errorf("Update of a missing key inserted it")
		}
		_, err = names.Update(tx, named{Code: "zz"})
		wantKeyError(t, err, store.ErrNotFound, "names", "zz")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if after := dump(db); after != before {
		t.Fatalf("state changed:\n%s\nwas\n%s", after, before)
	}
}

func TestModify(t *testing.T) {
	db := openDB(t)
	insertItems(t, db, item{Name: "a", Qty: 1})
	errFn := errors.New("fn refuses")

	mustUpdate(t, db, func(tx *store.Tx) error {
		r, err := items.Modify(tx, 1, func(r *item) error {
			if r.Name != "a" || r.Qty != 1 {
				t.Errorf("fn sees %+v, want the stored row", *r)
			}
			r.Qty += 10
			return nil
		})
		if err != nil || r != (item{ID: 1, Name: "a", Qty: 11}) {
			t.Errorf("Modify = %+v, %v", r, err)
		}

		_, err = items.Modify(tx, 1, func(r *item) error {
			r.Name = "changed then refused"
			return errFn
		})
		if !errors.Is(err, errFn) {
			t.Errorf("Modify with a failing fn = %v, want %v", err, errFn)
		}

		_, err = items.Modify(tx, 1, func(r *item) error {
			r.ID = 2
			r.Name = "moved"
			return nil
		})
		wantKeyError(t, err, store.ErrInvalidKey, "items", int64(1))
		if items.Has(tx, 2) {
			t.Errorf("Modify that changed the key created row 2")
		}

		called := false
		_, err = items.Modify(tx, 5, func(*item) error { called = true; return nil })
		wantKeyError(t, err, store.ErrNotFound, "items", int64(5))
		if called {
			t.Errorf("fn was called for a missing key")
		}
		return nil
	})
	if rows := readItems(t, db); !slices.Equal(rows, []item{{ID: 1, Name: "a", Qty: 11}}) {
		t.Fatalf("rows = %+v, want only the first modification", rows)
	}
}

func TestDelete(t *testing.T) {
	setup := func(t *testing.T) *store.DB {
		db := openDB(t)
		insertItems(t, db, item{}, item{}, item{}, item{})
		return db
	}
	tests := []struct {
		name     string
		keys     []int64
		wantErr  error
		errKey   int64
		wantLeft []int64
		wantN    int
	}{
		{name: "one", keys: []int64{2}, wantLeft: []int64{1, 3, 4}, wantN: 1},
		{name: "several", keys: []int64{4, 1, 3}, wantLeft: []int64{2}, wantN: 3},
		{name: "all", keys: []int64{1, 2, 3, 4}, wantLeft: nil, wantN: 4},
		{name: "duplicates counted once", keys: []int64{2, 2, 3, 2}, wantLeft: []int64{1, 4}, wantN: 2},
		{name: "missing alone", keys: []int64{9}, wantErr: store.ErrNotFound, errKey: 9, wantLeft: []int64{1, 2, 3, 4}},
		{name: "missing after existing", keys: []int64{1, 2, 9}, wantErr: store.ErrNotFound, errKey: 9, wantLeft: []int64{1, 2, 3, 4}},
		{name: "missing before existing", keys: []int64{0, 3}, wantErr: store.ErrNotFound, errKey: 0, wantLeft: []int64{1, 2, 3, 4}},
		{name: "no keys", keys: nil, wantLeft: []int64{1, 2, 3, 4}, wantN: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := setup(t)
			var res store.DeleteResult
			var err error
			if uerr := db.Update(func(tx *store.Tx) error {
				res, err = items.Delete(tx, tc.keys...)
				// Inspect the state inside the transaction, after the
				// (possibly refused) delete.
				var left []int64
				for r := range items.All(tx) {
					left = append(left, r.ID)
				}
				if !slices.Equal(left, tc.wantLeft) {
					t.Errorf("rows left in the tx = %v, want %v", left, tc.wantLeft)
				}
				if tx.Check() != nil {
					t.Errorf("Check after Delete: %v", tx.Check())
				}
				return nil
			}); uerr != nil {
				t.Fatal(uerr)
			}
			if tc.wantErr != nil {
				wantKeyError(t, err, tc.wantErr, "items", tc.errKey)
				if res.Total() != 0 || res.Deleted != nil {
					t.Errorf("refused delete reported %v", res)
				}
			} else if err != nil {
				t.Fatalf("Delete(%v) = %v", tc.keys, err)
			}
			if res.Total() != tc.wantN || (tc.wantN > 0 && res.Deleted["items"] != tc.wantN) {
				t.Errorf("DeleteResult = %v (Total %d), want %d items", res, res.Total(), tc.wantN)
			}
			if tc.wantN == 0 && (len(res.Deleted) != 0 || len(res.Updated) != 0 || res.String() != "nothing deleted") {
				t.Errorf("empty DeleteResult = %#v %q", res, res.String())
			}
			if left := itemIDs(readItems(t, db)); !slices.Equal(left, tc.wantLeft) {
				t.Errorf("committed rows = %v, want %v", left, tc.wantLeft)
			}
		})
	}
}

func TestDeleteStringKeys(t *testing.T) {
	db := openDB(t)
	mustUpdate(t, db, func(tx *store.Tx) error {
		for _, k := range []string{"a", "b", "c"} {
			if _, err := names.Insert(tx, named{Code: k}); err != nil {
				return err
			}
		}
		res, err := names.Delete(tx, "a", "c", "a")
		if err != nil || res.Deleted["names"] != 2 {
			t.Errorf("Delete(a, c, a) = %v, %v", res, err)
		}
		_, err = names.Delete(tx, "b", "zz")
		wantKeyError(t, err, store.ErrNotFound, "names", "zz")
		if !names.Has(tx, "b") || names.Len(tx) != 1 {
			t.Errorf("refused delete removed b")
		}
		return nil
	})
}

func TestDefaultsFillFieldsOnInsertOnly(t *testing.T) {
	var seen []item
	tbl := store.NewTable("defaulted", func(r *item) *int64 { return &r.ID }).Defaults(func(r *item) {
		seen = append(seen, *r)
		if r.Name == "" {
			r.Name = "unnamed"
		}
		if r.Qty == 0 {
			r.Qty = 1
		}
	})
	db := openDB(t, tbl)
	mustUpdate(t, db, func(tx *store.Tx) error {
		a, err := tbl.Insert(tx, item{})
		if err != nil || a != (item{ID: 1, Name: "unnamed", Qty: 1}) {
			t.Errorf("Insert(empty) = %+v, %v", a, err)
		}
		b, err := tbl.Insert(tx, item{Name: "given", Qty: 5})
		if err != nil || b != (item{ID: 2, Name: "given", Qty: 5}) {
			t.Errorf("Insert(given) = %+v, %v", b, err)
		}
		if got, _ := tbl.Get(tx, 1); got != a {
			t.Errorf("stored %+v, want %+v", got, a)
		}
		// Update does not apply defaults.
		u, err := tbl.Update(tx, item{ID: 1})
		if err != nil || u != (item{ID: 1}) {
			t.Errorf("Update = %+v, %v; defaults must not run", u, err)
		}
		return nil
	})
	if len(seen) != 2 || seen[0].ID != 0 {
		t.Errorf("Defaults called with %+v; want twice, before the key is assigned", seen)
	}
}

func TestRowsAreStoredByValue(t *testing.T) {
	db := openDB(t)
	mustUpdate(t, db, func(tx *store.Tx) error {
		row := item{Name: "orig", Tags: [2]string{"t1", "t2"}}
		ret, err := items.Insert(tx, row)
		if err != nil {
			return err
		}
		row.Name, row.Tags[0] = "changed local", "x"
		ret.Name, ret.Tags[1] = "changed returned", "y"

		got, _ := items.Get(tx, 1)
		want := item{ID: 1, Name: "orig", Tags: [2]string{"t1", "t2"}}
		if got != want {
			t.Errorf("after mutating the inserted and returned values, stored row = %+v, want %+v", got, want)
		}
		got.Name, got.Tags[0] = "changed get", "z"
		for r := range items.All(tx) {
			r.Name = "changed all"
		}
		if again, _ := items.Get(tx, 1); again != want {
			t.Errorf("after mutating Get/All results, stored row = %+v", again)
		}

		up := item{ID: 1, Name: "updated", Tags: [2]string{"u", "v"}}
		if _, err := items.Update(tx, up); err != nil {
			return err
		}
		up.Tags[0] = "mutated"
		if again, _ := items.Get(tx, 1); again.Tags[0] != "u" {
			t.Errorf("mutating the value passed to Update changed the row: %+v", again)
		}
		m, err := items.Modify(tx, 1, func(r *item) error { r.Qty = 3; return nil })
		if err != nil {
			return err
		}
		m.Qty = 99
		if again, _ := items.Get(tx, 1); again.Qty != 3 {
			t.Errorf("mutating Modify's result changed the row: %+v", again)
		}
		return nil
	})
	// Mutating a row read in one transaction does not leak into a later one.
	tx := db.BeginRead()
	r, _ := items.Get(tx, 1)
	r.Name = "leak"
	tx.Abort()
	if rows := readItems(t, db); rows[0].Name != "updated" {
		t.Fatalf("committed row = %+v", rows[0])
	}
}

func TestTableInfo(t *testing.T) {
	info := items.Info()
	if info.Name() != "items" || items.Name() != "items" {
		t.Errorf("Name = %q / %q", info.Name(), items.Name())
	}
	if info.RowType().Name() != "item" {
		t.Errorf("RowType = %v", info.RowType())
	}
	if info.Err() != nil {
		t.Errorf("Err = %v", info.Err())
	}
	r := &item{ID: -3, Name: "n"}
	if k := info.KeyOf(r); k != int64(-3) {
		t.Errorf("KeyOf = %#v", k)
	}
	e := store.NewEncoder[int64]()
	want, _ := e.Append([]byte("p"), -3)
	if got := info.KeyBytes([]byte("p"), r); string(got) != string(want) {
		t.Errorf("KeyBytes = %x, want %x (the Encoder's key)", got, want)
	}
	c := info.Clone(r).(*item)
	if c == r || *c != *r {
		t.Errorf("Clone = %p %+v, original %p", c, c, r)
	}
	c.Name = "changed"
	if r.Name != "n" {
		t.Errorf("Clone shares memory with the original")
	}
	if bad := store.NewTable[item, int64]("nokey", nil); bad.Info().Err() == nil {
		t.Errorf("NewTable with a nil key accessor: Err() = nil")
	}
}

func TestWritesToTableNotInSchemaAreErrUnknownTable(t *testing.T) {
	db := openDB(t)
	err := db.Update(func(tx *store.Tx) error {
		check := func(op string, err error) {
			t.Helper()
			if !errors.Is(err, store.ErrUnknownTable) {
				t.Errorf("%s: %v, want ErrUnknownTable", op, err)
				return
			}
			var te *store.TableError
			if !errors.As(err, &te) || te.Table != "strayed" {
				t.Errorf("%s: %v is not a *TableError for strayed", op, err)
			}
			if !strings.Contains(err.Error(), "strayed") {
				t.Errorf("%s: message %q does not name the table", op, err)
			}
		}
		_, err := strayed.Insert(tx, item{Name: "x"})
		check("Insert", err)
		_, err = strayed.Update(tx, item{ID: 1})
		check("Update", err)
		_, err = strayed.Modify(tx, 1, func(*item) error { return nil })
		check("Modify", err)
		_, err = strayed.Delete(tx, 1)
		check("Delete", err)
		check("WriteUnchecked", tx.WriteUnchecked(strayed.Info(), nil, &item{ID: 1}))
		check("Writable", tx.Writable(strayed.Info()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestReadsOfTableNotInSchemaPanicNamingTable(t *testing.T) {
	db := openDB(t)
	tx := db.BeginRead()
	defer tx.Abort()
	for _, op := range []struct {
		name string
		fn   func()
	}{
		{"Get", func() { strayed.Get(tx, 1) }},
		{"Has", func() { strayed.Has(tx, 1) }},
		{"Len", func() { strayed.Len(tx) }},
		{"All", func() {
			for range strayed.All(tx) {
			}
		}},
	} {
		msg := mustPanic(t, op.name, op.fn)
		if msg != "" && !strings.Contains(msg, "strayed") {
			t.Errorf("%s panic %q does not name the table", op.name, msg)
		}
	}
}

// A handle that is not in the schema but shares its name with one that is
// is still "not in the DB's schema": writes refuse it (ErrUnknownTable), so
// reads must not silently read the other table's rows through it.
func TestReadsThroughForeignHandleWithSameNamePanic(t *testing.T) {
	db := openDB(t)
	insertItems(t, db, item{Name: "a"})
	impostor := store.NewTable("items", func(r *item) *int64 { return &r.ID })
	err := db.Update(func(tx *store.Tx) error {
		_, err := impostor.Insert(tx, item{})
		return err
	})
	if !errors.Is(err, store.ErrUnknownTable) {
		t.Fatalf("Insert through the impostor handle = %v, want ErrUnknownTable", err)
	}
	tx := db.BeginRead()
	defer tx.Abort()
	msg := mustPanic(t, "Get through a same-named handle not in the schema", func() {
		r, ok := impostor.Get(tx, 1)
		t.Logf("Get returned %+v, %v", r, ok)
	})
	if msg != "" && !strings.Contains(msg, "items") {
		t.Errorf("panic %q does not name the table", msg)
	}
}

func TestCallerKeysRefusesZeroIntegerKey(t *testing.T) {
	tbl := store.NewTable("natural", func(r *item) *int64 { return &r.ID }).CallerKeys()
	db := openDB(t, tbl)
	mustUpdate(t, db, func(tx *store.Tx) error {
		before := tx.Dump()
		_, err := tbl.Insert(tx, item{Name: "no key"})
		wantKeyError(t, err, store.ErrInvalidKey, "natural", int64(0))
		if after := tx.Dump(); after != before {
			t.Errorf("the refused insert changed the store (sequence included):\nbefore:\n%s\nafter:\n%s", before, after)
		}
		if r, err := tbl.Insert(tx, item{ID: 42, Name: "chosen"}); err != nil || r.ID != 42 {
			t.Errorf("Insert(42) = %+v, %v", r, err)
		}
		if n := tbl.Len(tx); n != 1 {
			t.Errorf("Len = %d, want 1", n)
		}
		return nil
	})
}
