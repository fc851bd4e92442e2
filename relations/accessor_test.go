package relations_test

import (
	"testing"

	"github.com/memrel-go/memrel"
)

type accRow struct {
	ID     int64
	UserID int64
	Opt    memrel.Null[int64]
}

// A foreign key's accessor is called once, when the relation is declared,
// to find its field; one that does not point into the row is an Open error
// naming the relation, never a surprise later.
func TestForeignKeyAccessorMustPointAtAField(t *testing.T) {
	users := memrel.NewTable("users", func(u *ordUser) *int64 { return &u.ID })
	rows := memrel.NewTable("rows", func(r *accRow) *int64 { return &r.ID })
	var elsewhere int64
	var elsewhereNull memrel.Null[int64]
	schemaErr(t, memrel.Schema{
		Tables: []memrel.AnyTable{users, rows},
		Relations: []memrel.Relation{
			memrel.ForeignKey(rows, func(*accRow) *int64 { return &elsewhere }, users, memrel.Cascade).Named("outside"),
			memrel.ForeignKey(rows, func(*accRow) *memrel.Null[int64] { return &elsewhereNull }, users, memrel.SetNull).Named("outside_null"),
			memrel.ForeignKey(rows, func(r *accRow) *int64 { panic("no") }, users, memrel.Cascade).Named("panics"),
		},
	}, "relation rows.outside: the key field must be a field of the row",
		"relation rows.outside_null:", "relation rows.panics:")

	// Accessors that do point at a field work, and are not called again:
	// a counting accessor stays at its one call however many rows go by.
	calls := 0
	rows = memrel.NewTable("rows", func(r *accRow) *int64 { return &r.ID }) // without the refused relations
	user := memrel.ForeignKey(rows, func(r *accRow) *int64 { calls++; return &r.UserID }, users, memrel.Cascade).Named("user")
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{users, rows}, Relations: []memrel.Relation{user}})
	tx := beginTx(t, db)
	u, err := users.Insert(tx, ordUser{})
	mustOK(t, err)
	for range 3 {
		_, err := rows.Insert(tx, accRow{UserID: u.ID})
		mustOK(t, err)
	}
	refused(t, tx, memrel.ErrForeignKey, func() error { _, err := rows.Insert(tx, accRow{UserID: 9}); return err })
	if n := user.Count(tx, u.ID); n != 3 {
		t.Fatalf("Count = %d, want 3", n)
	}
	res, err := users.Delete(tx, u.ID)
	mustOK(t, err)
	if res.Deleted["rows"] != 3 {
		t.Fatalf("result %v, want 3 rows cascaded", res)
	}
	if calls != 1 {
		t.Errorf("the accessor was called %d times, want once, at declaration", calls)
	}
	finishTx(t, db, tx)
}
