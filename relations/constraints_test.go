package relations_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/memrel-go/memrel"
)

// Unique and check constraints (django-semantics.md §5, scenarios §7.10,
// seed domains 2, 5 and 6) and their system checks (§6), through the memrel
// facade. Every refused operation is checked for atomicity: same Dump,
// Check nil, and the transaction still takes a valid write that commits.

// ---------------------------------------------------------------------------
// Helpers.

// cnInsert inserts row and returns it as stored.
func cnInsert[T any, K memrel.Key](t *testing.T, tx *memrel.Tx, tbl *memrel.Table[T, K], row T) T {
	t.Helper()
	got, err := tbl.Insert(tx, row)
	if err != nil {
		t.Fatalf("insert into %s %+v: %v", tbl.Name(), row, err)
	}
	return got
}

// cnInsertRefused inserts row, which must be refused with want.
func cnInsertRefused[T any, K memrel.Key](t *testing.T, tx *memrel.Tx, tbl *memrel.Table[T, K], want error, row T) error {
	t.Helper()
	return refused(t, tx, want, func() error {
		got, err := tbl.Insert(tx, row)
		if err == nil {
			t.Errorf("insert into %s accepted %+v", tbl.Name(), got)
		}
		return err
	})
}

// cnUpdateRefused updates row, which must be refused with want; the stored
// row must keep its old value.
func cnUpdateRefused[T any, K memrel.Key](t *testing.T, tx *memrel.Tx, tbl *memrel.Table[T, K], want error, row T) error {
	t.Helper()
	old, ok := tbl.Get(tx, tbl.Key(row))
	if !ok {
		t.Fatalf("%s has no row %v to update", tbl.Name(), tbl.Key(row))
	}
	err := refused(t, tx, want, func() error {
		_, err := tbl.Update(tx, row)
		return err
	})
	if now, _ := tbl.Get(tx, tbl.Key(row)); !reflect.DeepEqual(now, old) {
		t.Errorf("refused update changed %s %v: %+v, was %+v", tbl.Name(), tbl.Key(row), now, old)
	}
	return err
}

func cnUniqueErr(t *testing.T, err error, want memrel.UniqueError) {
	t.Helper()
	var ue *memrel.UniqueError
	if !errors.As(err, &ue) {
		t.Fatalf("error %T (%v) is not a *UniqueError", err, err)
	}
	if !reflect.DeepEqual(*ue, want) {
		t.Errorf("UniqueError = %+v,\n want %+v", *ue, want)
	}
	if !strings.Contains(err.Error(), want.Constraint) {
		t.Errorf("message %q does not name the constraint %s", err, want.Constraint)
	}
}

func cnCheckErr(t *testing.T, err error, want memrel.CheckError) {
	t.Helper()
	var ce *memrel.CheckError
	if !errors.As(err, &ce) {
		t.Fatalf("error %T (%v) is not a *CheckError", err, err)
	}
	if !reflect.DeepEqual(*ce, want) {
		t.Errorf("CheckError = %+v, want %+v", *ce, want)
	}
	if !strings.Contains(err.Error(), want.Constraint) {
		t.Errorf("message %q does not name the constraint %s", err, want.Constraint)
	}
}

// cnNew names a row an Insert was adding (its key nil when the sequence
// would have numbered it); cnRow names a stored row.
func cnNew(table string, key any) memrel.RowRef {
	return memrel.RowRef{Table: table, Key: key, New: true}
}

func cnRow(table string, key any) memrel.RowRef { return memrel.RowRef{Table: table, Key: key} }

// ---------------------------------------------------------------------------
// §7.10 products.

type cnProduct struct {
	ID    int64
	Name  string
	Color memrel.Null[string]
	Price int64
}

type cnNameColor struct {
	Name  string
	Color memrel.Null[string]
}

type cnProducts struct {
	db       *memrel.DB
	products *memrel.Table[cnProduct, int64] // name_color_uniq, price_gte_0
	cond     *memrel.Table[cnProduct, int64] // name_without_color_uniq
}

func cnNewProducts(t *testing.T) (*cnProducts, *memrel.Tx) {
	t.Helper()
	f := &cnProducts{
		products: memrel.NewTable("cn_products", func(p *cnProduct) *int64 { return &p.ID }),
		cond:     memrel.NewTable("cn_cond_products", func(p *cnProduct) *int64 { return &p.ID }),
	}
	f.db = openDB(t, memrel.Schema{
		Tables: []memrel.AnyTable{f.products, f.cond},
		Constraints: []memrel.Constraint{
			memrel.UniqueFunc(f.products, "name_color_uniq", func(p *cnProduct) cnNameColor { return cnNameColor{p.Name, p.Color} }),
			memrel.Check(f.products, "price_gte_0", func(p *cnProduct) bool { return p.Price >= 0 }),
			memrel.UniqueFunc(f.cond, "name_without_color_uniq", func(p *cnProduct) string { return p.Name }).
				Where(func(p *cnProduct) bool { return !p.Color.Valid }),
		},
	})
	return f, beginTx(t, f.db)
}

var cnRed, cnBlue = memrel.Some("red"), memrel.Some("blue")

