package store_test

import (
	"errors"
	"testing"

	"github.com/memrel-go/memrel/store"
)

// Without hooks, InsertOrSkip skips a taken primary key and inserts the
// rest; a skipped row uses up no key of the sequence.
func TestInsertOrSkipNoHooks(t *testing.T) {
	db := openDB(t)
	mustUpdate(t, db, func(tx *store.Tx) error {
		a, ok, err := items.InsertOrSkip(tx, item{Name: "a"})
		if err != nil || !ok || a.ID != 1 {
			t.Fatalf("InsertOrSkip(a) = %+v, %v, %v", a, ok, err)
		}
		before := tx.Dump()
		got, ok, err := items.InsertOrSkip(tx, item{ID: 1, Name: "other"})
		if err != nil || ok || got != a {
			t.Errorf("InsertOrSkip of a taken key = %+v, %v, %v; want %+v, false, nil", got, ok, err, a)
		}
		if tx.Dump() != before {
			t.Errorf("a skipped insert changed the state")
		}
		b, ok, err := items.InsertOrSkip(tx, item{Name: "b"})
		if err != nil || !ok || b.ID != 2 {
			t.Errorf("InsertOrSkip(b) = %+v, %v, %v; want key 2", b, ok, err)
		}
		// Other errors are returned.
		if _, ok, err := names.InsertOrSkip(tx, named{}); !errors.Is(err, store.ErrInvalidKey) || ok {
			t.Errorf("InsertOrSkip of an empty string key = %v, %v; want ErrInvalidKey", ok, err)
		}
		return tx.Check()
	})
	rtx := db.BeginRead()
	defer rtx.Abort()
	if _, ok, err := items.InsertOrSkip(rtx, item{Name: "c"}); !errors.Is(err, store.ErrReadOnly) || ok {
		t.Errorf("InsertOrSkip in a read transaction = %v, %v; want ErrReadOnly", ok, err)
	}
}
