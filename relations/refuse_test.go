package relations_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/memrel-go/memrel"
)

type rfRow struct {
	ID       int64
	UserID   int64
	PostID   int64
	AuthorID memrel.Null[int64]
}

// rfStore is a user with posts, comments on them, and comments on other
// posts, and an order that Restrict or Protect keeps the user from deleting.
func rfStore(t *testing.T, rule memrel.OnDelete, posts int) (*memrel.DB, *memrel.Table[rfRow, int64]) {
	t.Helper()
	db, users, _ := rfStoreOrders(t, rule, posts)
	return db, users
}

// rfStoreOrders is rfStore, with the orders table.
func rfStoreOrders(t *testing.T, rule memrel.OnDelete, posts int) (db *memrel.DB, users, orders *memrel.Table[rfRow, int64]) {
	t.Helper()
	users = memrel.NewTable("users", func(r *rfRow) *int64 { return &r.ID })
	ps := memrel.NewTable("posts", func(r *rfRow) *int64 { return &r.ID })
	cs := memrel.NewTable("comments", func(r *rfRow) *int64 { return &r.ID })
	orders = memrel.NewTable("orders", func(r *rfRow) *int64 { return &r.ID })
	f := memrel.Fields[rfRow]()
	memrel.ForeignKey(ps, &f.UserID, users, memrel.Cascade)
	memrel.ForeignKey(cs, &f.PostID, ps, memrel.Cascade)
	memrel.ForeignKey(cs, &f.AuthorID, users, memrel.SetNull)
	memrel.ForeignKey(orders, &f.UserID, users, rule)
	db = openDB(t, memrel.Schema{Tables: []memrel.AnyTable{users, ps, cs, orders}})
	err := db.Update(func(tx *memrel.Tx) error {
		ann, _ := users.Insert(tx, rfRow{})
		bob, _ := users.Insert(tx, rfRow{})
		other, _ := ps.Insert(tx, rfRow{UserID: bob.ID})
		for range posts {
			p, err := ps.Insert(tx, rfRow{UserID: ann.ID})
			if err != nil {
				return err
			}
			for range 10 {
				if _, err := cs.Insert(tx, rfRow{PostID: p.ID, AuthorID: memrel.Some(bob.ID)}); err != nil {
					return err
				}
			}
			if _, err := cs.Insert(tx, rfRow{PostID: other.ID, AuthorID: memrel.Some(ann.ID)}); err != nil {
				return err
			}
		}
		_, err := orders.Insert(tx, rfRow{UserID: ann.ID})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return db, users, orders
}

// A delete that a Protect or Restrict relation of the table itself refuses
// is refused before the rows it would cascade to are walked: its cost does
// not grow with them, and its error is the one the walk gives.
func TestRefusedDeleteDoesNotWalkTheGraph(t *testing.T) {
	for _, rule := range []memrel.OnDelete{memrel.Restrict, memrel.Protect} {
		t.Run(rule.String(), func(t *testing.T) {
			var errs []error
			var allocs []float64
			for _, posts := range []int{1, 50} {
				db, users := rfStore(t, rule, posts)
				tx := db.BeginWrite()
				before := tx.Dump()
				_, err := users.Delete(tx, 1)
				if !errors.Is(err, memrel.ErrRestricted) && !errors.Is(err, memrel.ErrProtected) {
					t.Fatalf("delete of a user with an order: %v", err)
				}
				if tx.Dump() != before {
					t.Fatal("the refused delete changed the store")
				}
				errs = append(errs, err)
				allocs = append(allocs, testing.AllocsPerRun(20, func() { users.Delete(tx, 1) }))
				tx.Abort()
			}
			if errs[0].Error() != errs[1].Error() {
				t.Errorf("the errors differ with the graph's size:\n%v\n%v", errs[0], errs[1])
			}
			if allocs[1] > allocs[0] {
				t.Errorf("a refused delete costs %v allocations with 1 post and %v with 50: it walks the graph", allocs[0], allocs[1])
			}
		})
	}
}

// When a Cascade path reaches the Restrict relation's child table, the
// restricting row may be deleted by the same delete: the walk decides, and
// the delete goes through.
func TestRestrictedRowDeletedByTheSameDelete(t *testing.T) {
	users := memrel.NewTable("users", func(r *rfRow) *int64 { return &r.ID })
	ps := memrel.NewTable("posts", func(r *rfRow) *int64 { return &r.ID })
	cs := memrel.NewTable("comments", func(r *rfRow) *int64 { return &r.ID })
	f := memrel.Fields[rfRow]()
	memrel.ForeignKey(ps, &f.UserID, users, memrel.Cascade)
	memrel.ForeignKey(cs, &f.PostID, ps, memrel.Cascade)
	memrel.ForeignKey(cs, &f.UserID, users, memrel.Restrict).Related("restricting")
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{users, ps, cs}})
	tx := beginTx(t, db)
	ann, _ := users.Insert(tx, rfRow{})
	bob, _ := users.Insert(tx, rfRow{})
	p, _ := ps.Insert(tx, rfRow{UserID: ann.ID})
	cs.Insert(tx, rfRow{PostID: p.ID, UserID: ann.ID}) // removed with ann's post
	res, err := users.Delete(tx, ann.ID)
	if err != nil {
		t.Fatalf("a restricting row that the delete removes refused it: %v", err)
	}
	if want := map[string]int{"users": 1, "posts": 1, "comments": 1}; !reflect.DeepEqual(res.Deleted, want) {
		t.Errorf("deleted %v, want %v", res.Deleted, want)
	}
	q, _ := ps.Insert(tx, rfRow{UserID: bob.ID})
	cs.Insert(tx, rfRow{PostID: q.ID, UserID: bob.ID})
	other, _ := users.Insert(tx, rfRow{})
	cs.Insert(tx, rfRow{PostID: q.ID, UserID: other.ID}) // on bob's post: removed with it
	if _, err := users.Delete(tx, other.ID); !errors.Is(err, memrel.ErrRestricted) {
		t.Errorf("a restricting row the delete does not remove: %v, want ErrRestricted", err)
	}
}

