package relations_test

import (
	"errors"
	"testing"

	"github.com/memrel-go/memrel"
)

type chnProduct struct {
	ID         int64
	Price      memrel.Null[int64]
	Discounted memrel.Null[int64]
}

// S88 without writing the NULL rule by hand: an empty price passes, a
// negative one is refused, on insert and on update, with the refused row in
// the error; Check agrees.
func TestCheckNullable(t *testing.T) {
	products := memrel.NewTable("chn_products", func(p *chnProduct) *int64 { return &p.ID })
	seen := 0
	memrel.CheckNullable(products, "price_gte_0",
		func(p *chnProduct) memrel.Null[int64] { return p.Price },
		func(price int64) bool { seen++; return price >= 0 })
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{products}})
	tx := beginTx(t, db)
	empty := cnInsert(t, tx, products, chnProduct{})
	if seen != 0 {
		t.Errorf("the predicate was called %d times for an empty price", seen)
	}
	zero := cnInsert(t, tx, products, chnProduct{Price: memrel.Some[int64](0)})
	err := cnInsertRefused(t, tx, products, memrel.ErrCheck, chnProduct{Price: memrel.Some[int64](-1)})
	cnCheckErr(t, err, memrel.CheckError{Constraint: "price_gte_0", Table: "chn_products", Row: cnNew("chn_products", nil),
		RowData: chnProduct{Price: memrel.Some[int64](-1)}})
	if err.Error() != "memrel: check constraint price_gte_0 on chn_products: a new chn_products row violates it: {ID:0 Price:-1 Discounted:null}" {
		t.Errorf("message %q", err)
	}
	bad := empty
	bad.Price = memrel.Some[int64](-5)
	cnUpdateRefused(t, tx, products, memrel.ErrCheck, bad)
	cleared := zero
	cleared.Price = memrel.Null[int64]{}
	mustOK(t, cnIns(products.Update(tx, cleared)))
	finishTx(t, db, tx)
}

// Open names what a CheckNullable declaration lacks.
func TestCheckNullableMissingArguments(t *testing.T) {
	products := memrel.NewTable("chn2_products", func(p *chnProduct) *int64 { return &p.ID })
	memrel.CheckNullable[chnProduct, int64, int64](products, "a", nil, func(int64) bool { return true })
	memrel.CheckNullable(products, "b", func(p *chnProduct) memrel.Null[int64] { return p.Price }, nil)
	memrel.CheckNullable[chnProduct, int64, int64](nil, "c", nil, nil) // attached to no table: nothing to report
	err := schemaErr(t, memrel.Schema{Tables: []memrel.AnyTable{products}},
		"memrel: schema: check constraint a: the field accessor is nil (required): invalid schema",
		"memrel: schema: check constraint b: the predicate is nil (required): invalid schema")
	if !errors.Is(err, memrel.ErrSchema) {
		t.Errorf("%v is not ErrSchema", err)
	}
	c := memrel.CheckNullable[chnProduct, int64, int64](nil, "c", nil, nil)
	db, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{memrel.NewTable("chn3", func(p *chnProduct) *int64 { return &p.ID })},
		Constraints: []memrel.Constraint{c}})
	if err == nil || err.Error() != "memrel: schema: check constraint c: the table, the field accessor and the predicate are nil (required): invalid schema" {
		t.Errorf("Open = %v, %v", db, err)
	}
}