func TestS82_CompositeUniqueWithNull(t *testing.T) {
	f, tx := cnNewProducts(t)
	p1 := cnInsert(t, tx, f.products, cnProduct{Name: "p1", Color: cnRed})
	cnInsert(t, tx, f.products, cnProduct{Name: "p2"})

	err := cnInsertRefused(t, tx, f.products, memrel.ErrUnique, cnProduct{Name: "p1", Color: cnRed, Price: 5})
	cnUniqueErr(t, err, memrel.UniqueError{Constraint: "name_color_uniq", Table: "cn_products",
		Row: cnNew("cn_products", nil), Conflict: cnRow("cn_products", p1.ID),
		Value:   cnNameColor{"p1", cnRed},
		RowData: cnProduct{Name: "p1", Color: cnRed, Price: 5}, ConflictData: p1})
	// With a caller-chosen key, the error names it.
	err = cnInsertRefused(t, tx, f.products, memrel.ErrUnique, cnProduct{ID: 50, Name: "p1", Color: cnRed})
	cnUniqueErr(t, err, memrel.UniqueError{Constraint: "name_color_uniq", Table: "cn_products",
		Row: cnNew("cn_products", int64(50)), Conflict: cnRow("cn_products", p1.ID),
		Value:   cnNameColor{"p1", cnRed},
		RowData: cnProduct{ID: 50, Name: "p1", Color: cnRed}, ConflictData: p1})

	// Rows with an empty value anywhere in the key never collide.
	cnInsert(t, tx, f.products, cnProduct{Name: "p2"})
	cnInsert(t, tx, f.products, cnProduct{Name: "p2"})
	cnInsert(t, tx, f.products, cnProduct{Name: "p1"})
	// A different value of either field does not collide.
	cnInsert(t, tx, f.products, cnProduct{Name: "p1", Color: cnBlue})
	p3 := cnInsert(t, tx, f.products, cnProduct{Name: "p3", Color: cnRed})
	if p3.ID != 7 {
		t.Errorf("p3 got key %d, want 7 (refused inserts use no key)", p3.ID)
	}
	// The empty string is a value, not an empty one.
	cnInsert(t, tx, f.products, cnProduct{Name: "", Color: memrel.Some("")})
	cnInsertRefused(t, tx, f.products, memrel.ErrUnique, cnProduct{Name: "", Color: memrel.Some("")})
	if n := f.products.Len(tx); n != 8 {
		t.Errorf("%d products, want 8", n)
	}
	cnInsert(t, tx, f.products, cnProduct{Name: "", Color: cnRed})
	finishTx(t, f.db, tx)
}

func TestS83_PartialUniqueWhere(t *testing.T) {
	f, tx := cnNewProducts(t)

	// Database: (p1, empty), (p2, empty), then (p1, empty) again.
	first := cnInsert(t, tx, f.cond, cnProduct{Name: "p1"})
	cnInsert(t, tx, f.cond, cnProduct{Name: "p2"})
	err := cnInsertRefused(t, tx, f.cond, memrel.ErrUnique, cnProduct{Name: "p1"})
	cnUniqueErr(t, err, memrel.UniqueError{Constraint: "name_without_color_uniq", Table: "cn_cond_products",
		Row: cnNew("cn_cond_products", nil), Conflict: cnRow("cn_cond_products", first.ID), Value: "p1",
		RowData: cnProduct{Name: "p1"}, ConflictData: first})

	// Rows outside the condition take no part.
	red := cnInsert(t, tx, f.cond, cnProduct{Name: "p1", Color: cnRed})
	cnInsert(t, tx, f.cond, cnProduct{Name: "p1", Color: cnBlue})
	cnInsert(t, tx, f.cond, cnProduct{Name: "p1", Color: cnRed})
	cnInsert(t, tx, f.cond, cnProduct{Name: "p2", Color: cnRed})
	cnInsertRefused(t, tx, f.cond, memrel.ErrUnique, cnProduct{Name: "p2"})

	// Moving a row into the condition where another row is: refused.
	moved := red
	moved.Color = memrel.None[string]()
	err = cnUpdateRefused(t, tx, f.cond, memrel.ErrUnique, moved)
	cnUniqueErr(t, err, memrel.UniqueError{Constraint: "name_without_color_uniq", Table: "cn_cond_products",
		Row: cnRow("cn_cond_products", red.ID), Conflict: cnRow("cn_cond_products", first.ID), Value: "p1",
		RowData: moved, ConflictData: first})
	// Moving the first out, then the other in: accepted.
	out := first
	out.Color = cnBlue
	_, err = f.cond.Update(tx, out)
	mustOK(t, err)
	_, err = f.cond.Update(tx, moved)
	mustOK(t, err)
	// The row inside the condition keeps its own value: no conflict with itself.
	_, err = f.cond.Modify(tx, red.ID, func(p *cnProduct) error { p.Price = 10; return nil })
	mustOK(t, err)
	finishTx(t, f.db, tx)
}

// S84 action 3 and the update rules: an update that keeps the row's value
// does not collide with the row itself; one that would collide is refused
// and the row keeps its old value.
func TestS84_UniqueUpdate(t *testing.T) {
	f, tx := cnNewProducts(t)
	p1 := cnInsert(t, tx, f.products, cnProduct{Name: "p1", Color: cnRed})
	p2 := cnInsert(t, tx, f.products, cnProduct{Name: "p2"})
	p4 := cnInsert(t, tx, f.products, cnProduct{Name: "p1", Color: cnBlue})

	same := p1
	same.Price = 99
	_, err := f.products.Update(tx, same)
	mustOK(t, err)
	_, err = f.products.Update(tx, same) // unchanged entirely
	mustOK(t, err)

	collide := p4
	collide.Color = cnRed
	err = cnUpdateRefused(t, tx, f.products, memrel.ErrUnique, collide)
	cnUniqueErr(t, err, memrel.UniqueError{Constraint: "name_color_uniq", Table: "cn_products",
		Row: cnRow("cn_products", p4.ID), Conflict: cnRow("cn_products", p1.ID), Value: cnNameColor{"p1", cnRed},
		RowData: collide, ConflictData: same})
	// Giving the empty value a value that is taken.
	filled := p2
	filled.Name, filled.Color = "p1", cnBlue
	cnUpdateRefused(t, tx, f.products, memrel.ErrUnique, filled)
	// Modify: the same rules, and the row is kept on refusal.
	refused(t, tx, memrel.ErrUnique, func() error {
		_, err := f.products.Modify(tx, p2.ID, func(p *cnProduct) error { p.Name, p.Color = "p1", cnRed; return nil })
		return err
	})
	// Swapping values through a free one works.
	_, err = f.products.Modify(tx, p4.ID, func(p *cnProduct) error { p.Color = memrel.Some("green"); return nil })
	mustOK(t, err)
	_, err = f.products.Modify(tx, p1.ID, func(p *cnProduct) error { p.Color = cnBlue; return nil })
	mustOK(t, err)
	_, err = f.products.Modify(tx, p4.ID, func(p *cnProduct) error { p.Color = cnRed; return nil })
	mustOK(t, err)
	// The old value of an updated row is free again.
	cnInsert(t, tx, f.products, cnProduct{Name: "p1", Color: memrel.Some("green")})
	finishTx(t, f.db, tx)
}