// A refused delete builds its error in one allocation when it deletes one
// row that one row blocks (keys, relations and rows share it): the delete
// costs 9 allocations, 4 of them go-memdb's two lookups (it cost 16 when
// each part of the error was its own). With more keys and rows the error
// lists them all.
func TestRefusedDeleteError(t *testing.T) {
	for _, rule := range []memrel.OnDelete{memrel.Restrict, memrel.Protect} {
		t.Run(rule.String(), func(t *testing.T) {
			db, users, orders := rfStoreOrders(t, rule, 1)
			tx := db.BeginWrite()
			defer tx.Abort()
			if n := testing.AllocsPerRun(50, func() { users.Delete(tx, 1) }); n > 9 {
				t.Errorf("a refused delete: %v allocations, want at most 9", n)
			}
			before := tx.Dump()
			_, err := users.Delete(tx, 1)
			if tx.Dump() != before {
				t.Fatal("the refused delete changed the store")
			}
			keys, rels, rows := blockedParts(t, err)
			want := []memrel.BlockingRow{{RowRef: memrel.RowRef{Table: "orders", Key: int64(1)}, Relation: "orders.user"}}
			if !reflect.DeepEqual(keys, []any{int64(1)}) || !reflect.DeepEqual(rels, []string{"orders.user"}) || !reflect.DeepEqual(rows, want) {
				t.Errorf("one blocked row: keys %v, relations %v, rows %v", keys, rels, rows)
			}

			for _, u := range []int64{1, 2, 2} {
				if _, err := orders.Insert(tx, rfRow{UserID: u}); err != nil {
					t.Fatal(err)
				}
			}
			before = tx.Dump()
			_, err = users.Delete(tx, 1, 2)
			if tx.Dump() != before {
				t.Fatal("the refused delete of two users changed the store")
			}
			keys, rels, rows = blockedParts(t, err)
			var got []int64
			for _, r := range rows {
				got = append(got, r.Key.(int64))
			}
			if !reflect.DeepEqual(keys, []any{int64(1), int64(2)}) || !reflect.DeepEqual(rels, []string{"orders.user"}) || !reflect.DeepEqual(got, []int64{1, 2, 3, 4}) {
				t.Errorf("several blocked rows: keys %v, relations %v, rows %v", keys, rels, rows)
			}
		})
	}
}

// blockedParts returns the keys, relations and rows of a RestrictedError or
// ProtectedError.
func blockedParts(t *testing.T, err error) ([]any, []string, []memrel.BlockingRow) {
	t.Helper()
	var re *memrel.RestrictedError
	var pe *memrel.ProtectedError
	switch {
	case errors.As(err, &re):
		return re.Keys, re.Relations, re.Rows
	case errors.As(err, &pe):
		return pe.Keys, pe.Relations, pe.Rows
	}
	t.Fatalf("delete: %v, want a RestrictedError or ProtectedError", err)
	return nil, nil, nil
}
