package store

import (
	"errors"
	"reflect"
	"testing"
)

// A hook that ends the transaction it was given (Abort, or Commit outside
// Update) refuses the write it was called for with ErrTxClosed: no panic,
// nothing written (the committed state is the one before the transaction),
// the closed transaction's shared empty write state untouched, and the
// writer free.
func TestHookEndingItsTransaction(t *testing.T) {
	for _, op := range []string{"insert", "update"} { // a delete's hooks run in package relations: see memrel's tests
		for _, end := range []string{"abort", "commit"} {
			t.Run(op+"/"+end, func(t *testing.T) {
				tbl := NewTable("hooked", func(r *seqTestRow) *int64 { return &r.ID })
				finish := func(tx *Tx) error {
					if end == "abort" {
						tx.Abort()
						return nil
					}
					return tx.Commit()
				}
				armed := false
				switch op {
				case "insert":
					tbl.BeforeInsert(func(tx *Tx, r *seqTestRow) error {
						if !armed {
							return nil
						}
						return finish(tx)
					})
				case "update":
					tbl.BeforeUpdate(func(tx *Tx, old seqTestRow, r *seqTestRow) error { return finish(tx) })
				}
				db, err := Open(Config{Tables: []AnyTable{tbl}})
				if err != nil {
					t.Fatal(err)
				}
				if err := db.Update(func(tx *Tx) error {
					_, err := tbl.Insert(tx, seqTestRow{V: "kept"})
					return err
				}); err != nil {
					t.Fatal(err)
				}
				armed = true
				before := db.BeginRead().Dump()

				tx := db.BeginWrite()
				switch op {
				case "insert":
					_, err = tbl.Insert(tx, seqTestRow{V: "new"})
				case "update":
					_, err = tbl.Update(tx, seqTestRow{ID: 1, V: "changed"})
				}
				if !errors.Is(err, ErrTxClosed) {
					t.Fatalf("%s whose hook ended the transaction: %v, want ErrTxClosed", op, err)
				}
				if !reflect.ValueOf(noWrite).IsZero() {
					t.Fatalf("the ended transaction wrote the shared noWrite: %+v", noWrite)
				}
				if got := db.BeginRead().Dump(); got != before {
					t.Errorf("the store changed:\n%s\nwant\n%s", got, before)
				}
				next := db.BeginWrite() // the writer is free
				next.Abort()
			})
		}
	}
}

// Once a write transaction has ended, Changes is empty and
// ForeignKeysDeferred false, as documented, whether its write state went to
// the next transaction or (with AfterCommit functions) stayed with it.
func TestEndedTransactionState(t *testing.T) {
	for _, after := range []bool{false, true} {
		db, auto, _ := openSeqTest(t)
		tx := db.BeginWrite()
		if err := tx.DeferForeignKeys(); err != nil {
			t.Fatal(err)
		}
		if _, err := auto.Insert(tx, seqTestRow{V: "new"}); err != nil {
			t.Fatal(err)
		}
		if after {
			if err := tx.AfterCommit(func(*ChangeSet) {}); err != nil {
				t.Fatal(err)
			}
		}
		if tx.Changes().Len() != 1 || !tx.ForeignKeysDeferred() {
			t.Fatal("an open transaction does not report its change or its deferred checks")
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if n := tx.Changes().Len(); n != 0 || tx.ForeignKeysDeferred() {
			t.Errorf("after Commit (AfterCommit %v): Changes().Len() = %d, ForeignKeysDeferred = %v; want 0, false", after, n, tx.ForeignKeysDeferred())
		}
	}
}