// S85: memrel has no nulls_distinct option; a key that carries the
// emptiness as a plain field (not a Null) makes empty values equal.
func TestS85_NullsNotDistinctThroughPlainKey(t *testing.T) {
	type priced struct {
		ID    int64
		Price memrel.Null[int64]
	}
	type priceKey struct {
		Set   bool
		Price int64
	}
	tbl := memrel.NewTable("cn_priced", func(p *priced) *int64 { return &p.ID })
	db := openDB(t, memrel.Schema{
		Tables: []memrel.AnyTable{tbl},
		Constraints: []memrel.Constraint{memrel.UniqueFunc(tbl, "price_uniq_nulls_equal", func(p *priced) priceKey {
			return priceKey{p.Price.Valid, p.Price.V}
		})},
	})
	tx := beginTx(t, db)
	cnInsert(t, tx, tbl, priced{Price: memrel.Some[int64](42)})
	empty := cnInsert(t, tx, tbl, priced{})
	err := cnInsertRefused(t, tx, tbl, memrel.ErrUnique, priced{})
	cnUniqueErr(t, err, memrel.UniqueError{Constraint: "price_uniq_nulls_equal", Table: "cn_priced",
		Row: cnNew("cn_priced", nil), Conflict: cnRow("cn_priced", empty.ID), Value: priceKey{},
		RowData: priced{}, ConflictData: empty})
	cnInsertRefused(t, tx, tbl, memrel.ErrUnique, priced{Price: memrel.Some[int64](42)})
	cnInsert(t, tx, tbl, priced{Price: memrel.Some[int64](0)}) // 0 is not empty
	finishTx(t, db, tx)
}

// S86: a condition on an empty value is not satisfied.
func TestS86_UniqueConditionOnEmptyValue(t *testing.T) {
	type aged struct {
		ID   int64
		Name string
		Age  memrel.Null[int64]
	}
	tbl := memrel.NewTable("cn_aged", func(p *aged) *int64 { return &p.ID })
	db := openDB(t, memrel.Schema{
		Tables: []memrel.AnyTable{tbl},
		Constraints: []memrel.Constraint{memrel.UniqueFunc(tbl, "name_age_gt_0_uniq", func(p *aged) string { return p.Name }).
			Where(func(p *aged) bool { return p.Age.Valid && p.Age.V > 0 })},
	})
	tx := beginTx(t, db)
	cnInsert(t, tx, tbl, aged{Name: "Product", Age: memrel.Some[int64](42)})
	cnInsert(t, tx, tbl, aged{Name: "Product"})
	cnInsert(t, tx, tbl, aged{Name: "Product"})
	cnInsert(t, tx, tbl, aged{Name: "Product", Age: memrel.Some[int64](0)})
	cnInsertRefused(t, tx, tbl, memrel.ErrUnique, aged{Name: "Product", Age: memrel.Some[int64](1)})
	cnInsert(t, tx, tbl, aged{Name: "Other", Age: memrel.Some[int64](1)})
	finishTx(t, db, tx)
}

// S87: a check across two fields, on insert and update.
func TestS87_CheckConstraint(t *testing.T) {
	type discounted struct {
		ID              int64
		Price           int64
		DiscountedPrice int64
	}
	tbl := memrel.NewTable("cn_discounted", func(p *discounted) *int64 { return &p.ID })
	db := openDB(t, memrel.Schema{
		Tables: []memrel.AnyTable{tbl},
		Constraints: []memrel.Constraint{memrel.Check(tbl, "price_gt_discounted_price",
			func(p *discounted) bool { return p.Price > p.DiscountedPrice })},
	})
	tx := beginTx(t, db)
	err := cnInsertRefused(t, tx, tbl, memrel.ErrCheck, discounted{Price: 10, DiscountedPrice: 20})
	cnCheckErr(t, err, memrel.CheckError{Constraint: "price_gt_discounted_price", Table: "cn_discounted", Row: cnNew("cn_discounted", nil),
		RowData: discounted{Price: 10, DiscountedPrice: 20}})
	cnInsertRefused(t, tx, tbl, memrel.ErrCheck, discounted{Price: 10, DiscountedPrice: 10})
	ok := cnInsert(t, tx, tbl, discounted{Price: 10, DiscountedPrice: 5})
	if ok.ID != 1 {
		t.Errorf("first accepted row got key %d, want 1", ok.ID)
	}
	bad := ok
	bad.DiscountedPrice = 42
	err = cnUpdateRefused(t, tx, tbl, memrel.ErrCheck, bad)
	cnCheckErr(t, err, memrel.CheckError{Constraint: "price_gt_discounted_price", Table: "cn_discounted", Row: cnRow("cn_discounted", ok.ID),
		RowData: bad})
	mustOK(t, cnIns(tbl.Modify(tx, ok.ID, func(p *discounted) error { p.DiscountedPrice = 9; return nil })))
	finishTx(t, db, tx)
}

// cnIns drops the row of a (row, error) result.
func cnIns[T any](_ T, err error) error { return err }

// S88: a check decides for itself what an empty value means; Django's SQL
// semantics (NULL passes) is written as such.
func TestS88_CheckOnEmptyValue(t *testing.T) {
	type nprice struct {
		ID    int64
		Price memrel.Null[int64]
	}
	tbl := memrel.NewTable("cn_nprice", func(p *nprice) *int64 { return &p.ID })
	db := openDB(t, memrel.Schema{
		Tables: []memrel.AnyTable{tbl},
		Constraints: []memrel.Constraint{memrel.Check(tbl, "price_gte_0_or_null",
			func(p *nprice) bool { return !p.Price.Valid || p.Price.V >= 0 })},
	})
	tx := beginTx(t, db)
	cnInsert(t, tx, tbl, nprice{})
	cnInsertRefused(t, tx, tbl, memrel.ErrCheck, nprice{Price: memrel.Some[int64](-1)})
	cnInsert(t, tx, tbl, nprice{Price: memrel.Some[int64](0)})
	finishTx(t, db, tx)
}

