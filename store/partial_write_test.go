package store_test

import (
	"fmt"
	"testing"

	"github.com/memrel-go/memrel/store"
)

// An index accessor that panics on some row, as one hit by a value it did
// not expect does: Insert and Update must not leave that row in some
// indexes and not in others. go-memdb writes indexes in map order, so the
// test uses several indexes and repeats, to put the panicking one after
// others that succeed.
func TestPanickingIndexAccessorLeavesNoPartialWrite(t *testing.T) {
	for round := 0; round < 20; round++ {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			tbl := store.NewTable("panicky", func(r *item) *int64 { return &r.ID })
			var indexes []*store.IndexDef
			for i := 0; i < 6; i++ {
				boom := i == 3
				ix := store.NewIndexFunc(tbl, fmt.Sprintf("ix%d", i), func(r *item) int {
					if boom && r.Qty == 13 {
						panic("unlucky quantity")
					}
					return r.Qty + i
				})
				indexes = append(indexes, ix.IndexDef())
			}
			db, err := store.Open(store.Config{Tables: []store.AnyTable{tbl}, Indexes: indexes})
			if err != nil {
				t.Fatal(err)
			}
			tx := db.BeginWrite()
			defer tx.Abort()
			if _, err := tbl.Insert(tx, item{Name: "one", Qty: 1}); err != nil {
				t.Fatal(err)
			}
			before := tx.Dump()
			mustPanic(t, "Insert", func() { tbl.Insert(tx, item{Name: "two", Qty: 13}) })
			mustPanic(t, "Update", func() { tbl.Update(tx, item{ID: 1, Name: "one", Qty: 13}) })
			if got := tx.Dump(); got != before {
				t.Fatalf("a panicking accessor changed the state:\nbefore:\n%s\nafter:\n%s", before, got)
			}
			if err := tx.Check(); err != nil {
				t.Fatalf("Check after a panicking accessor: %v", err)
			}
			// The transaction goes on and commits a consistent state.
			if _, err := tbl.Insert(tx, item{Name: "three", Qty: 3}); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if err := db.Check(); err != nil {
				t.Fatalf("db.Check after commit: %v", err)
			}
		})
	}
}
