package relations_test

// Helpers shared by the many-to-many and constraint tests.

import (
	"errors"
	"strings"
	"testing"

	"github.com/memrel-go/memrel"
)

func openDB(t *testing.T, s memrel.Schema) *memrel.DB {
	t.Helper()
	db, err := memrel.Open(s)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db
}

// beginTx opens a write transaction that is aborted when the test ends
// (a no-op after Commit).
func beginTx(t *testing.T, db *memrel.DB) *memrel.Tx {
	t.Helper()
	tx := db.BeginWrite()
	t.Cleanup(tx.Abort)
	return tx
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// refused runs op, which must fail with an error that is want, and checks
// that it changed nothing: the same Dump (rows and sequences) and a clean
// Check. It returns the error for the caller to inspect.
func refused(t *testing.T, tx *memrel.Tx, want error, op func() error) error {
	t.Helper()
	before := tx.Dump()
	err := op()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want one that is %v", err, want)
	}
	if after := tx.Dump(); after != before {
		t.Errorf("refused operation (%v) changed the state:\nbefore:\n%s\nafter:\n%s", err, before, after)
	}
	if cerr := tx.Check(); cerr != nil {
		t.Errorf("Check after refused operation (%v): %v", err, cerr)
	}
	return err
}

// finishTx checks the transaction, commits it, checks that the committed
// state is what the transaction held, and checks the DB.
func finishTx(t *testing.T, db *memrel.DB, tx *memrel.Tx) {
	t.Helper()
	if err := tx.Check(); err != nil {
		t.Errorf("tx.Check: %v", err)
	}
	want := tx.Dump()
	if err := tx.Commit(); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	rtx := db.BeginRead()
	got := rtx.Dump()
	rtx.Abort()
	if got != want {
		t.Errorf("committed state differs from the transaction's:\ncommitted:\n%s\ntx:\n%s", got, want)
	}
	if err := db.Check(); err != nil {
		t.Errorf("db.Check: %v", err)
	}
}

// schemaErr opens s, which must be refused with ErrSchema and a message
// holding every part.
func schemaErr(t *testing.T, s memrel.Schema, parts ...string) error {
	t.Helper()
	db, err := memrel.Open(s)
	if err == nil {
		t.Fatalf("Open accepted the schema (db %v); want an error containing %q", db, parts)
	}
	if db != nil {
		t.Errorf("Open returned a DB with its error")
	}
	if !errors.Is(err, memrel.ErrSchema) {
		t.Errorf("error %v is not ErrSchema", err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
	return err
}
