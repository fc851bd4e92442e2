package memrel_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/memrel-go/memrel"
)

type hkProduct struct {
	ID    int64
	Price int64
}

type hkItem struct {
	ID        int64
	ProductID int64
	OwnerID   memrel.Null[int64]
	Price     int64 // frozen at insert
}

type hkLog struct {
	ID   int64
	What string
}

type hkFixture struct {
	db       *memrel.DB
	products *memrel.Table[hkProduct, int64]
	items    *memrel.Table[hkItem, int64]
	logs     *memrel.Table[hkLog, int64]
	calls    *[]string
}

// hkOpen declares a shop whose items take their price from the product on
// insert (a BeforeInsert that reads), keep it frozen (a BeforeUpdate that
// refuses), and log their deletes (a BeforeDelete that writes); fail makes
// any hook fail, with an error or a panic.
func hkOpen(t *testing.T, fail *string) hkFixture {
	t.Helper()
	var calls []string
	note := func(s string) error {
		calls = append(calls, s)
		switch {
		case *fail == s+":error":
			return errors.New("refused by " + s)
		case *fail == s+":panic":
			panic("panic in " + s)
		}
		return nil
	}
	products := memrel.NewTable("products", func(p *hkProduct) *int64 { return &p.ID })
	logs := memrel.NewTable("logs", func(l *hkLog) *int64 { return &l.ID })
	items := memrel.NewTable("items", func(i *hkItem) *int64 { return &i.ID })
	items.BeforeInsert(func(tx *memrel.Tx, i *hkItem) error {
		p, ok := products.Get(tx, i.ProductID)
		if ok {
			i.Price = p.Price
		}
		logs.Insert(tx, hkLog{What: "insert"}) // undone if the insert is refused
		return note("insert")
	}).BeforeUpdate(func(tx *memrel.Tx, old hkItem, i *hkItem) error {
		if i.Price != old.Price {
			return errors.New("items.price is frozen")
		}
		logs.Insert(tx, hkLog{What: "update"})
		return note("update")
	}).BeforeDelete(func(tx *memrel.Tx, i hkItem) error {
		logs.Insert(tx, hkLog{What: "delete"})
		return note("delete")
	})
	f := memrel.Fields[hkItem]()
	memrel.ForeignKey(items, &f.ProductID, products, memrel.Cascade)
	memrel.ForeignKey(items, &f.OwnerID, products, memrel.SetNull).Related("owned")
	db, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{products, items, logs}})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *memrel.Tx) error {
		products.Insert(tx, hkProduct{Price: 100})
		products.Insert(tx, hkProduct{Price: 200})
		_, err := items.Insert(tx, hkItem{ProductID: 1, OwnerID: memrel.Some[int64](2)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	calls = nil
	return hkFixture{db, products, items, logs, &calls}
}

// Hooks change rows, read and write in the transaction, and run on the
// rows deletes cascade to and rewrite.
func TestHooksRun(t *testing.T) {
	fail := ""
	f := hkOpen(t, &fail)
	err := f.db.Update(func(tx *memrel.Tx) error {
		it, err := f.items.Insert(tx, hkItem{ProductID: 2})
		if err != nil || it.Price != 200 {
			t.Errorf("insert: %+v, %v; want the price filled from the product", it, err)
		}
		if _, err := f.items.Modify(tx, it.ID, func(i *hkItem) error { i.Price = 1; return nil }); err == nil || !strings.Contains(err.Error(), "frozen") {
			t.Errorf("a changed price: %v, want it refused", err)
		}
		// Deleting product 2 rewrites item 1 (SetNull) and cascades to item 2.
		res, err := f.products.Delete(tx, 2)
		if err != nil {
			return err
		}
		if res.String() != "deleted items 1, products 1; updated items 1" {
			t.Errorf("delete: %v", res)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"insert", "update", "delete"}; !slices.Equal(*f.calls, want) {
		t.Errorf("calls %v, want %v", *f.calls, want)
	}
	f.db.View(func(tx *memrel.Tx) error {
		var what []string
		for l := range f.logs.All(tx) {
			what = append(what, l.What)
		}
		// The first insert's log is the fixture's; the refused update's
		// log is gone with it.
		if want := []string{"insert", "insert", "update", "delete"}; !slices.Equal(what, want) {
			t.Errorf("logs %v, want %v", what, want)
		}
		return nil
	})
}

// A hook that refuses (an error) or panics leaves everything as it was,
// its own writes included, and the transaction usable: every hook kind
// under every operation that runs it.
func TestHookRefusalsChangeNothing(t *testing.T) {
	ops := map[string]func(f hkFixture, tx *memrel.Tx) error{
		"insert": func(f hkFixture, tx *memrel.Tx) error {
			_, err := f.items.Insert(tx, hkItem{ProductID: 2})
			return err
		},
		"update": func(f hkFixture, tx *memrel.Tx) error {
			_, err := f.items.Modify(tx, 1, func(*hkItem) error { return nil })
			return err
		},
		"delete (cascade)": func(f hkFixture, tx *memrel.Tx) error {
			_, err := f.products.Delete(tx, 1)
			return err
		},
		"delete (SetNull rewrite)": func(f hkFixture, tx *memrel.Tx) error {
			_, err := f.products.Delete(tx, 2)
			return err
		},
	}
	hookOf := map[string]string{"insert": "insert", "update": "update", "delete (cascade)": "delete", "delete (SetNull rewrite)": "update"}
	for name, op := range ops {
		for _, how := range []string{"error", "panic"} {
			t.Run(name+" "+how, func(t *testing.T) {
				fail := ""
				f := hkOpen(t, &fail)
				fail = hookOf[name] + ":" + how
				tx := f.db.BeginWrite()
				defer tx.Abort()
				before := tx.Dump()
				var err error
				p := func() (p any) {
					defer func() { p = recover() }()
					err = op(f, tx)
					return nil
				}()
				if how == "error" && (err == nil || p != nil) {
					t.Fatalf("refusing hook: err %v, panic %v", err, p)
				}
				if how == "panic" && p == nil {
					t.Fatalf("panicking hook: err %v, no panic", err)
				}
				if tx.Dump() != before {
					t.Fatalf("the refused operation changed the store")
				}
				fail = ""
				if err := op(f, tx); err != nil {
					t.Fatalf("the transaction is not usable after the refusal: %v", err)
				}
				if err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// A hook cannot be added once a DB is opened with the table.
func TestHooksAfterOpenPanic(t *testing.T) {
	fail := ""
	f := hkOpen(t, &fail)
	for name, add := range map[string]func(){
		"BeforeInsert": func() { f.items.BeforeInsert(func(*memrel.Tx, *hkItem) error { return nil }) },
		"BeforeUpdate": func() { f.items.BeforeUpdate(func(*memrel.Tx, hkItem, *hkItem) error { return nil }) },
		"BeforeDelete": func() { f.items.BeforeDelete(func(*memrel.Tx, hkItem) error { return nil }) },
	} {
		func() {
			defer func() {
				if msg, _ := recover().(string); !strings.Contains(msg, name) {
					t.Errorf("%s after Open: panic %q, want one naming it", name, msg)
				}
			}()
			add()
		}()
	}
}

// A row that InsertOrSkip skips keeps nothing of its BeforeInsert hooks.
func TestHooksOfASkippedRow(t *testing.T) {
	fail := ""
	f := hkOpen(t, &fail)
	tx := f.db.BeginWrite()
	defer tx.Abort()
	before := tx.Dump()
	if _, inserted, err := f.items.InsertOrSkip(tx, hkItem{ID: 1, ProductID: 2}); inserted || err != nil {
		t.Fatalf("InsertOrSkip of a taken key: %v, %v", inserted, err)
	}
	if tx.Dump() != before {
		t.Fatal("the skipped row's hook left a write behind")
	}
}

// Hooks run in the order they were added, each kind on its operation only.
func TestHooksRunInDeclarationOrder(t *testing.T) {
	var calls []string
	rows := memrel.NewTable("ordered", func(p *hkProduct) *int64 { return &p.ID })
	for _, n := range []string{"1", "2", "3"} {
		rows.BeforeInsert(func(*memrel.Tx, *hkProduct) error { calls = append(calls, "insert"+n); return nil })
		rows.BeforeUpdate(func(*memrel.Tx, hkProduct, *hkProduct) error { calls = append(calls, "update"+n); return nil })
		rows.BeforeDelete(func(*memrel.Tx, hkProduct) error { calls = append(calls, "delete"+n); return nil })
	}
	db, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{rows}})
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *memrel.Tx) error {
		rows.Insert(tx, hkProduct{})
		rows.Modify(tx, 1, func(*hkProduct) error { return nil })
		_, err := rows.Delete(tx, 1)
		return err
	})
	want := []string{"insert1", "insert2", "insert3", "update1", "update2", "update3", "delete1", "delete2", "delete3"}
	if !slices.Equal(calls, want) {
		t.Errorf("calls %v, want %v", calls, want)
	}
}

// A BeforeDelete function that ends its transaction (Abort, or Commit
// outside Update) refuses the delete with ErrTxClosed, cascades included:
// no panic, nothing deleted, and the writer free.
func TestBeforeDeleteEndingItsTransaction(t *testing.T) {
	for _, end := range []string{"abort", "commit"} {
		t.Run(end, func(t *testing.T) {
			type row struct {
				ID       int64
				ParentID int64
			}
			parents := memrel.NewTable("parents", func(r *row) *int64 { return &r.ID })
			children := memrel.NewTable("children", func(r *row) *int64 { return &r.ID })
			f := memrel.Fields[row]()
			memrel.ForeignKey(children, &f.ParentID, parents, memrel.Cascade)
			children.BeforeDelete(func(tx *memrel.Tx, r row) error {
				if end == "abort" {
					tx.Abort()
					return nil
				}
				return tx.Commit()
			})
			db, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{parents, children}})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Update(func(tx *memrel.Tx) error {
				p, _ := parents.Insert(tx, row{})
				_, err := children.Insert(tx, row{ParentID: p.ID})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			before := db.BeginRead().Dump()
			tx := db.BeginWrite()
			if _, err := parents.Delete(tx, 1); !errors.Is(err, memrel.ErrTxClosed) {
				t.Fatalf("a delete whose cascade's hook ended the transaction: %v, want ErrTxClosed", err)
			}
			if got := db.BeginRead().Dump(); got != before {
				t.Errorf("the store changed:\n%s\nwant\n%s", got, before)
			}
			db.BeginWrite().Abort() // the writer is free
		})
	}
}
