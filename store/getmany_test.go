package store_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/memrel-go/memrel/store"
)

func TestGetMany(t *testing.T) {
	db := openDB(t)
	mustUpdate(t, db, func(tx *store.Tx) error {
		for _, n := range []string{"a", "b", "c"} {
			if _, err := items.Insert(tx, item{Name: n}); err != nil {
				return err
			}
		}
		_, err := names.Insert(tx, named{Code: "x y", Label: "spaced"})
		return err
	})
	tx := db.BeginRead()
	defer tx.Abort()
	name := func(rows []item) []string {
		out := []string{}
		for _, r := range rows {
			out = append(out, r.Name)
		}
		return out
	}
	rows, err := items.GetMany(tx, 3, 1, 3, 2)
	if err != nil || !reflect.DeepEqual(name(rows), []string{"c", "a", "c", "b"}) {
		t.Errorf("GetMany(3, 1, 3, 2) = %v, %v; want c a c b in the order asked", name(rows), err)
	}
	rows, err = items.GetMany(tx, 9, 2, 7, 9)
	var ke *store.KeyError
	if !errors.Is(err, store.ErrNotFound) || !errors.As(err, &ke) || !reflect.DeepEqual(ke.Keys, []any{int64(9), int64(7)}) || ke.Key != int64(9) {
		t.Errorf("GetMany(9, 2, 7, 9) error = %#v; want a KeyError listing 9 and 7 once each", err)
	}
	if err == nil || err.Error() != "memrel: items 9, 7: not found" {
		t.Errorf("message %v", err)
	}
	if !reflect.DeepEqual(name(rows), []string{"b"}) {
		t.Errorf("GetMany(9, 2, 7, 9) rows = %v; want the one found, b", name(rows))
	}
	if rows, err := items.GetMany(tx); rows != nil || err != nil {
		t.Errorf("GetMany() = %v, %v", rows, err)
	}
	_, err = names.GetMany(tx, "x y", "")
	if err == nil || err.Error() != `memrel: names "": not found` {
		t.Errorf("GetMany of an empty string key: %v", err)
	}
	// A stored row is copied out: changing a result changes nothing.
	rows, _ = items.GetMany(tx, 1)
	rows[0].Name = "changed"
	if r, _ := items.Get(tx, 1); r.Name != "a" {
		t.Errorf("GetMany returned the stored row itself")
	}
}

func TestTableGetOrCreate(t *testing.T) {
	db := openDB(t)
	mustUpdate(t, db, func(tx *store.Tx) error {
		a, created, err := items.GetOrCreate(tx, item{ID: 5, Name: "a"})
		if err != nil || !created || a.ID != 5 {
			t.Errorf("GetOrCreate(5) = %+v, %v, %v; want created", a, created, err)
		}
		got, created, err := items.GetOrCreate(tx, item{ID: 5, Name: "other"})
		if err != nil || created || got != a {
			t.Errorf("GetOrCreate(5) again = %+v, %v, %v; want %+v, false", got, created, err, a)
		}
		n, created, err := items.GetOrCreate(tx, item{Name: "numbered"})
		if err != nil || !created || n.ID != 6 {
			t.Errorf("GetOrCreate with a zero key = %+v, %v, %v; want created with key 6", n, created, err)
		}
		before := tx.Dump()
		if _, created, err := names.GetOrCreate(tx, named{}); !errors.Is(err, store.ErrInvalidKey) || created {
			t.Errorf("GetOrCreate of an empty string key = %v, %v", created, err)
		}
		if tx.Dump() != before {
			t.Errorf("a refused GetOrCreate changed the state")
		}
		return tx.Check()
	})
	rtx := db.BeginRead()
	defer rtx.Abort()
	if _, _, err := items.GetOrCreate(rtx, item{ID: 5}); !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("GetOrCreate in a read transaction: %v, want ErrReadOnly even for a row that exists", err)
	}
}
