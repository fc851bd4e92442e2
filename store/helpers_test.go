package store_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/memrel-go/memrel/store"
)

// item is the row type of most tests: an int64 key, plain fields and an
// array (copied by value, so it shows whether rows share memory).
type item struct {
	ID   int64
	Name string
	Qty  int
	Tags [2]string
}

// named is a row with a caller-chosen string key.
type named struct {
	Code  string
	Label string
}

// keyed is a row with an integer key of any width.
type keyed[K store.Key] struct {
	ID K
	V  string
}

var (
	items   = store.NewTable("items", func(r *item) *int64 { return &r.ID })
	names   = store.NewTable("names", func(r *named) *string { return &r.Code })
	others  = store.NewTable("others", func(r *item) *int64 { return &r.ID })
	strayed = store.NewTable("strayed", func(r *item) *int64 { return &r.ID }) // never in a schema
)

// openDB opens a DB of the given tables (items and names when none) with no
// hooks, failing the test on error.
func openDB(t testing.TB, tables ...store.AnyTable) *store.DB {
	t.Helper()
	if len(tables) == 0 {
		tables = []store.AnyTable{items, names}
	}
	db, err := store.Open(store.Config{Tables: tables})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db
}

// mustUpdate runs fn in db.Update and fails the test on error.
func mustUpdate(t testing.TB, db *store.DB, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// insertItems inserts rows in one committed transaction and returns them as
// stored.
func insertItems(t testing.TB, db *store.DB, rows ...item) []item {
	t.Helper()
	var out []item
	mustUpdate(t, db, func(tx *store.Tx) error {
		for _, r := range rows {
			got, err := items.Insert(tx, r)
			if err != nil {
				return err
			}
			out = append(out, got)
		}
		return nil
	})
	return out
}

// readItems returns every committed item in key order.
func readItems(t testing.TB, db *store.DB) []item {
	t.Helper()
	var out []item
	if err := db.View(func(tx *store.Tx) error {
		for r := range items.All(tx) {
			out = append(out, r)
		}
		return nil
	}); err != nil {
		t.Fatalf("View: %v", err)
	}
	return out
}

func itemIDs(rows []item) []int64 {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids
}

// dump returns the Dump of the committed state.
func dump(db *store.DB) string {
	tx := db.BeginRead()
	defer tx.Abort()
	return tx.Dump()
}

// mustPanic runs fn and returns the panic's message, failing the test if fn
// does not panic.
func mustPanic(t testing.TB, what string, fn func()) (msg string) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Errorf("%s: did not panic", what)
			return
		}
		msg = fmt.Sprint(r)
	}()
	fn()
	return ""
}

// noPanic runs fn and reports a panic as a test error instead of crashing
// the test binary.
func noPanic(t testing.TB, what string, fn func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: unexpected panic: %v", what, r)
		}
	}()
	fn()
}

// wantKeyError checks that err is a *KeyError of table and key wrapping
// sentinel.
func wantKeyError(t testing.TB, err error, sentinel error, table string, key any) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("error = %v, want %v", err, sentinel)
	}
	var ke *store.KeyError
	if !errors.As(err, &ke) {
		t.Fatalf("error %v (%T) is not a *store.KeyError", err, err)
	}
	if ke.Table != table || ke.Key != key {
		t.Fatalf("KeyError{Table: %q, Key: %#v}, want {Table: %q, Key: %#v}", ke.Table, ke.Key, table, key)
	}
	if !strings.Contains(err.Error(), table) {
		t.Fatalf("message %q does not name table %s", err.Error(), table)
	}
}

// within fails the test if done is not closed within d (a deadlock guard,
// not a timing assertion).
func within(t testing.TB, d time.Duration, what string, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s: still blocked after %v", what, d)
	}
}
