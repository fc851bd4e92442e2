package relations_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/memrel-go/memrel"
)

// SET(None) and db_constraint=False.

type opLocation struct{ ID int64 }

type opItem struct {
	ID         int64
	LocationID memrel.Null[int64] // SET(None)
	ValueID    int64              // SET(42), db_constraint=False (S39)
}

type opProfile struct {
	ID     int64
	UserID memrel.Null[int64]
}

func TestSetToNull(t *testing.T) {
	locs := memrel.NewTable("op_locations", func(l *opLocation) *int64 { return &l.ID })
	items := memrel.NewTable("op_items", func(i *opItem) *int64 { return &i.ID })
	loc := memrel.ForeignKey(items, func(i *opItem) *memrel.Null[int64] { return &i.LocationID }, locs, memrel.Set).
		SetTo(3).SetToNull() // the last call wins
	profiles := memrel.NewTable("op_profiles", func(p *opProfile) *int64 { return &p.ID })
	memrel.OneToOne(profiles, func(p *opProfile) *memrel.Null[int64] { return &p.UserID }, locs, memrel.Set).SetToNull()
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{locs, items, profiles}})
	tx := beginTx(t, db)
	for range 3 {
		cnInsert(t, tx, locs, opLocation{})
	}
	a := cnInsert(t, tx, items, opItem{LocationID: memrel.Some[int64](1)})
	b := cnInsert(t, tx, items, opItem{LocationID: memrel.Some[int64](2)})
	p := cnInsert(t, tx, profiles, opProfile{UserID: memrel.Some[int64](1)})
	res, err := locs.Delete(tx, 1)
	mustOK(t, err)
	if !reflect.DeepEqual(res.Updated, map[string]int{"op_items": 1, "op_profiles": 1}) || res.Total() != 1 {
		t.Errorf("delete location 1: %v", res)
	}
	if got, _ := items.Get(tx, a.ID); got.LocationID.Valid {
		t.Errorf("item %d still points at %v", a.ID, got.LocationID)
	}
	if got, _ := profiles.Get(tx, p.ID); got.UserID.Valid {
		t.Errorf("profile %d still points at %v", p.ID, got.UserID)
	}
	if got, _ := items.Get(tx, b.ID); got.LocationID != memrel.Some[int64](2) {
		t.Errorf("item %d changed: %v", b.ID, got.LocationID)
	}
	if loc.OnDelete() != memrel.Set {
		t.Errorf("OnDelete = %v, want Set", loc.OnDelete())
	}
	// SetTo after SetToNull writes the value again.
	finishTx(t, db, tx)

	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(r.(string), "SetToNull called after a DB was opened") {
				t.Errorf("SetToNull after Open: recover() = %v", r)
			}
		}()
		loc.SetToNull()
	}()
}

func TestSetToNullReplacedBySetTo(t *testing.T) {
	locs := memrel.NewTable("op2_locations", func(l *opLocation) *int64 { return &l.ID })
	items := memrel.NewTable("op2_items", func(i *opItem) *int64 { return &i.ID })
	memrel.ForeignKey(items, func(i *opItem) *memrel.Null[int64] { return &i.LocationID }, locs, memrel.Set).
		SetToNull().SetTo(3)
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{locs, items}})
	tx := beginTx(t, db)
	for range 3 {
		cnInsert(t, tx, locs, opLocation{})
	}
	a := cnInsert(t, tx, items, opItem{LocationID: memrel.Some[int64](1)})
	_, err := locs.Delete(tx, 1)
	mustOK(t, err)
	if got, _ := items.Get(tx, a.ID); got.LocationID != memrel.Some[int64](3) {
		t.Errorf("item %d points at %v, want 3 (SetTo replaced SetToNull)", a.ID, got.LocationID)
	}
	finishTx(t, db, tx)
}

