package store_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/memrel-go/memrel/store"
)

// updateWithin runs db.Update(fn) in a goroutine and fails the test if it
// has not returned within d: a writer left locked shows as a failure, not
// as a hung test.
func updateWithin(t *testing.T, db *store.DB, d time.Duration, fn func(tx *store.Tx) error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- db.Update(fn) }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("Update still waiting for the writer after %v: an earlier transaction was never closed", d)
		return nil
	}
}

// A runtime.Goexit inside Update (t.FailNow, t.Fatal, testify's require)
// discards the transaction and frees the writer.
func TestUpdateGoexitDiscardsAndFreesWriter(t *testing.T) {
	db := openDB(t)
	insertItems(t, db, item{Name: "kept"})
	before := dump(db)

	exited := make(chan struct{})
	go func() {
		defer close(exited)
		_ = db.Update(func(tx *store.Tx) error {
			if _, err := items.Insert(tx, item{Name: "lost"}); err != nil {
				return err
			}
			runtime.Goexit()
			return nil
		})
		t.Error("Update returned after runtime.Goexit")
	}()
	<-exited

	if got := dump(db); got != before {
		t.Fatalf("the exited transaction's write is visible:\nbefore:\n%s\nafter:\n%s", before, got)
	}
	err := updateWithin(t, db, 5*time.Second, func(tx *store.Tx) error {
		_, err := items.Insert(tx, item{Name: "next"})
		return err
	})
	if err != nil {
		t.Fatalf("Update after Goexit: %v", err)
	}
	// The next key is 2: the exited insert used nothing up.
	if rows := readItems(t, db); len(rows) != 2 || rows[1].ID != 2 || rows[1].Name != "next" {
		t.Errorf("items = %+v; want the kept row and items 2 named next", rows)
	}
}

// A write transaction left open blocks BeginWriteContext and UpdateContext
// only until their context ends, with the context's error.
func TestWriteContextBoundsTheWait(t *testing.T) {
	db := openDB(t)
	held := db.BeginWrite()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	ran := false
	err := db.UpdateContext(ctx, func(tx *store.Tx) error { ran = true; return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("UpdateContext while the writer is held = %v, want context.DeadlineExceeded", err)
	}
	if ran {
		t.Fatal("UpdateContext ran fn without the writer")
	}
	if !strings.Contains(err.Error(), "writer") {
		t.Errorf("error %q does not say what it waited for", err)
	}

	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if tx, err := db.BeginWriteContext(ctx2); !errors.Is(err, context.Canceled) || tx != nil {
		t.Fatalf("BeginWriteContext with a canceled context = %v, %v; want nil, context.Canceled", tx, err)
	}
	if err := db.ViewContext(ctx2, func(*store.Tx) error { t.Error("ViewContext ran fn"); return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("ViewContext with a canceled context = %v", err)
	}

	// Once the holder closes, the writer is free for a context-aware
	// writer, and a timed-out wait left nothing behind.
	if _, err := items.Insert(held, item{Name: "held"}); err != nil {
		t.Fatal(err)
	}
	if err := held.Commit(); err != nil {
		t.Fatal(err)
	}
	ctx3, cancel3 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel3()
	if err := db.UpdateContext(ctx3, func(tx *store.Tx) error {
		_, err := items.Insert(tx, item{Name: "after"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n := countItems(t, db); n != 2 {
		t.Fatalf("%d items, want 2", n)
	}
	if err := db.ViewContext(context.Background(), func(tx *store.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

// Update inside Update on the same DB waits for itself; UpdateContext turns
// that into an error, and the outer transaction is unharmed.
func TestNestedUpdateContextTimesOut(t *testing.T) {
	db := openDB(t)
	err := updateWithin(t, db, 5*time.Second, func(tx *store.Tx) error {
		if _, err := items.Insert(tx, item{Name: "outer"}); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		inner := db.UpdateContext(ctx, func(*store.Tx) error { return nil })
		if !errors.Is(inner, context.DeadlineExceeded) {
			t.Errorf("nested UpdateContext = %v, want context.DeadlineExceeded", inner)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := countItems(t, db); n != 1 {
		t.Fatalf("%d items, want the outer insert only", n)
	}
}

// A snapshot has a writer of its own: writing it does not wait for its
// origin's open write transaction, nor the other way round.
func TestSnapshotHasItsOwnWriter(t *testing.T) {
	db := openDB(t)
	held := db.BeginWrite()
	defer held.Abort()
	snap := db.Snapshot()
	if err := updateWithin(t, snap, 5*time.Second, func(tx *store.Tx) error {
		_, err := items.Insert(tx, item{Name: "snap"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func countItems(t *testing.T, db *store.DB) int {
	t.Helper()
	return len(readItems(t, db))
}

// WriteUnchecked replaces a row by one with the same key only: a new key
// would leave the old row in place beside a row the sequence never saw.
func TestWriteUncheckedRefusesKeyChange(t *testing.T) {
	db := openDB(t)
	insertItems(t, db, item{Name: "one"})
	before := dump(db)
	tx := db.BeginWrite()
	defer tx.Abort()
	old := tx.Lookup(items.Info(), items.Info().KeyBytes(nil, &item{ID: 1}))
	err := tx.WriteUnchecked(items.Info(), old, &item{ID: 7, Name: "moved"})
	if err == nil || !strings.Contains(err.Error(), "change its key") {
		t.Fatalf("WriteUnchecked with a new key = %v, want an error", err)
	}
	if got := tx.Dump(); got != before {
		t.Fatalf("refused write changed the state:\n%s", got)
	}
}

// A panic in a check that Commit runs (after fn returned nil) discards the
// transaction and frees the writer too.
func TestUpdatePanicInCommitFreesWriter(t *testing.T) {
	db := openDB(t)
	before := dump(db)
	mustPanic(t, "Update", func() {
		db.Update(func(tx *store.Tx) error {
			if _, err := items.Insert(tx, item{Name: "lost"}); err != nil {
				return err
			}
			tx.OnCommit(func(*store.Tx) error { panic("commit check") })
			return nil
		})
	})
	if got := dump(db); got != before {
		t.Fatalf("the panicking commit left its write:\n%s", got)
	}
	if err := updateWithin(t, db, 5*time.Second, func(*store.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
}
