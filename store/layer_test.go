package store_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/memrel-go/memrel/store"
)

// openIndexed opens items (with a by_name secondary index) and names.
func openIndexed(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(store.Config{
		Tables:  []store.AnyTable{items, names},
		Indexes: []*store.IndexDef{nameIndex(items.Info(), "by_name")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// scanNames lists the keys of items whose name is name, via the index.
func scanNames(tx *store.Tx, name string) []int64 {
	e := store.NewEncoder[string]()
	prefix, _ := e.Append(nil, name)
	var ids []int64
	it := tx.Scan(items.Info(), "by_name", prefix)
	for obj := it.Next(); obj != nil; obj = it.Next() {
		ids = append(ids, obj.(*item).ID)
	}
	return ids
}

func TestSavepointRollbackUndoesEverythingInOrder(t *testing.T) {
	db := openIndexed(t)
	insertItems(t, db, item{Name: "a"}, item{Name: "b"})
	var committedDump string
	mustUpdate(t, db, func(tx *store.Tx) error {
		// A write before any savepoint is not undone by a later rollback.
		if _, err := items.Insert(tx, item{Name: "pre"}); err != nil { // key 3
			return err
		}
		d0 := tx.Dump()

		sp1 := tx.Savepoint()
		steps1 := []error{
			func() error { _, err := items.Insert(tx, item{Name: "c"}); return err }(), // key 4
			func() error { _, err := items.Update(tx, item{ID: 1, Name: "a1"}); return err }(),
			func() error { _, err := items.Delete(tx, 2); return err }(),
			func() error { _, err := names.Insert(tx, named{Code: "n1"}); return err }(),
		}
		for i, err := range steps1 {
			if err != nil {
				t.Fatalf("sp1 step %d: %v", i, err)
			}
		}
		d1 := tx.Dump()

		sp2 := tx.Savepoint()
		steps2 := []error{
			func() error { _, err := items.Insert(tx, item{Name: "d"}); return err }(),             // key 5
			func() error { _, err := items.Insert(tx, item{ID: 50, Name: "fifty"}); return err }(), // sequence to 50
			func() error { _, err := items.Update(tx, item{ID: 1, Name: "a2"}); return err }(),
			func() error { _, err := items.Modify(tx, 4, func(r *item) error { r.Qty = 9; return nil }); return err }(),
			func() error { _, err := items.Delete(tx, 4, 1); return err }(),
			func() error { _, err := items.Insert(tx, item{ID: 1, Name: "reborn"}); return err }(),
			func() error { _, err := items.Insert(tx, item{ID: 2, Name: "b again"}); return err }(),
			func() error { _, err := names.Delete(tx, "n1"); return err }(),
			func() error { _, err := names.Insert(tx, named{Code: "n2"}); return err }(),
		}
		for i, err := range steps2 {
			if err != nil {
				t.Fatalf("sp2 step %d: %v", i, err)
			}
		}
		if got := scanNames(tx, "reborn"); !slices.Equal(got, []int64{1}) {
			t.Errorf("index before rollback: %v", got)
		}

		tx.RollbackTo(sp2)
		if got := tx.Dump(); got != d1 {
			t.Errorf("after RollbackTo(sp2):\n%s\nwant\n%s", got, d1)
		}
		if err := tx.Check(); err != nil {
			t.Errorf("Check after RollbackTo(sp2): %v", err)
		}
		if got := scanNames(tx, "a1"); !slices.Equal(got, []int64{1}) {
			t.Errorf("index lookup of a1 after RollbackTo(sp2) = %v", got)
		}
		if got := scanNames(tx, "reborn"); len(got) != 0 {
			t.Errorf("index still finds the rolled-back row: %v", got)
		}

		// The sequence went back to 4: the next key is 5 again.
		sp3 := tx.Savepoint()
		if r, err := items.Insert(tx, item{Name: "probe"}); err != nil || r.ID != 5 {
			t.Errorf("key after RollbackTo(sp2) = %d, %v; want 5", r.ID, err)
		}
		tx.RollbackTo(sp3)

		tx.RollbackTo(sp1)
		if got := tx.Dump(); got != d0 {
			t.Errorf("after RollbackTo(sp1):\n%s\nwant\n%s", got, d0)
		}
		if err := tx.Check(); err != nil {
			t.Errorf("Check after RollbackTo(sp1): %v", err)
		}
		if got := scanNames(tx, "b"); !slices.Equal(got, []int64{2}) {
			t.Errorf("index lookup of b after RollbackTo(sp1) = %v", got)
		}
		committedDump = d0
		return nil
	})
	if got := dump(db); got != committedDump {
		t.Errorf("committed state:\n%s\nwant\n%s", got, committedDump)
	}
	if err := db.Check(); err != nil {
		t.Error(err)
	}
	if got := insertItems(t, db, item{})[0].ID; got != 4 {
		t.Errorf("next key after commit = %d, want 4 (the rolled-back keys are free)", got)
	}
}

func TestSavepointReleaseKeepsWrites(t *testing.T) {
	db := openIndexed(t)
	insertItems(t, db, item{Name: "a"})
	mustUpdate(t, db, func(tx *store.Tx) error {
		sp1 := tx.Savepoint()
		if _, err := items.Insert(tx, item{Name: "b"}); err != nil {
			return err
		}
		sp2 := tx.Savepoint()
		if _, err := items.Update(tx, item{ID: 1, Name: "A"}); err != nil {
			return err
		}
		tx.Release(sp2)
		tx.Release(sp1)
		return tx.Check()
	})
	if rows := readItems(t, db); !slices.Equal(rows, []item{{ID: 1, Name: "A"}, {ID: 2, Name: "b"}}) {
		t.Fatalf("rows = %+v", rows)
	}
}

func TestOuterRollbackUndoesReleasedInnerSavepoint(t *testing.T) {
	db := openIndexed(t)
	insertItems(t, db, item{Name: "a"})
	before := dump(db)
	mustUpdate(t, db, func(tx *store.Tx) error {
		sp1 := tx.Savepoint()
		if _, err := items.Insert(tx, item{Name: "outer"}); err != nil {
			return err
		}
		sp2 := tx.Savepoint()
		if _, err := items.Insert(tx, item{Name: "inner"}); err != nil {
			return err
		}
		if _, err := items.Delete(tx, 1); err != nil {
			return err
		}
		tx.Release(sp2)
		if items.Len(tx) != 2 {
			t.Errorf("Release dropped writes")
		}
		tx.RollbackTo(sp1)
		if err := tx.Check(); err != nil {
			t.Errorf("Check: %v", err)
		}
		return nil
	})
	if after := dump(db); after != before {
		t.Fatalf("after outer rollback:\n%s\nwant\n%s", after, before)
	}
	// A new savepoint after the others ended starts a fresh journal.
	mustUpdate(t, db, func(tx *store.Tx) error {
		if _, err := items.Insert(tx, item{Name: "kept"}); err != nil {
			return err
		}
		sp := tx.Savepoint()
		if _, err := items.Insert(tx, item{Name: "dropped"}); err != nil {
			return err
		}
		tx.RollbackTo(sp)
		return nil
	})
	if rows := readItems(t, db); !slices.Equal(rows, []item{{ID: 1, Name: "a"}, {ID: 2, Name: "kept"}}) {
		t.Fatalf("rows = %+v", rows)
	}
}

func TestWriteUnchecked(t *testing.T) {
	h := &recordingHooks{}
	db, err := store.Open(store.Config{Tables: []store.AnyTable{items}, Hooks: h})
	if err != nil {
		t.Fatal(err)
	}
	info := items.Info()
	mustUpdate(t, db, func(tx *store.Tx) error {
		if err := tx.WriteUnchecked(info, nil, &item{ID: 10, Name: "raw"}); err != nil {
			return err
		}
		stored := tx.Lookup(info, info.KeyBytes(nil, &item{ID: 10}))
		if stored == nil || *stored.(*item) != (item{ID: 10, Name: "raw"}) {
			t.Fatalf("Lookup after unchecked insert = %#v", stored)
		}
		sp := tx.Savepoint()
		if err := tx.WriteUnchecked(info, stored, &item{ID: 10, Name: "replaced"}); err != nil {
			return err
		}
		if r, _ := items.Get(tx, 10); r.Name != "replaced" {
			t.Errorf("after unchecked replace: %+v", r)
		}
		cur := tx.Lookup(info, info.KeyBytes(nil, &item{ID: 10}))
		if err := tx.WriteUnchecked(info, cur, nil); err != nil {
			return err
		}
		if items.Has(tx, 10) {
			t.Errorf("unchecked delete left the row")
		}
		tx.RollbackTo(sp) // both journaled
		if r, ok := items.Get(tx, 10); !ok || r.Name != "raw" {
			t.Errorf("after rollback of unchecked writes: %+v, %v", r, ok)
		}
		if tx.Lookup(info, info.KeyBytes(nil, &item{ID: 11})) != nil {
			t.Errorf("Lookup of a missing key is not nil")
		}
		return nil
	})
	if h.inserts+h.updates+h.deletes != 0 {
		t.Errorf("WriteUnchecked called hooks: %+v", h)
	}
	if rows := readItems(t, db); !slices.Equal(rows, []item{{ID: 10, Name: "raw"}}) {
		t.Fatalf("rows = %+v", rows)
	}
}

func TestOnCommitCheckRunsBeforeCommit(t *testing.T) {
	db := openDB(t)
	errCheck := errors.New("deferred check failed")

	tx := db.BeginWrite()
	if _, err := items.Insert(tx, item{Name: "x"}); err != nil {
		t.Fatal(err)
	}
	calls := 0
	tx.OnCommit(func(c *store.Tx) error {
		calls++
		if c != tx || !items.Has(c, 1) {
			t.Errorf("check does not see the transaction's writes")
		}
		return errCheck
	})
	if err := tx.Commit(); !errors.Is(err, errCheck) {
		t.Fatalf("Commit = %v, want the check's error", err)
	}
	if calls != 1 {
		t.Errorf("check ran %d times", calls)
	}
	if err := tx.Commit(); !errors.Is(err, store.ErrTxClosed) {
		t.Errorf("Commit after a failed commit = %v, want ErrTxClosed", err)
	}
	if rows := readItems(t, db); len(rows) != 0 {
		t.Fatalf("failed check committed: %+v", rows)
	}

	// Through Update, and the writer lock is free afterwards.
	if err := db.Update(func(tx *store.Tx) error {
		if _, err := items.Insert(tx, item{}); err != nil {
			return err
		}
		tx.OnCommit(func(*store.Tx) error { return errCheck })
		return nil
	}); !errors.Is(err, errCheck) {
		t.Fatalf("Update = %v, want the check's error", err)
	}
	mustUpdate(t, db, func(tx *store.Tx) error {
		r, err := items.Insert(tx, item{})
		if err == nil && r.ID != 1 {
			t.Errorf("key after two discarded transactions = %d, want 1", r.ID)
		}
		tx.OnCommit(func(*store.Tx) error { return nil })
		return err
	})
	if rows := readItems(t, db); len(rows) != 1 {
		t.Fatalf("rows = %+v", rows)
	}
}

func TestDeleteResultFormatting(t *testing.T) {
	r := store.DeleteResult{
		Deleted: map[string]int{"posts": 1, "comments": 3},
		Updated: map[string]int{"users": 2},
	}
	if r.Total() != 4 {
		t.Errorf("Total = %d", r.Total())
	}
	if got, want := r.String(), "deleted comments 3, posts 1; updated users 2"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if got := (store.DeleteResult{Updated: map[string]int{"a": 1}}).String(); got != "updated a 1" {
		t.Errorf("String = %q", got)
	}
	if got := (store.DeleteResult{}).String(); got != "nothing deleted" {
		t.Errorf("String = %q", got)
	}
}

// recordingHooks counts calls and can refuse writes.
type recordingHooks struct {
	inserts, updates, deletes, checks int
	refuse                            error
	deleted                           []any
	autoKeys                          []bool // the autoKey flag of each BeforeInsert
	keys                              []any  // the key of each row BeforeInsert saw
}

func (h *recordingHooks) BeforeInsert(tx *store.Tx, ti *store.TableInfo, row any, autoKey bool, taken error) error {
	h.inserts++
	h.autoKeys = append(h.autoKeys, autoKey)
	h.keys = append(h.keys, ti.KeyOf(row))
	if h.refuse != nil {
		return h.refuse
	}
	return taken
}

func (h *recordingHooks) Opened() {}

func (h *recordingHooks) BeforeUpdate(tx *store.Tx, ti *store.TableInfo, old, row any) error {
	h.updates++
	return h.refuse
}

func (h *recordingHooks) Delete(tx *store.Tx, ti *store.TableInfo, rows []any) (store.DeleteResult, error) {
	h.deletes++
	h.deleted = rows
	if h.refuse != nil {
		return store.DeleteResult{}, h.refuse
	}
	for _, r := range rows {
		if err := tx.WriteUnchecked(ti, r, nil); err != nil {
			return store.DeleteResult{}, err
		}
	}
	return store.DeleteResult{Deleted: map[string]int{ti.Name(): len(rows)}}, nil
}

func (h *recordingHooks) Check(tx *store.Tx) error {
	h.checks++
	return h.refuse
}

func TestHooksAreCalledAndTheirErrorsRefuseWrites(t *testing.T) {
	h := &recordingHooks{}
	db, err := store.Open(store.Config{Tables: []store.AnyTable{items}, Hooks: h})
	if err != nil {
		t.Fatal(err)
	}
	if db.Hooks() != h {
		t.Errorf("Hooks() does not return the hooks")
	}
	insertItems(t, db, item{Name: "a"}, item{Name: "b"})
	mustUpdate(t, db, func(tx *store.Tx) error {
		if _, err := items.Update(tx, item{ID: 1, Name: "A"}); err != nil {
			return err
		}
		res, err := items.Delete(tx, 2, 2)
		if err != nil || res.Deleted["items"] != 1 {
			t.Errorf("Delete through hooks = %v, %v", res, err)
		}
		if len(h.deleted) != 1 || h.deleted[0].(*item).ID != 2 {
			t.Errorf("hook got rows %v, want the stored row 2 once", h.deleted)
		}
		return nil
	})
	if h.inserts != 2 || h.updates != 1 || h.deletes != 1 {
		t.Errorf("hook calls %+v", h)
	}
	// Sequence keys are drawn before the checks (a check may read the key)
	// and the hook is told they are the sequence's, not the caller's.
	if !slices.Equal(h.autoKeys, []bool{true, true}) {
		t.Errorf("BeforeInsert saw autoKey = %v, want [true true]", h.autoKeys)
	}
	if !slices.Equal(h.keys, []any{int64(1), int64(2)}) {
		t.Errorf("BeforeInsert saw keys %v, want [1 2]", h.keys)
	}
	if err := db.Check(); err != nil || h.checks != 1 {
		t.Errorf("Check = %v after %d hook checks", err, h.checks)
	}

	before := dump(db)
	h.refuse = errors.New("hook says no")
	err = db.Update(func(tx *store.Tx) error {
		if _, err := items.Insert(tx, item{Name: "c"}); !errors.Is(err, h.refuse) {
			t.Errorf("Insert = %v, want the hook's error", err)
		}
		if _, err := items.Insert(tx, item{ID: 77}); !errors.Is(err, h.refuse) {
			t.Errorf("Insert with key = %v, want the hook's error", err)
		}
		if _, err := items.Update(tx, item{ID: 1, Name: "refused"}); !errors.Is(err, h.refuse) {
			t.Errorf("Update = %v, want the hook's error", err)
		}
		if _, err := items.Modify(tx, 1, func(r *item) error { r.Name = "refused"; return nil }); !errors.Is(err, h.refuse) {
			t.Errorf("Modify = %v, want the hook's error", err)
		}
		if _, err := items.Delete(tx, 1); !errors.Is(err, h.refuse) {
			t.Errorf("Delete = %v, want the hook's error", err)
		}
		if got := tx.Dump(); got != before {
			t.Errorf("refused writes changed the tx state:\n%s\nwas\n%s", got, before)
		}
		if err := tx.Check(); !errors.Is(err, h.refuse) {
			t.Errorf("Check = %v, want the hook's error", err)
		}
		return nil // commit: nothing to commit
	})
	if err != nil {
		t.Fatal(err)
	}
	if after := dump(db); after != before {
		t.Fatalf("refused writes changed the DB:\n%s\nwas\n%s", after, before)
	}
	h.refuse = nil
	if got := insertItems(t, db, item{})[0].ID; got != 3 {
		t.Errorf("key after refused inserts = %d, want 3 (refused inserts take no key)", got)
	}
}