// S89: a check on the primary key (Django's ~Q(pk=F("age"))), the analogue
// of the self-follow check.
func TestS89_CheckOnPrimaryKey(t *testing.T) {
	type person struct {
		ID  int64
		Age int64
	}
	tbl := memrel.NewTable("cn_people", func(p *person) *int64 { return &p.ID })
	db := openDB(t, memrel.Schema{
		Tables:      []memrel.AnyTable{tbl},
		Constraints: []memrel.Constraint{memrel.Check(tbl, "pk_not_age_check", func(p *person) bool { return p.ID != p.Age })},
	})
	tx := beginTx(t, db)
	cnInsert(t, tx, tbl, person{ID: 1, Age: 2})
	err := cnInsertRefused(t, tx, tbl, memrel.ErrCheck, person{ID: 3, Age: 3})
	cnCheckErr(t, err, memrel.CheckError{Constraint: "pk_not_age_check", Table: "cn_people", Row: cnNew("cn_people", int64(3)),
		RowData: person{ID: 3, Age: 3}})
	cnUpdateRefused(t, tx, tbl, memrel.ErrCheck, person{ID: 1, Age: 1})

	// A key from the sequence: the row stored must satisfy the check too.
	// The sequence's next key is 2, so (2, 2) must be refused.
	before := tx.Dump()
	row, err := tbl.Insert(tx, person{Age: 2})
	if !errors.Is(err, memrel.ErrCheck) {
		t.Errorf("insert with a sequence key equal to Age: stored %+v, err %v; want ErrCheck (the stored row violates pk_not_age_check)", row, err)
		if cerr := tx.Check(); cerr != nil {
			t.Logf("tx.Check now reports: %v", cerr)
		}
		// Undo it by hand so that the rest of the test runs on a valid state.
		if err == nil {
			mustOK(t, cnIns(tbl.Delete(tx, row.ID)))
		}
	} else if tx.Dump() != before {
		t.Errorf("refused insert changed the state")
	}
	got := cnInsert(t, tx, tbl, person{Age: 40})
	if got.ID == 40 {
		t.Errorf("row (40, 40) stored")
	}
	finishTx(t, db, tx)
}

// ---------------------------------------------------------------------------
// Check constraints on insert and update: price >= 0, quantity >= 1 (seed
// domain 2).

func TestCheckConstraintsInsertAndUpdate(t *testing.T) {
	type product struct {
		ID         int64
		Name       string
		SKU        string
		PriceCents int64
	}
	type item struct {
		ID        int64
		ProductID int64
		Quantity  int
	}
	products := memrel.NewTable("products", func(p *product) *int64 { return &p.ID })
	items := memrel.NewTable("order_items", func(i *item) *int64 { return &i.ID }).
		Defaults(func(i *item) {
			if i.Quantity == 0 {
				i.Quantity = 1
			}
		})
	itemProduct := memrel.ForeignKey(items, func(i *item) *int64 { return &i.ProductID }, products, memrel.Protect).Related("order_items")
	db := openDB(t, memrel.Schema{
		Tables:    []memrel.AnyTable{products, items},
		Relations: []memrel.Relation{itemProduct},
		Constraints: []memrel.Constraint{
			memrel.UniqueFunc(products, "uniq_sku", func(p *product) string { return p.SKU }),
			memrel.Check(products, "price_cents_gte_0", func(p *product) bool { return p.PriceCents >= 0 }),
			memrel.Check(items, "quantity_gte_1", func(i *item) bool { return i.Quantity >= 1 }),
		},
	})
	tx := beginTx(t, db)

	err := cnInsertRefused(t, tx, products, memrel.ErrCheck, product{Name: "pen", SKU: "P1", PriceCents: -1})
	cnCheckErr(t, err, memrel.CheckError{Constraint: "price_cents_gte_0", Table: "products", Row: cnNew("products", nil),
		RowData: product{Name: "pen", SKU: "P1", PriceCents: -1}})
	pen := cnInsert(t, tx, products, product{Name: "pen", SKU: "P1", PriceCents: 0})
	if pen.ID != 1 {
		t.Errorf("pen got key %d, want 1", pen.ID)
	}

	// Quantity: the Defaults fill an empty one; an explicit bad one is refused.
	one := cnInsert(t, tx, items, item{ProductID: pen.ID})
	if one.Quantity != 1 {
		t.Errorf("quantity defaulted to %d, want 1", one.Quantity)
	}
	err = cnInsertRefused(t, tx, items, memrel.ErrCheck, item{ProductID: pen.ID, Quantity: -3})
	cnCheckErr(t, err, memrel.CheckError{Constraint: "quantity_gte_1", Table: "order_items", Row: cnNew("order_items", nil),
		RowData: item{ProductID: pen.ID, Quantity: -3}})
	// A check fails before the foreign key is looked at.
	cnInsertRefused(t, tx, items, memrel.ErrCheck, item{ProductID: 404, Quantity: -1})
	cnInsertRefused(t, tx, items, memrel.ErrForeignKey, item{ProductID: 404, Quantity: 2})

	// Updates: a failing check leaves the row as it was.
	bad := pen
	bad.PriceCents = -100
	err = cnUpdateRefused(t, tx, products, memrel.ErrCheck, bad)
	cnCheckErr(t, err, memrel.CheckError{Constraint: "price_cents_gte_0", Table: "products", Row: cnRow("products", pen.ID),
		RowData: bad})
	zero := one
	zero.Quantity = 0
	err = cnUpdateRefused(t, tx, items, memrel.ErrCheck, zero)
	cnCheckErr(t, err, memrel.CheckError{Constraint: "quantity_gte_1", Table: "order_items", Row: cnRow("order_items", one.ID),
		RowData: zero})
	refused(t, tx, memrel.ErrCheck, func() error {
		return cnIns(items.Modify(tx, one.ID, func(i *item) error { i.Quantity = -1; return nil }))
	})
	// A row failing several constraints names one of them.
	err = cnInsertRefused(t, tx, products, memrel.ErrCheck, product{Name: "dup", SKU: "P1", PriceCents: -5})
	var ce *memrel.CheckError
	if !errors.As(err, &ce) || ce.Constraint != "price_cents_gte_0" {
		t.Errorf("refused for %v, want the check", err)
	}
	cnInsertRefused(t, tx, products, memrel.ErrUnique, product{Name: "dup", SKU: "P1", PriceCents: 5})

	// Valid writes after the refusals.
	mustOK(t, cnIns(items.Modify(tx, one.ID, func(i *item) error { i.Quantity = 3; return nil })))
	mustOK(t, cnIns(products.Modify(tx, pen.ID, func(p *product) error { p.PriceCents = 250; return nil })))
	cnInsert(t, tx, items, item{ProductID: pen.ID, Quantity: 2})
	finishTx(t, db, tx)
}

