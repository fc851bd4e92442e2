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
	if s := unsafe.Sizeof(Tx{}); s > 112 {
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

// A closed write transaction hands its write state to the next one, which
// starts as if it were new (no deferred checks, savepoints, journal, rows
// or sequences of the last one), while the closed one reads the shared
// empty state, writes nothing to it, and refuses writes. A transaction
// with AfterCommit functions keeps its state (a Proposal runs them after
// the close). Beginning a write transaction with a spare state costs
// three allocations: the Tx and go-memdb's two.
func TestWriteStateReused(t *testing.T) {
	db, auto, chosen := openSeqTest(t)
	old := db.BeginWrite()
	state := old.txWrite
	if err := old.DeferForeignKeys(); err != nil {
		t.Fatal(err)
	}
	if _, err := auto.Insert(old, seqTestRow{V: "gone"}); err != nil {
		t.Fatal(err)
	}
	old.savepoint() // left open
	if _, err := chosen.Delete(old, 7); err != nil {
		t.Fatal(err)
	}
	old.Abort()
	if old.txWrite != &noWrite || db.spare != state {
		t.Fatal("the aborted transaction's write state is not the DB's spare")
	}

	tx := db.BeginWrite()
	if tx.txWrite != state || db.spare != nil {
		t.Fatal("the next write transaction did not take the spare state")
	}
	if tx.ForeignKeysDeferred() || tx.depth != 0 || len(tx.journal) != 0 || len(tx.live) != 0 || len(tx.seq) != 0 || len(tx.overlays) != 0 || tx.deferred != nil || tx.base != nil {
		t.Fatalf("the reused state is not empty: %+v", *tx.txWrite)
	}
	for i, n := range tx.rows {
		if n != 0 {
			t.Errorf("the reused state counts %d rows for table %d", n, i)
		}
	}
	if a, c := auto.Len(tx), chosen.Len(tx); a != 4 || c != 1 {
		t.Errorf("Len = %d, %d in the next transaction, want 4, 1", a, c)
	}
	if _, ok := chosen.Get(tx, 7); !ok {
		t.Error("the next transaction does not see the row the aborted one deleted")
	}
	// The closed transaction writes nothing, to noWrite or to tx.
	old.release(old.savepoint())
	old.rollbackTo(old.savepoint())
	if _, err := auto.Insert(old, seqTestRow{V: "late"}); !errors.Is(err, ErrTxClosed) {
		t.Errorf("Insert in the closed transaction = %v, want ErrTxClosed", err)
	}
	if !reflect.ValueOf(noWrite).IsZero() {
		t.Fatalf("the closed write transaction wrote the shared noWrite: %+v", noWrite)
	}
	r, err := auto.Insert(tx, seqTestRow{V: "kept"})
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != 12 { // the aborted insert's key 12 was never handed out
		t.Errorf("the next transaction's insert got key %d, want 12", r.ID)
	}
	ran := 0
	if err := tx.AfterCommit(func(*ChangeSet) { ran++ }); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if ran != 1 || tx.txWrite != state || db.spare != nil {
		t.Fatalf("after a commit with an AfterCommit function: ran %d times, state kept %v, spare %v", ran, tx.txWrite == state, db.spare)
	}

	if n := testing.AllocsPerRun(100, func() { db.BeginWrite().Abort() }); n > 3 {
		t.Errorf("BeginWrite with a spare state: %v allocations, want at most 3", n)
	}
}
