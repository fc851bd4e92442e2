package store

// An internal test: Len reads each table's count of rows, kept beside its
// sequence; the corruption Check must report is made directly.

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

// Len follows inserts, deletes and updates in a write transaction, undoes
// with a rolled-back savepoint, commits, stays put in a read transaction
// that began before a commit and in a snapshot, and is zero for a table
// never written.
func TestLenCountsWithoutWalking(t *testing.T) {
	db, auto, chosen := openSeqTest(t) // auto: 4 rows, chosen: 1
	before := db.BeginRead()
	defer before.Abort()
	snap := db.Snapshot()

	tx := db.BeginWrite()
	if got := auto.Len(tx); got != 4 {
		t.Fatalf("Len = %d at the start, want 4", got)
	}
	if _, err := auto.Insert(tx, seqTestRow{V: "d"}); err != nil {
		t.Fatal(err)
	}
	if _, err := auto.Delete(tx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := auto.Update(tx, seqTestRow{ID: 2, V: "b2"}); err != nil {
		t.Fatal(err)
	}
	// A refused insert (its key is taken) counts nothing.
	if _, err := chosen.Insert(tx, seqTestRow{ID: 7}); !errors.Is(err, ErrExists) {
		t.Fatalf("Insert of a taken key = %v, want ErrExists", err)
	}
	if got := auto.Len(tx); got != 4 {
		t.Errorf("Len = %d after an insert, a delete and an update, want 4", got)
	}
	sp := tx.savepoint()
	for i := 0; i < 3; i++ {
		if _, err := auto.Insert(tx, seqTestRow{V: "tmp"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := chosen.Delete(tx, 7); err != nil {
		t.Fatal(err)
	}
	if a, c := auto.Len(tx), chosen.Len(tx); a != 7 || c != 0 {
		t.Errorf("Len = %d, %d inside the savepoint, want 7, 0", a, c)
	}
	tx.rollbackTo(sp)
	if a, c := auto.Len(tx), chosen.Len(tx); a != 4 || c != 1 {
		t.Errorf("Len = %d, %d after the rollback, want 4, 1", a, c)
	}
	// A refused delete (no such key) counts nothing either.
	if _, err := auto.Delete(tx, 3); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Delete of a missing key = %v, want ErrNotFound", err)
	}
	if err := tx.Check(); err != nil {
		t.Errorf("Check in the write transaction: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	r := db.BeginRead()
	defer r.Abort()
	if got := auto.Len(r); got != 4 {
		t.Errorf("Len = %d after Commit, want 4", got)
	}
	if got := auto.Len(before); got != 4 {
		t.Errorf("Len = %d in a read transaction begun before the commit, want 4", got)
	}
	if err := snap.View(func(tx *Tx) error {
		if got := auto.Len(tx); got != 4 {
			t.Errorf("Len = %d in a snapshot taken before, want 4", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Empty the table: the count goes to zero, not below.
	if err := db.Update(func(tx *Tx) error {
		for _, k := range []int64{2, 10, 11, 12} {
			if _, err := auto.Delete(tx, k); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.View(func(tx *Tx) error {
		if got := auto.Len(tx); got != 0 {
			t.Errorf("Len = %d after deleting every row, want 0", got)
		}
		return tx.Check()
	}); err != nil {
		t.Errorf("Check: %v", err)
	}
	// A table never written counts zero.
	other := NewTable("seq_other", func(r *seqTestRow) *int64 { return &r.ID })
	db2, err := Open(Config{Tables: []AnyTable{other}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db2.View(func(tx *Tx) error {
		if got := other.Len(tx); got != 0 {
			t.Errorf("Len of a new table = %d, want 0", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Check reports a count of rows that does not match the rows (what a
// corruption would leave), naming the table and both numbers.
func TestCheckReportsWrongRowCount(t *testing.T) {
	db, auto, _ := openSeqTest(t)
	corruptCounter(db, auto.info, func(c *counter) { c.rows = 9 })
	tx := db.BeginWrite()
	defer tx.Abort()
	err := tx.Check()
	if !errors.Is(err, ErrIntegrity) {
		t.Fatalf("Check = %v, want ErrIntegrity", err)
	}
	for _, p := range []string{"seq_rows", "count of rows is 9", "holds 4"} {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("Check error %q does not mention %q", err, p)
		}
	}
}

// A lookup by key hands go-memdb its argument without allocating: in a
// read transaction the one allocation left is go-memdb's own (its index
// transaction), in a write transaction answering from its own writes none.
func TestGetAllocations(t *testing.T) {
	db, auto, _ := openSeqTest(t)
	tx := db.BeginRead()
	defer tx.Abort()
	sink := 0
	read := testing.AllocsPerRun(100, func() {
		if r, ok := auto.Get(tx, 10); ok {
			sink += len(r.V)
		}
	})
	if read > 1 {
		t.Errorf("Get in a read transaction: %v allocations, want at most 1 (go-memdb's)", read)
	}
	w := db.BeginWrite()
	defer w.Abort()
	if _, err := auto.Insert(w, seqTestRow{V: "mine"}); err != nil {
		t.Fatal(err)
	}
	mine := testing.AllocsPerRun(100, func() {
		if r, ok := auto.Get(w, 12); ok {
			sink += len(r.V)
		}
	})
	if mine != 0 {
		t.Errorf("Get of a row the write transaction wrote: %v allocations, want 0", mine)
	}
}

// A snapshot costs two allocations (the DB and go-memdb's own); its writer
// and its feed's observers are made when first used, and work then.
func TestSnapshotAllocations(t *testing.T) {
	db, auto, _ := openSeqTest(t)
	var c *DB
	if n := testing.AllocsPerRun(100, func() { c = db.Snapshot() }); n > 2 {
		t.Errorf("Snapshot: %v allocations, want at most 2", n)
	}
	if c.writerCh != nil || c.feed.more.Load() != nil {
		t.Fatal("a fresh snapshot already has its writer or its feed's observers")
	}
	c.KeepChanges(5)
	r := c.BeginRead()
	from := r.Revision()
	r.Abort()
	if err := c.Update(func(tx *Tx) error { _, err := auto.Insert(tx, seqTestRow{V: "fork"}); return err }); err != nil {
		t.Fatal(err)
	}
	commits, err := c.ChangesSince(from)
	if err != nil || len(commits) != 1 {
		t.Fatalf("ChangesSince(%d) on the snapshot = %d commits, %v; want 1", from, len(commits), err)
	}
	if err := db.View(func(tx *Tx) error {
		if n := auto.Len(tx); n != 4 {
			t.Errorf("the original sees %d rows after the snapshot's write, want 4", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// A transaction's counters are those of the state it reads: a read
// transaction that began before commits keeps them while writers move
// them.
func TestCountersFollowTheState(t *testing.T) {
	db, auto, _ := openSeqTest(t)
	old := db.BeginRead()
	defer old.Abort()
	for i := 0; i < 3; i++ {
		if err := db.Update(func(tx *Tx) error { _, err := auto.Insert(tx, seqTestRow{V: "more"}); return err }); err != nil {
			t.Fatal(err)
		}
	}
	if n, last := auto.Len(old), old.seqLoad(auto.info); n != 4 || last != 11 {
		t.Errorf("the old read transaction sees Len %d and sequence %d, want 4 and 11", n, last)
	}
	cur := db.BeginRead()
	defer cur.Abort()
	if n, last := auto.Len(cur), cur.seqLoad(auto.info); n != 7 || last != 14 {
		t.Errorf("a new read transaction sees Len %d and sequence %d, want 7 and 14", n, last)
	}
}

// A read transaction is small (its write state is the shared noWrite), and
// nothing done with one writes noWrite: every exported method of Tx, the
// refused writes, reads, and its close.
func TestReadTxLeavesNoWriteAlone(t *testing.T) {
	if s := unsafe.Sizeof(Tx{}); s > 160 {
		t.Errorf("a Tx is %d bytes: a read transaction allocates it whole", s)
	}
	db, auto, chosen := openSeqTest(t)
	tx := db.BeginRead()
	_ = tx.Changes()
	if err := tx.AfterCommit(func(*ChangeSet) {}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("AfterCommit on a read transaction = %v", err)
	}
	if err := tx.DeferForeignKeys(); !errors.Is(err, ErrReadOnly) {
		t.Errorf("DeferForeignKeys on a read transaction = %v", err)
	}
	_ = tx.ForeignKeysDeferred()
	if err := tx.Check(); err != nil {
		t.Error(err)
	}
	_ = tx.Dump()
	sp := tx.savepoint() // the engine's savepoints are no-ops in a read transaction
	if !reflect.ValueOf(noWrite).IsZero() {
		t.Fatalf("a savepoint of a read transaction wrote the shared noWrite: %+v", noWrite)
	}
	tx.rollbackTo(sp)
	tx.release(tx.savepoint())
	_ = tx.Atomic(func(tx *Tx) error {
		_, err := auto.Insert(tx, seqTestRow{V: "no"})
		return err
	})
	if _, err := auto.Insert(tx, seqTestRow{V: "no"}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Insert in a read transaction = %v", err)
	}
	if _, err := chosen.Delete(tx, 7); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Delete in a read transaction = %v", err)
	}
	_, _ = auto.Get(tx, 10)
	_ = auto.Len(tx)
	for range auto.All(tx) {
	}
	if err := tx.Commit(); err != nil {
		t.Error(err)
	}
	tx.Abort()
	if !reflect.ValueOf(noWrite).IsZero() {
		t.Fatalf("a read transaction wrote the shared noWrite: %+v", noWrite)
	}
}