// ---------------------------------------------------------------------------
// Seed domain 5: at most one active subscription per user.

func TestUniqueOneActiveSubscription(t *testing.T) {
	type user struct {
		ID   int64
		Name string
	}
	type plan struct {
		ID         int64
		Name       string
		PriceCents int64
		Interval   string
	}
	type subscription struct {
		ID        int64
		UserID    int64
		PlanID    int64
		StartedAt time.Time
		EndedAt   memrel.Null[time.Time]
	}
	users := memrel.NewTable("users", func(r *user) *int64 { return &r.ID })
	plans := memrel.NewTable("plans", func(r *plan) *int64 { return &r.ID })
	subs := memrel.NewTable("subscriptions", func(r *subscription) *int64 { return &r.ID })
	subUser := memrel.ForeignKey(subs, func(r *subscription) *int64 { return &r.UserID }, users, memrel.Cascade).Related("subscriptions")
	subPlan := memrel.ForeignKey(subs, func(r *subscription) *int64 { return &r.PlanID }, plans, memrel.Protect).Related("subscriptions")
	db := openDB(t, memrel.Schema{
		Tables:    []memrel.AnyTable{users, plans, subs},
		Relations: []memrel.Relation{subUser, subPlan},
		Constraints: []memrel.Constraint{
			memrel.Check(plans, "plan_interval_valid", func(p *plan) bool { return p.Interval == "month" || p.Interval == "year" }),
			memrel.UniqueFunc(subs, "one_active_per_user", func(s *subscription) int64 { return s.UserID }).
				Where(func(s *subscription) bool { return !s.EndedAt.Valid }),
		},
	})
	tx := beginTx(t, db)
	day := func(d int) time.Time { return time.Date(2024, 3, d, 0, 0, 0, 0, time.UTC) }
	ann := cnInsert(t, tx, users, user{Name: "ann"})
	bob := cnInsert(t, tx, users, user{Name: "bob"})
	basic := cnInsert(t, tx, plans, plan{Name: "basic", PriceCents: 500, Interval: "month"})
	pro := cnInsert(t, tx, plans, plan{Name: "pro", PriceCents: 5000, Interval: "year"})
	cnInsertRefused(t, tx, plans, memrel.ErrCheck, plan{Name: "weekly", Interval: "week"})

	s1 := cnInsert(t, tx, subs, subscription{UserID: ann.ID, PlanID: basic.ID, StartedAt: day(1)})
	err := cnInsertRefused(t, tx, subs, memrel.ErrUnique, subscription{UserID: ann.ID, PlanID: pro.ID, StartedAt: day(2)})
	cnUniqueErr(t, err, memrel.UniqueError{Constraint: "one_active_per_user", Table: "subscriptions",
		Row: cnNew("subscriptions", nil), Conflict: cnRow("subscriptions", s1.ID), Value: ann.ID,
		RowData: subscription{UserID: ann.ID, PlanID: pro.ID, StartedAt: day(2)}, ConflictData: s1})
	s2 := cnInsert(t, tx, subs, subscription{UserID: bob.ID, PlanID: basic.ID, StartedAt: day(2)})
	// A past subscription takes no part.
	cnInsert(t, tx, subs, subscription{UserID: ann.ID, PlanID: pro.ID, StartedAt: day(1), EndedAt: memrel.Some(day(1))})

	// Upgrade: end the old one, then start the new one.
	mustOK(t, cnIns(subs.Modify(tx, s1.ID, func(s *subscription) error { s.EndedAt = memrel.Some(day(3)); return nil })))
	s3 := cnInsert(t, tx, subs, subscription{UserID: ann.ID, PlanID: pro.ID, StartedAt: day(3)})
	if n := subUser.Count(tx, ann.ID); n != 3 {
		t.Errorf("ann has %d subscriptions, want 3 (history kept)", n)
	}
	// Reopening the old one collides with the new one; it stays ended.
	reopened, _ := subs.Get(tx, s1.ID)
	reopened.EndedAt = memrel.None[time.Time]()
	err = cnUpdateRefused(t, tx, subs, memrel.ErrUnique, reopened)
	cnUniqueErr(t, err, memrel.UniqueError{Constraint: "one_active_per_user", Table: "subscriptions",
		Row: cnRow("subscriptions", s1.ID), Conflict: cnRow("subscriptions", s3.ID), Value: ann.ID,
		RowData: reopened, ConflictData: s3})
	// The active one keeps its own value: no conflict with itself.
	mustOK(t, cnIns(subs.Modify(tx, s3.ID, func(s *subscription) error { s.PlanID = basic.ID; return nil })))
	// Moving bob's active subscription to ann collides.
	refused(t, tx, memrel.ErrUnique, func() error {
		return cnIns(subs.Modify(tx, s2.ID, func(s *subscription) error { s.UserID = ann.ID; return nil }))
	})
	// A plan in use cannot be deleted.
	refused(t, tx, memrel.ErrProtected, func() error { return cnIns(plans.Delete(tx, basic.ID)) })
	// Deleting the user deletes the history.
	res, err := users.Delete(tx, ann.ID)
	mustOK(t, err)
	if !reflect.DeepEqual(res.Deleted, map[string]int{"users": 1, "subscriptions": 3}) {
		t.Errorf("delete ann: %v", res)
	}
	finishTx(t, db, tx)
}

