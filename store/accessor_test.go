package store_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/memrel-go/memrel/store"
)

var notInRow int64

// A key accessor is called once, when the table is declared, to find the
// key's field: one that does not point into the row is an Open error naming
// the table; one that does is never called again.
func TestKeyAccessorMustPointAtAField(t *testing.T) {
	bad := store.NewTable("bad_keys", func(*item) *int64 { return &notInRow })
	_, err := store.Open(store.Config{Tables: []store.AnyTable{bad}})
	if !errors.Is(err, store.ErrSchema) || !strings.Contains(err.Error(), "table bad_keys: the key accessor must return a pointer to a field of the row") {
		t.Fatalf("Open = %v, want a schema error naming the table and its key accessor", err)
	}

	calls := 0
	counted := store.NewTable("counted", func(r *item) *int64 { calls++; return &r.ID })
	db := openDB(t, counted)
	mustUpdate(t, db, func(tx *store.Tx) error {
		for range 3 {
			if _, err := counted.Insert(tx, item{Name: "x"}); err != nil {
				return err
			}
		}
		if _, err := counted.Delete(tx, 2); err != nil {
			return err
		}
		return tx.Check()
	})
	if calls != 1 {
		t.Fatalf("the key accessor was called %d times, want once", calls)
	}
}
