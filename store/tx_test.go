package store_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memrel-go/memrel/store"
)

const deadlockGuard = 5 * time.Second

func TestViewReturnsFnError(t *testing.T) {
	db := openDB(t)
	errFn := errors.New("view failed")
	if err := db.View(func(tx *store.Tx) error {
		if tx.IsWrite() {
			t.Errorf("View gave a write transaction")
		}
		if tx.DB() != db {
			t.Errorf("tx.DB() is not the DB")
		}
		return errFn
	}); !errors.Is(err, errFn) {
		t.Fatalf("View = %v, want %v", err, errFn)
	}
	if err := db.View(func(*store.Tx) error { return nil }); err != nil {
		t.Fatalf("View = %v", err)
	}
}

func TestUpdateCommitsOnNilAndDiscardsOnError(t *testing.T) {
	db := openDB(t)
	mustUpdate(t, db, func(tx *store.Tx) error {
		if !tx.IsWrite() {
			t.Errorf("Update gave a read transaction")
		}
		_, err := items.Insert(tx, item{Name: "kept"})
		return err
	})
	errFn := errors.New("refused")
	err := db.Update(func(tx *store.Tx) error {
		if _, err := items.Insert(tx, item{Name: "discarded"}); err != nil {
			return err
		}
		if _, err := items.Update(tx, item{ID: 1, Name: "discarded too"}); err != nil {
			return err
		}
		if _, err := names.Insert(tx, named{Code: "x"}); err != nil {
			return err
		}
		return errFn
	})
	if !errors.Is(err, errFn) {
		t.Fatalf("Update = %v, want %v", err, errFn)
	}
	if rows := readItems(t, db); !slices.Equal(rows, []item{{ID: 1, Name: "kept"}}) {
		t.Fatalf("rows = %+v", rows)
	}
	if err := db.View(func(tx *store.Tx) error {
		if names.Len(tx) != 0 {
			t.Errorf("discarded names row is visible")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestUpdatePanicDiscardsRepanicsAndReleasesWriter(t *testing.T) {
	db := openDB(t)
	insertItems(t, db, item{Name: "before"})
	before := dump(db)
	type boom struct{ n int }
	func() {
		defer func() {
			r := recover()
			if b, ok := r.(boom); !ok || b.n != 42 {
				t.Errorf("recovered %#v, want the original panic value", r)
			}
		}()
		_ = db.Update(func(tx *store.Tx) error {
			if _, err := items.Insert(tx, item{Name: "during"}); err != nil {
				return err
			}
			panic(boom{42})
		})
		t.Errorf("Update returned instead of re-panicking")
	}()
	if after := dump(db); after != before {
		t.Fatalf("panicking Update left writes:\n%s\nwas\n%s", after, before)
	}
	// The writer lock was released: another Update can run.
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := db.Update(func(tx *store.Tx) error {
			r, err := items.Insert(tx, item{Name: "after"})
			if err == nil && r.ID != 2 {
				t.Errorf("key after a panicked insert = %d, want 2", r.ID)
			}
			return err
		}); err != nil {
			t.Errorf("Update after panic: %v", err)
		}
	}()
	within(t, deadlockGuard, "Update after a panicking Update", done)
}

func TestViewPanicIsReraised(t *testing.T) {
	db := openDB(t)
	msg := mustPanic(t, "View", func() {
		_ = db.View(func(*store.Tx) error { panic("view boom") })
	})
	if msg != "view boom" {
		t.Fatalf("panic = %q", msg)
	}
}

func TestWritesInReadTransactionAreErrReadOnly(t *testing.T) {
	db := openDB(t)
	insertItems(t, db, item{Name: "a"})
	before := dump(db)
	check := func(t *testing.T, tx *store.Tx) {
		t.Helper()
		for _, op := range []struct {
			name string
			err  error
		}{
			{"Insert", func() error { _, err := items.Insert(tx, item{}); return err }()},
			{"Insert string key", func() error { _, err := names.Insert(tx, named{Code: "x"}); return err }()},
			{"Update", func() error { _, err := items.Update(tx, item{ID: 1, Name: "b"}); return err }()},
			{"Modify", func() error {
				_, err := items.Modify(tx, 1, func(r *item) error { r.Name = "b"; return nil })
				return err
			}()},
			{"Delete", func() error { _, err := items.Delete(tx, 1); return err }()},
			{"WriteUnchecked", tx.WriteUnchecked(items.Info(), nil, &item{ID: 5})},
			{"Writable", tx.Writable(items.Info())},
		} {
			if !errors.Is(op.err, store.ErrReadOnly) {
				t.Errorf("%s in a read tx: %v, want ErrReadOnly", op.name, op.err)
			}
		}
	}
	t.Run("BeginRead", func(t *testing.T) {
		tx := db.BeginRead()
		defer tx.Abort()
		if tx.IsWrite() {
			t.Errorf("BeginRead gave a write transaction")
		}
		check(t, tx)
		if err := tx.Commit(); err != nil {
			t.Errorf("Commit of a read tx = %v", err)
		}
	})
	t.Run("View", func(t *testing.T) {
		if err := db.View(func(tx *store.Tx) error { check(t, tx); return nil }); err != nil {
			t.Fatal(err)
		}
	})
	if after := dump(db); after != before {
		t.Fatalf("state changed:\n%s\nwas\n%s", after, before)
	}
}

func TestClosedTransactionIsErrTxClosed(t *testing.T) {
	db := openDB(t)
	insertItems(t, db, item{Name: "a"})
	for _, end := range []struct {
		name  string
		begin func() *store.Tx
		close func(tx *store.Tx) error
	}{
		{"write committed", db.BeginWrite, func(tx *store.Tx) error { return tx.Commit() }},
		{"write aborted", db.BeginWrite, func(tx *store.Tx) error { tx.Abort(); return nil }},
		{"read committed", db.BeginRead, func(tx *store.Tx) error { return tx.Commit() }},
		{"read aborted", db.BeginRead, func(tx *store.Tx) error { tx.Abort(); return nil }},
	} {
		t.Run(end.name, func(t *testing.T) {
			tx := end.begin()
			if err := end.close(tx); err != nil {
				t.Fatalf("closing: %v", err)
			}
			ops := []struct {
				name string
				err  error
			}{
				{"Insert", func() error { _, err := items.Insert(tx, item{}); return err }()},
				{"Update", func() error { _, err := items.Update(tx, item{ID: 1}); return err }()},
				{"Modify", func() error { _, err := items.Modify(tx, 1, func(*item) error { return nil }); return err }()},
				{"Delete", func() error { _, err := items.Delete(tx, 1); return err }()},
				{"Delete no keys", func() error { _, err := items.Delete(tx); return err }()},
				{"WriteUnchecked", tx.WriteUnchecked(items.Info(), nil, &item{ID: 9})},
				{"Writable", tx.Writable(items.Info())},
				{"Commit", tx.Commit()},
				{"Check", tx.Check()},
			}
			for _, op := range ops {
				if !errors.Is(op.err, store.ErrTxClosed) {
					t.Errorf("%s after close: %v, want ErrTxClosed", op.name, op.err)
				}
			}
			// Reads cannot return an error: they panic.
			mustPanic(t, "Get after close", func() { items.Get(tx, 1) })
			tx.Abort() // a no-op, must not panic
			tx.Abort()
		})
	}
	if rows := readItems(t, db); len(rows) != 1 {
		t.Fatalf("rows = %+v", rows)
	}
}

func TestAbortAfterCommitIsNoOp(t *testing.T) {
	db := openDB(t)
	tx := db.BeginWrite()
	if _, err := items.Insert(tx, item{Name: "a"}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	tx.Abort()
	if rows := readItems(t, db); !slices.Equal(rows, []item{{ID: 1, Name: "a"}}) {
		t.Fatalf("Abort after Commit undid it: %+v", rows)
	}
	// The writer lock is free.
	done := make(chan struct{})
	go func() {
		defer close(done)
		w := db.BeginWrite()
		w.Abort()
	}()
	within(t, deadlockGuard, "BeginWrite after Commit+Abort", done)
}

func TestCommitInsideManagedTransactionIsRefusedAndDoesNothing(t *testing.T) {
	db := openDB(t)
	errLater := errors.New("later")
	err := db.Update(func(tx *store.Tx) error {
		if _, err := items.Insert(tx, item{Name: "a"}); err != nil {
			return err
		}
		if err := tx.Commit(); err == nil {
			t.Errorf("Commit inside Update = nil, want an error")
		} else if errors.Is(err, store.ErrTxClosed) {
			t.Errorf("Commit inside Update = %v: the tx is not closed", err)
		}
		// Still open and writable.
		if _, err := items.Insert(tx, item{Name: "b"}); err != nil {
			t.Errorf("Insert after the refused Commit: %v", err)
		}
		return errLater
	})
	if !errors.Is(err, errLater) {
		t.Fatalf("Update = %v", err)
	}
	if rows := readItems(t, db); len(rows) != 0 {
		t.Fatalf("Commit inside Update committed: %+v", rows)
	}
	if err := db.View(func(tx *store.Tx) error {
		if err := tx.Commit(); err == nil {
			t.Errorf("Commit inside View = nil, want an error")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// The same fn returning nil commits both rows.
	mustUpdate(t, db, func(tx *store.Tx) error {
		_, _ = items.Insert(tx, item{Name: "a"})
		_ = tx.Commit()
		_, err := items.Insert(tx, item{Name: "b"})
		return err
	})
	if rows := readItems(t, db); len(rows) != 2 {
		t.Fatalf("rows = %+v, want 2", rows)
	}
}

func TestAbortInsideUpdateIsErrTxClosedAndCommitsNothing(t *testing.T) {
	db := openDB(t)
	err := db.Update(func(tx *store.Tx) error {
		if _, err := items.Insert(tx, item{Name: "a"}); err != nil {
			return err
		}
		tx.Abort()
		return nil
	})
	if !errors.Is(err, store.ErrTxClosed) {
		t.Fatalf("Update after Abort in fn = %v, want ErrTxClosed", err)
	}
	if rows := readItems(t, db); len(rows) != 0 {
		t.Fatalf("rows = %+v", rows)
	}
	// The writer lock was released by Abort.
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := db.Update(func(tx *store.Tx) error { _, err := items.Insert(tx, item{Name: "b"}); return err }); err != nil {
			t.Error(err)
		}
	}()
	within(t, deadlockGuard, "Update after Abort inside Update", done)
	if rows := readItems(t, db); !slices.Equal(itemIDs(rows), []int64{1}) {
		t.Fatalf("rows = %+v; the aborted insert must not have used key 1", rows)
	}
}

func TestReadTransactionKeepsItsSnapshot(t *testing.T) {
	db := openDB(t)
	insertItems(t, db, item{Name: "a"}, item{Name: "b"})
	old := db.BeginRead()
	defer old.Abort()

	mustUpdate(t, db, func(tx *store.Tx) error {
		if _, err := items.Insert(tx, item{Name: "c"}); err != nil {
			return err
		}
		if _, err := items.Update(tx, item{ID: 1, Name: "A"}); err != nil {
			return err
		}
		_, err := items.Delete(tx, 2)
		return err
	})

	var got []item
	for r := range items.All(old) {
		got = append(got, r)
	}
	if want := []item{{ID: 1, Name: "a"}, {ID: 2, Name: "b"}}; !slices.Equal(got, want) {
		t.Errorf("old read tx sees %+v, want %+v", got, want)
	}
	if items.Has(old, 3) || !items.Has(old, 2) || items.Len(old) != 2 {
		t.Errorf("old read tx: Has(3)=%v Has(2)=%v Len=%d", items.Has(old, 3), items.Has(old, 2), items.Len(old))
	}

	if rows := readItems(t, db); !slices.Equal(rows, []item{{ID: 1, Name: "A"}, {ID: 3, Name: "c"}}) {
		t.Errorf("new read tx sees %+v", rows)
	}
}

func TestUncommittedWritesAreInvisibleToReaders(t *testing.T) {
	db := openDB(t)
	w := db.BeginWrite()
	defer w.Abort()
	if _, err := items.Insert(w, item{Name: "pending"}); err != nil {
		t.Fatal(err)
	}
	if !items.Has(w, 1) {
		t.Errorf("write tx does not see its own insert")
	}
	r := db.BeginRead()
	defer r.Abort()
	if items.Has(r, 1) || items.Len(r) != 0 {
		t.Errorf("reader sees an uncommitted insert")
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if items.Has(r, 1) {
		t.Errorf("reader begun before the commit sees it")
	}
	if rows := readItems(t, db); len(rows) != 1 {
		t.Errorf("after commit: %+v", rows)
	}
}

func TestReadersDoNotBlockWhileWriterIsOpen(t *testing.T) {
	db := openDB(t)
	insertItems(t, db, item{Name: "committed"})
	w := db.BeginWrite()
	defer w.Abort()
	if _, err := items.Insert(w, item{Name: "pending"}); err != nil {
		t.Fatal(err)
	}
	const readers = 8
	var wg sync.WaitGroup
	done := make(chan struct{})
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := db.BeginRead()
			defer r.Abort()
			if n := items.Len(r); n != 1 {
				t.Errorf("reader sees %d rows, want 1", n)
			}
			if err := db.View(func(tx *store.Tx) error {
				if _, ok := items.Get(tx, 2); ok {
					t.Errorf("reader sees the pending row")
				}
				return nil
			}); err != nil {
				t.Error(err)
			}
			_ = db.Check()
			_ = db.Snapshot()
		}()
	}
	go func() { wg.Wait(); close(done) }()
	within(t, deadlockGuard, "readers while a write tx is open", done)
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestSecondWriterWaitsForFirst(t *testing.T) {
	for _, end := range []string{"commit", "abort"} {
		t.Run(end, func(t *testing.T) {
			db := openDB(t)
			first := db.BeginWrite()
			if _, err := items.Insert(first, item{Name: "first"}); err != nil {
				t.Fatal(err)
			}

			firstEnded := make(chan struct{}) // closed just before the first tx ends
			started := make(chan struct{})
			acquired := make(chan struct{})
			var sawFirst bool
			go func() {
				close(started)
				second := db.BeginWrite()
				select {
				case <-firstEnded:
				default:
					t.Errorf("second BeginWrite returned while the first write tx was open")
				}
				sawFirst = items.Has(second, 1)
				r, err := items.Insert(second, item{Name: "second"})
				if err != nil {
					t.Errorf("second Insert: %v", err)
				}
				if end == "commit" && r.ID != 2 || end == "abort" && r.ID != 1 {
					t.Errorf("second writer got key %d", r.ID)
				}
				if err := second.Commit(); err != nil {
					t.Errorf("second Commit: %v", err)
				}
				close(acquired)
			}()
			<-started
			// Give the second writer every chance to (wrongly) get through.
			select {
			case <-acquired:
				t.Fatalf("second writer finished while the first was open")
			case <-time.After(20 * time.Millisecond):
			}
			close(firstEnded)
			if end == "commit" {
				if err := first.Commit(); err != nil {
					t.Fatal(err)
				}
			} else {
				first.Abort()
			}
			within(t, deadlockGuard, "second writer after the first ended", acquired)
			if end == "commit" && !sawFirst {
				t.Errorf("second writer did not see the first writer's commit")
			}
			if end == "abort" && sawFirst {
				t.Errorf("second writer sees the aborted row")
			}
			want := map[string][]int64{"commit": {1, 2}, "abort": {1}}[end]
			if ids := itemIDs(readItems(t, db)); !slices.Equal(ids, want) {
				t.Errorf("committed keys %v, want %v", ids, want)
			}
		})
	}
}

func TestConcurrentUpdatesAreSerialized(t *testing.T) {
	db := openDB(t)
	insertItems(t, db, item{Name: "counter"})
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if err := db.Update(func(tx *store.Tx) error {
					_, err := items.Modify(tx, 1, func(r *item) error { r.Qty++; return nil })
					return err
				}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	within(t, deadlockGuard*2, "concurrent updates", done)
	if rows := readItems(t, db); rows[0].Qty != workers*each {
		t.Fatalf("counter = %d, want %d (lost updates)", rows[0].Qty, workers*each)
	}
}

func TestAllWhileDeletingSeesSnapshot(t *testing.T) {
	t.Run("delete each row as it is seen", func(t *testing.T) {
		db := openDB(t)
		for range 10 {
			insertItems(t, db, item{})
		}
		mustUpdate(t, db, func(tx *store.Tx) error {
			var seen []int64
			for r := range items.All(tx) {
				seen = append(seen, r.ID)
				if _, err := items.Delete(tx, r.ID); err != nil {
					t.Errorf("Delete(%d) while iterating: %v", r.ID, err)
				}
				if _, err := items.Insert(tx, item{ID: 100 + r.ID}); err != nil {
					t.Errorf("Insert while iterating: %v", err)
				}
			}
			if want := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}; !slices.Equal(seen, want) {
				t.Errorf("iteration saw %v, want %v", seen, want)
			}
			return nil
		})
		ids := itemIDs(readItems(t, db))
		if want := []int64{101, 102, 103, 104, 105, 106, 107, 108, 109, 110}; !slices.Equal(ids, want) {
			t.Fatalf("committed keys %v, want %v", ids, want)
		}
	})
	t.Run("delete everything at the first row", func(t *testing.T) {
		db := openDB(t)
		insertItems(t, db, item{}, item{}, item{}, item{}, item{})
		mustUpdate(t, db, func(tx *store.Tx) error {
			var seen []int64
			for r := range items.All(tx) {
				seen = append(seen, r.ID)
				if r.ID == 1 {
					res, err := items.Delete(tx, 1, 2, 3, 4, 5)
					if err != nil || res.Total() != 5 {
						t.Errorf("Delete all = %v, %v", res, err)
					}
				}
			}
			if len(seen) != 5 {
				t.Errorf("iteration saw %v, want all 5 rows of the snapshot", seen)
			}
			if n := items.Len(tx); n != 0 {
				t.Errorf("Len after deleting all = %d", n)
			}
			return tx.Check()
		})
		if rows := readItems(t, db); len(rows) != 0 {
			t.Fatalf("rows = %+v", rows)
		}
	})
	t.Run("updates while iterating", func(t *testing.T) {
		db := openDB(t)
		insertItems(t, db, item{Name: "a"}, item{Name: "b"}, item{Name: "c"})
		mustUpdate(t, db, func(tx *store.Tx) error {
			for r := range items.All(tx) {
				if strings.ToUpper(r.Name) == r.Name {
					t.Errorf("iteration saw an updated row %+v", r)
				}
				for k := int64(1); k <= 3; k++ {
					if _, err := items.Modify(tx, k, func(x *item) error { x.Name = strings.ToUpper(x.Name); return nil }); err != nil {
						return err
					}
				}
			}
			return nil
		})
	})
}