// ---------------------------------------------------------------------------
// Seed domain 6: social profiles, followers through follows.

type cnUser struct {
	ID       int64
	Username string
}

type cnProfile struct {
	ID     int64
	UserID int64
	Bio    string
}

type cnFollow struct {
	ID         int64
	FollowerID int64
	FollowedID int64
	CreatedAt  time.Time
}

var cnCreated = time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)

type cnSocial struct {
	db        *memrel.DB
	users     *memrel.Table[cnUser, int64]
	profiles  *memrel.Table[cnProfile, int64]
	follows   *memrel.Table[cnFollow, int64]
	followers *memrel.M2M[cnProfile, int64, cnProfile, int64, cnFollow, int64]
}

const cnAnn, cnBob, cnCid int64 = 1, 2, 3

func cnNewSocial(t *testing.T) (*cnSocial, *memrel.Tx) {
	t.Helper()
	f := &cnSocial{
		users:    memrel.NewTable("users", func(r *cnUser) *int64 { return &r.ID }),
		profiles: memrel.NewTable("social_profiles", func(r *cnProfile) *int64 { return &r.ID }),
		follows: memrel.NewTable("follows", func(r *cnFollow) *int64 { return &r.ID }).
			Defaults(func(r *cnFollow) {
				if r.CreatedAt.IsZero() {
					r.CreatedAt = cnCreated
				}
			}),
	}
	profileUser := memrel.OneToOne(f.profiles, func(r *cnProfile) *int64 { return &r.UserID }, f.users, memrel.Cascade).Related("social_profile")
	follower := memrel.ForeignKey(f.follows, func(r *cnFollow) *int64 { return &r.FollowerID }, f.profiles, memrel.Cascade).Related("follows_out")
	followed := memrel.ForeignKey(f.follows, func(r *cnFollow) *int64 { return &r.FollowedID }, f.profiles, memrel.Cascade).Related("follows_in")
	// profile.followers: the profiles that follow it; reverse "following".
	f.followers = memrel.ManyToManyThrough(f.follows, "followers", followed, follower).Related("following")
	f.db = openDB(t, memrel.Schema{
		Tables:    []memrel.AnyTable{f.users, f.profiles, f.follows},
		Relations: []memrel.Relation{profileUser, follower, followed, f.followers},
		Constraints: []memrel.Constraint{
			memrel.Check(f.profiles, "bio_max_160", func(p *cnProfile) bool { return utf8.RuneCountInString(p.Bio) <= 160 }),
			memrel.UniqueFunc(f.follows, "uniq_follow_pair", func(r *cnFollow) [2]int64 { return [2]int64{r.FollowerID, r.FollowedID} }),
			memrel.Check(f.follows, "prevent_self_follow", func(r *cnFollow) bool { return r.FollowerID != r.FollowedID }),
		},
	})
	tx := beginTx(t, f.db)
	for i, name := range []string{"ann", "bob", "cid"} {
		id := int64(i + 1)
		cnInsert(t, tx, f.users, cnUser{ID: id, Username: name})
		cnInsert(t, tx, f.profiles, cnProfile{ID: id, UserID: id, Bio: "I am " + name})
	}
	return f, tx
}

func (f *cnSocial) list(tx *memrel.Tx, side *memrel.M2MSide[cnProfile, int64, cnProfile, int64, cnFollow, int64], p int64) []int64 {
	var out []int64
	for r := range side.List(tx, p) {
		out = append(out, r.ID)
	}
	return out
}