// Open refuses SetToNull on a key that cannot be empty, naming the relation.
func TestSetToNullOnRequiredKey(t *testing.T) {
	locs := memrel.NewTable("op3_locations", func(l *opLocation) *int64 { return &l.ID })
	items := memrel.NewTable("op3_items", func(i *opItem) *int64 { return &i.ID })
	memrel.ForeignKey(items, func(i *opItem) *int64 { return &i.ValueID }, locs, memrel.Set).SetToNull()
	err := schemaErr(t, memrel.Schema{Tables: []memrel.AnyTable{locs, items}})
	want := "memrel: schema: relation op3_items.value: SetToNull, but the key cannot be empty (use a nullable relation, or SetTo): invalid schema"
	if err.Error() != want {
		t.Errorf("Open = %v,\n want %s", err, want)
	}
}

// Django's S39: SET_NULL on one key and SET(42) on a key with
// db_constraint=False; deleting the location leaves the second key
// dangling at 42, and that is no error, at the delete, at Check or at
// Commit.
func TestNoConstraintS39(t *testing.T) {
	locs := memrel.NewTable("nc_locations", func(l *opLocation) *int64 { return &l.ID })
	items := memrel.NewTable("nc_items", func(i *opItem) *int64 { return &i.ID })
	memrel.ForeignKey(items, func(i *opItem) *memrel.Null[int64] { return &i.LocationID }, locs, memrel.SetNull)
	value := memrel.ForeignKey(items, func(i *opItem) *int64 { return &i.ValueID }, locs, memrel.Set).Named("location_value").
		SetTo(42).NoConstraint().Related("valued_items")
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{locs, items}})
	tx := beginTx(t, db)
	l := cnInsert(t, tx, locs, opLocation{})
	item := cnInsert(t, tx, items, opItem{LocationID: memrel.Some(l.ID), ValueID: l.ID})
	res, err := locs.Delete(tx, l.ID)
	mustOK(t, err)
	if !reflect.DeepEqual(res.Updated, map[string]int{"nc_items": 1}) {
		t.Errorf("delete: %v", res)
	}
	got, _ := items.Get(tx, item.ID)
	if got.LocationID.Valid || got.ValueID != 42 {
		t.Errorf("item = %+v, want location empty and location_value 42", got)
	}
	if _, ok := value.Parent(tx, got); ok {
		t.Errorf("Parent of a dangling key reported a row")
	}
	finishTx(t, db, tx)
}

type ncOrder struct {
	ID         int64
	CustomerID int64
	AgentID    int64
}

type ncCustomer struct{ ID int64 }