func TestFollowSelfAndDuplicateRefused(t *testing.T) {
	f, tx := cnNewSocial(t)
	mustOK(t, cnIns(f.followers.Add(tx, cnAnn, cnBob)))           // bob follows ann
	mustOK(t, cnIns(f.followers.Reverse().Add(tx, cnCid, cnAnn))) // cid follows ann
	var bobAnn int64
	for r := range f.follows.All(tx) {
		if r.FollowerID == cnBob && r.FollowedID == cnAnn {
			bobAnn = r.ID
		}
		if r.CreatedAt != cnCreated {
			t.Errorf("follow %+v: CreatedAt not set by Defaults", r)
		}
	}
	if got := f.list(tx, f.followers.M2MSide, cnAnn); !slices.Equal(got, []int64{cnBob, cnCid}) {
		t.Errorf("ann.followers = %v", got)
	}
	if got := f.list(tx, f.followers.Reverse(), cnCid); !slices.Equal(got, []int64{cnAnn}) {
		t.Errorf("cid.following = %v", got)
	}

	// A self-follow, through the relation from either side or directly.
	err := refused(t, tx, memrel.ErrCheck, func() error { return cnIns(f.followers.Add(tx, cnAnn, cnAnn)) })
	cnCheckErr(t, err, memrel.CheckError{Constraint: "prevent_self_follow", Table: "follows", Row: cnNew("follows", nil),
		RowData: cnFollow{FollowerID: cnAnn, FollowedID: cnAnn, CreatedAt: cnCreated}})
	refused(t, tx, memrel.ErrCheck, func() error { return cnIns(f.followers.Reverse().Add(tx, cnBob, cnCid, cnBob)) })
	err = cnInsertRefused(t, tx, f.follows, memrel.ErrCheck, cnFollow{ID: 10, FollowerID: cnBob, FollowedID: cnBob})
	cnCheckErr(t, err, memrel.CheckError{Constraint: "prevent_self_follow", Table: "follows", Row: cnNew("follows", int64(10)),
		RowData: cnFollow{ID: 10, FollowerID: cnBob, FollowedID: cnBob, CreatedAt: cnCreated}})
	if !strings.Contains(err.Error(), "prevent_self_follow") {
		t.Errorf("message %q does not name the constraint", err)
	}

	// A duplicate follow: the relation skips it, a direct insert is refused.
	before := tx.Dump()
	mustOK(t, cnIns(f.followers.Add(tx, cnAnn, cnBob)))
	if tx.Dump() != before {
		t.Errorf("re-adding an existing follow changed the state")
	}
	err = cnInsertRefused(t, tx, f.follows, memrel.ErrUnique, cnFollow{ID: 11, FollowerID: cnBob, FollowedID: cnAnn})
	cnUniqueErr(t, err, memrel.UniqueError{Constraint: "uniq_follow_pair", Table: "follows",
		Row: cnNew("follows", int64(11)), Conflict: cnRow("follows", bobAnn), Value: [2]int64{cnBob, cnAnn},
		RowData:      cnFollow{ID: 11, FollowerID: cnBob, FollowedID: cnAnn, CreatedAt: cnCreated},
		ConflictData: cnFollow{ID: bobAnn, FollowerID: cnBob, FollowedID: cnAnn, CreatedAt: cnCreated}})
	err = cnInsertRefused(t, tx, f.follows, memrel.ErrUnique, cnFollow{FollowerID: cnBob, FollowedID: cnAnn})
	cnUniqueErr(t, err, memrel.UniqueError{Constraint: "uniq_follow_pair", Table: "follows",
		Row: cnNew("follows", nil), Conflict: cnRow("follows", bobAnn), Value: [2]int64{cnBob, cnAnn},
		RowData:      cnFollow{FollowerID: cnBob, FollowedID: cnAnn, CreatedAt: cnCreated},
		ConflictData: cnFollow{ID: bobAnn, FollowerID: cnBob, FollowedID: cnAnn, CreatedAt: cnCreated}})

	// Updates that would self-follow or duplicate are refused; the row stays.
	row, _ := f.follows.Get(tx, bobAnn)
	self := row
	self.FollowedID = cnBob
	err = cnUpdateRefused(t, tx, f.follows, memrel.ErrCheck, self)
	cnCheckErr(t, err, memrel.CheckError{Constraint: "prevent_self_follow", Table: "follows", Row: cnRow("follows", bobAnn),
		RowData: self})
	dup := row
	dup.FollowerID = cnCid
	err = cnUpdateRefused(t, tx, f.follows, memrel.ErrUnique, dup)
	var ue *memrel.UniqueError
	if !errors.As(err, &ue) || ue.Constraint != "uniq_follow_pair" || ue.Row != cnRow("follows", bobAnn) ||
		ue.Value != [2]int64{cnCid, cnAnn} {
		t.Errorf("UniqueError = %+v", ue)
	}

	// Valid follows after the refusals.
	mustOK(t, cnIns(f.followers.Add(tx, cnBob, cnAnn))) // ann follows bob
	if got := f.list(tx, f.followers.M2MSide, cnBob); !slices.Equal(got, []int64{cnAnn}) {
		t.Errorf("bob.followers = %v", got)
	}
	mustOK(t, cnIns(f.follows.Modify(tx, bobAnn, func(r *cnFollow) error { r.CreatedAt = cnCreated.Add(time.Hour); return nil })))

	// Deleting a user deletes the profile and its follows both ways.
	res, err := f.users.Delete(tx, cnAnn)
	mustOK(t, err)
	if !reflect.DeepEqual(res.Deleted, map[string]int{"users": 1, "social_profiles": 1, "follows": 3}) {
		t.Errorf("delete ann: %v", res)
	}
	if got := f.list(tx, f.followers.M2MSide, cnBob); len(got) != 0 {
		t.Errorf("bob.followers = %v", got)
	}
	finishTx(t, f.db, tx)
}

func TestCheckBioLength(t *testing.T) {
	f, tx := cnNewSocial(t)
	cnInsert(t, tx, f.users, cnUser{ID: 4, Username: "dee"})
	long := strings.Repeat("é", 161)
	err := cnInsertRefused(t, tx, f.profiles, memrel.ErrCheck, cnProfile{ID: 4, UserID: 4, Bio: long})
	cnCheckErr(t, err, memrel.CheckError{Constraint: "bio_max_160", Table: "social_profiles", Row: cnNew("social_profiles", int64(4)),
		RowData: cnProfile{ID: 4, UserID: 4, Bio: long}})
	// 160 characters pass, though they take 320 bytes.
	p := cnInsert(t, tx, f.profiles, cnProfile{ID: 4, UserID: 4, Bio: long[:len(long)-len("é")]})
	if utf8.RuneCountInString(p.Bio) != 160 {
		t.Fatalf("bio has %d characters", utf8.RuneCountInString(p.Bio))
	}
	bad := p
	bad.Bio += "!"
	err = cnUpdateRefused(t, tx, f.profiles, memrel.ErrCheck, bad)
	cnCheckErr(t, err, memrel.CheckError{Constraint: "bio_max_160", Table: "social_profiles", Row: cnRow("social_profiles", int64(4)),
		RowData: bad})
	refused(t, tx, memrel.ErrCheck, func() error {
		return cnIns(f.profiles.Modify(tx, cnAnn, func(r *cnProfile) error { r.Bio = strings.Repeat("x", 161); return nil }))
	})
	mustOK(t, cnIns(f.profiles.Modify(tx, cnAnn, func(r *cnProfile) error { r.Bio = strings.Repeat("x", 160); return nil })))
	finishTx(t, f.db, tx)
}

// ---------------------------------------------------------------------------
// Open validation (§6) for constraints.

type cnA struct {
	ID   int64
	Name string
	Tags []int
}

type cnB struct {
	ID   int64
	Code string
}

func TestConstraintOpenDuplicateNames(t *testing.T) {
	// Each case declares its constraints on tables of its own: a constraint
	// belongs to its table, and every DB that holds the table enforces it.
	var as *memrel.Table[cnA, int64]
	var bs *memrel.Table[cnB, int64]
	tables := func() []memrel.AnyTable {
		as = memrel.NewTable("cn_a", func(r *cnA) *int64 { return &r.ID })
		bs = memrel.NewTable("cn_b", func(r *cnB) *int64 { return &r.ID })
		return []memrel.AnyTable{as, bs}
	}
	uniqA := func(name string) memrel.Constraint {
		return memrel.UniqueFunc(as, name, func(r *cnA) string { return r.Name })
	}
	checkB := func(name string) memrel.Constraint {
		return memrel.Check(bs, name, func(r *cnB) bool { return r.Code != "" })
	}
	// models.E032: across tables.
	ts := tables()
	schemaErr(t, memrel.Schema{Tables: ts, Constraints: []memrel.Constraint{uniqA("dup"), checkB("dup")}},
		"two constraints are named dup")
	ts = tables()
	schemaErr(t, memrel.Schema{Tables: ts, Constraints: []memrel.Constraint{
		memrel.UniqueFunc(bs, "dup", func(r *cnB) string { return r.Code }), uniqA("dup")}}, "dup")
	// models.E031: within one table.
	ts = tables()
	schemaErr(t, memrel.Schema{Tables: ts, Constraints: []memrel.Constraint{uniqA("dup"), uniqA("dup")}}, "dup")
	ts = tables()
	schemaErr(t, memrel.Schema{Tables: ts, Constraints: []memrel.Constraint{checkB("dup"), checkB("dup")}}, "dup")
	// Declared twice on its table, even when listed once or not at all.
	ts = tables()
	uniqA("dup")
	schemaErr(t, memrel.Schema{Tables: ts, Constraints: []memrel.Constraint{uniqA("dup")}}, "dup")
	ts = tables()
	checkB("dup")
	checkB("dup")
	schemaErr(t, memrel.Schema{Tables: ts}, "two constraints are named dup")
	// The same constraint listed twice.
	ts = tables()
	c := uniqA("once")
	schemaErr(t, memrel.Schema{Tables: ts, Constraints: []memrel.Constraint{c, c}}, "once")
	// Distinct names open.
	ts = tables()
	if _, err := memrel.Open(memrel.Schema{Tables: ts, Constraints: []memrel.Constraint{uniqA("u1"), checkB("c1")}}); err != nil {
		t.Errorf("Open with distinct names: %v", err)
	}
}

func TestConstraintOpenUniqueOverUnindexableType(t *testing.T) {
	as := memrel.NewTable("cn_a", func(r *cnA) *int64 { return &r.ID })
	type withSlice struct {
		Name string
		Tags []int
	}
	cases := []struct {
		name string
		c    memrel.Constraint
	}{
		{"slice", memrel.UniqueFunc(as, "uniq_tags", func(r *cnA) []int { return r.Tags })},
		{"struct with a slice", memrel.UniqueFunc(as, "uniq_name_tags", func(r *cnA) withSlice { return withSlice{r.Name, r.Tags} })},
		{"map", memrel.UniqueFunc(as, "uniq_map", func(r *cnA) map[string]int { return nil })},
		{"pointer", memrel.UniqueFunc(as, "uniq_ptr", func(r *cnA) *string { return &r.Name })},
		{"empty struct", memrel.UniqueFunc(as, "uniq_nothing", func(r *cnA) struct{} { return struct{}{} })},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			schemaErr(t, memrel.Schema{Tables: []memrel.AnyTable{as}, Constraints: []memrel.Constraint{c.c}},
				c.c.(interface{ Name() string }).Name(), "cannot be indexed")
		})
	}
}

func TestConstraintOpenOtherProblems(t *testing.T) {
	as := memrel.NewTable("cn_a", func(r *cnA) *int64 { return &r.ID })
	stray := memrel.NewTable("cn_stray", func(r *cnB) *int64 { return &r.ID })
	tables := []memrel.AnyTable{as}
	for _, c := range []struct {
		name  string
		c     memrel.Constraint
		parts []string
	}{
		{"unique on a table not in the schema", memrel.UniqueFunc(stray, "uniq_code", func(r *cnB) string { return r.Code }), []string{"uniq_code", "cn_stray"}},
		{"check on a table not in the schema", memrel.Check(stray, "code_set", func(r *cnB) bool { return r.Code != "" }), []string{"code_set", "cn_stray"}},
		{"nil table", memrel.UniqueFunc[cnA, int64, string](nil, "uniq_nil", func(r *cnA) string { return r.Name }), []string{"uniq_nil"}},
		{"nil key function", memrel.UniqueFunc[cnA, int64, string](as, "uniq_nokey", nil), []string{"uniq_nokey"}},
		{"nil predicate", memrel.Check(as, "check_nopred", nil), []string{"check_nopred"}},
		{"name not an identifier", memrel.Check(as, "bad name", func(r *cnA) bool { return true }), []string{"bad name"}},
		{"empty name", memrel.UniqueFunc(as, "", func(r *cnA) string { return r.Name }), []string{"constraint"}},
		{"nil constraint", nil, []string{"nil"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			schemaErr(t, memrel.Schema{Tables: tables, Constraints: []memrel.Constraint{c.c}}, c.parts...)
		})
	}
}

func TestConstraintOpenReportsEveryProblem(t *testing.T) {
	as := memrel.NewTable("cn_a", func(r *cnA) *int64 { return &r.ID })
	bs := memrel.NewTable("cn_b", func(r *cnB) *int64 { return &r.ID })
	stray := memrel.NewTable("cn_stray", func(r *cnB) *int64 { return &r.ID })
	err := schemaErr(t, memrel.Schema{
		Tables: []memrel.AnyTable{as, bs},
		Constraints: []memrel.Constraint{
			memrel.UniqueFunc(as, "dup", func(r *cnA) string { return r.Name }),
			memrel.Check(bs, "dup", func(r *cnB) bool { return true }),
			memrel.UniqueFunc(as, "uniq_tags", func(r *cnA) []int { return r.Tags }),
			memrel.Check(stray, "stray_check", func(r *cnB) bool { return true }),
			memrel.Check(as, "not-an-identifier", func(r *cnA) bool { return true }),
		},
	}, "dup", "uniq_tags", "stray_check", "not-an-identifier")
	leaves := leaves(err)
	if len(leaves) != 4 {
		t.Errorf("%d errors reported, want 4: %v", len(leaves), err)
	}
	for _, e := range leaves {
		if !errors.Is(e, memrel.ErrSchema) {
			t.Errorf("error %v is not ErrSchema", e)
		}
	}
}