// A NoConstraint key may name a missing row on Insert and Update, and
// Check says nothing of it; the other relations of the table are still
// checked; every on-delete rule still applies along it.
func TestNoConstraintRules(t *testing.T) {
	for _, rule := range []memrel.OnDelete{memrel.Cascade, memrel.Protect, memrel.Restrict, memrel.SetDefault, memrel.DoNothing} {
		t.Run(rule.String(), func(t *testing.T) {
			customers := memrel.NewTable("ncr_customers", func(c *ncCustomer) *int64 { return &c.ID })
			orders := memrel.NewTable("ncr_orders", func(o *ncOrder) *int64 { return &o.ID })
			customer := memrel.ForeignKey(orders, func(o *ncOrder) *int64 { return &o.CustomerID }, customers, rule).
				Default(77).NoConstraint()
			memrel.ForeignKey(orders, func(o *ncOrder) *int64 { return &o.AgentID }, customers, memrel.Protect).Related("agent_orders")
			db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{customers, orders}})
			tx := beginTx(t, db)
			c1 := cnInsert(t, tx, customers, ncCustomer{})
			c2 := cnInsert(t, tx, customers, ncCustomer{})
			agent := cnInsert(t, tx, customers, ncCustomer{})
			// Loaded out of order: the customer does not exist yet.
			early := cnInsert(t, tx, orders, ncOrder{CustomerID: 500, AgentID: agent.ID})
			o1 := cnInsert(t, tx, orders, ncOrder{CustomerID: c1.ID, AgentID: agent.ID})
			cnInsert(t, tx, orders, ncOrder{CustomerID: c2.ID, AgentID: agent.ID})
			moved := o1
			moved.CustomerID = 600
			mustOK(t, cnIns(orders.Update(tx, moved)))
			mustOK(t, cnIns(orders.Update(tx, o1)))
			// The other key is checked as ever.
			cnInsertRefused(t, tx, orders, memrel.ErrForeignKey, ncOrder{CustomerID: c1.ID, AgentID: 999})
			if err := tx.Check(); err != nil {
				t.Errorf("Check reports a NoConstraint key: %v", err)
			}
			if _, ok := customer.Parent(tx, early); ok {
				t.Errorf("Parent of order %d found a customer", early.ID)
			}
			l, err := memrel.Load(tx, []ncOrder{early, o1}, customer.Forward())
			mustOK(t, err)
			if _, ok := customer.LoadedParent(l, early); ok {
				t.Errorf("Load found a parent for a dangling key")
			}
			if p, ok := customer.LoadedParent(l, o1); !ok || p != c1 {
				t.Errorf("LoadedParent(o1) = %v, %v", p, ok)
			}

			switch rule {
			case memrel.Cascade:
				res, err := customers.Delete(tx, c1.ID)
				mustOK(t, err)
				if !reflect.DeepEqual(res.Deleted, map[string]int{"ncr_customers": 1, "ncr_orders": 1}) {
					t.Errorf("delete: %v", res)
				}
			case memrel.Protect, memrel.Restrict:
				want := memrel.ErrProtected
				if rule == memrel.Restrict {
					want = memrel.ErrRestricted
				}
				refused(t, tx, want, func() error { return cnIns(customers.Delete(tx, c1.ID)) })
			case memrel.SetDefault:
				// The default names no row: no constraint checks it.
				_, err := customers.Delete(tx, c1.ID)
				mustOK(t, err)
				if got, _ := orders.Get(tx, o1.ID); got.CustomerID != 77 {
					t.Errorf("order %d points at %d, want 77", o1.ID, got.CustomerID)
				}
			case memrel.DoNothing:
				_, err := customers.Delete(tx, c1.ID)
				mustOK(t, err)
				if got, _ := orders.Get(tx, o1.ID); got.CustomerID != c1.ID {
					t.Errorf("order %d points at %d, want %d (left alone)", o1.ID, got.CustomerID, c1.ID)
				}
			}
			finishTx(t, db, tx) // Check and Commit accept the dangling keys
		})
	}
}

// A NoConstraint one-to-one is still unique.
func TestNoConstraintOneToOneStaysUnique(t *testing.T) {
	customers := memrel.NewTable("nco_customers", func(c *ncCustomer) *int64 { return &c.ID })
	orders := memrel.NewTable("nco_orders", func(o *ncOrder) *int64 { return &o.ID })
	memrel.OneToOne(orders, func(o *ncOrder) *int64 { return &o.CustomerID }, customers, memrel.Cascade).NoConstraint()
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{customers, orders}})
	tx := beginTx(t, db)
	cnInsert(t, tx, orders, ncOrder{CustomerID: 5})
	err := cnInsertRefused(t, tx, orders, memrel.ErrUnique, ncOrder{CustomerID: 5})
	var ue *memrel.UniqueError
	if !errors.As(err, &ue) || ue.Constraint != "nco_orders.customer" {
		t.Errorf("error %v is not the one-to-one's", err)
	}
	c := cnInsert(t, tx, customers, ncCustomer{ID: 5})
	res, err := customers.Delete(tx, c.ID)
	mustOK(t, err)
	if res.Deleted["nco_orders"] != 1 {
		t.Errorf("delete: %v", res)
	}
	finishTx(t, db, tx)
}
