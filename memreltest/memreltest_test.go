package memreltest_test

import (
	"context"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/memreltest"
)

type Customer struct {
	ID   int64
	Name string
}

type Order struct {
	ID         int64
	CustomerID int64
	Note       string
}

type Item struct {
	ID      int64
	OrderID int64
	Qty     int
}

type Audit struct {
	ID      int64
	OrderID int64
}

var (
	orderF, itemF, customerF, auditF = memrel.Fields[Order](), memrel.Fields[Item](), memrel.Fields[Customer](), memrel.Fields[Audit]()

	Customers = memrel.NewTable("customers", func(c *Customer) *int64 { return &c.ID })
	Orders    = memrel.NewTable("orders", func(o *Order) *int64 { return &o.ID })
	Items     = memrel.NewTable("items", func(i *Item) *int64 { return &i.ID })
	Audits    = memrel.NewTable("audits", func(a *Audit) *int64 { return &a.ID })

	_ = memrel.ForeignKey(Orders, &orderF.CustomerID, Customers, memrel.Protect)
	_ = memrel.ForeignKey(Items, &itemF.OrderID, Orders, memrel.Cascade)
	_ = memrel.ForeignKey(Audits, &auditF.OrderID, Orders, memrel.DoNothing)
	_ = memrel.Unique(Customers, "uniq_customer_name", &customerF.Name)
	_ = memrel.Check(Items, "qty_gte_1", func(i *Item) bool { return i.Qty >= 1 })

	schema = memrel.Schema{Tables: []memrel.AnyTable{Customers, Orders, Items, Audits}}
)

const fixture = `[
{"model": "items", "pk": 1, "fields": {"OrderID": 1, "Qty": 2}},
{"model": "items", "pk": 2, "fields": {"OrderID": 1, "Qty": 1}},
{"model": "orders", "pk": 1, "fields": {"CustomerID": 1, "Note": "first"}},
{"model": "customers", "pk": 1, "fields": {"Name": "ann"}}
]`

// seeds counts the runs of the base's Seed.
var seeds atomic.Int32

var base = memreltest.New(memreltest.Options{
	Schema: schema,
	Files:  []string{filepath.Join("testdata", "base.json")},
	Seed: func(tx *memrel.Tx) error {
		seeds.Add(1)
		_, err := Customers.Insert(tx, memrelCustomer("bob"))
		return err
	},
})

func memrelCustomer(name string) Customer { return Customer{Name: name} }

// The base's fixture file is the text above.
func TestFixtureFile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "base.json"))
	if err != nil || strings.TrimSpace(string(b)) != fixture {
		t.Errorf("testdata/base.json is not the fixture above: %v", err)
	}
}

// Forks in parallel tests are independent of each other and of the base,
// which is built once.
func TestForkParallel(t *testing.T) {
	for i := range 8 {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			t.Parallel()
			db := base.Fork(t)
			name := fmt.Sprintf("c%d", i)
			memreltest.Update(t, db, func(tx *memrel.Tx) {
				if _, err := Customers.Insert(tx, Customer{Name: name}); err != nil {
					t.Fatal(err)
				}
				res, err := Orders.Delete(tx, 1)
				memreltest.Deleted(t, res, err, "deleted items 2, orders 1")
			})
			err := db.View(func(tx *memrel.Tx) error {
				if n := Customers.Len(tx); n != 3 {
					t.Errorf("the fork has %d customers, want 3 (2 from the base, 1 of its own)", n)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Cleanup(func() {
		if n := seeds.Load(); n != 1 {
			t.Errorf("Seed ran %d times, want once", n)
		}
		err := base.DB(t).View(func(tx *memrel.Tx) error {
			if Customers.Len(tx) != 2 || !Orders.Has(tx, 1) || Items.Len(tx) != 2 {
				t.Errorf("the base changed:\n%s", tx.Dump())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// fakeT records what a helper reports; its FailNow ends the goroutine as
// testing's does.
type fakeT struct {
	testing.TB
	mu       sync.Mutex
	errs     []string
	fatal    bool
	cleanups []func()
}

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}
func (f *fakeT) Error(args ...any) { f.Errorf("%s", fmt.Sprint(args...)) }
func (f *fakeT) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	f.fatal = true
	runtime.Goexit()
}
func (f *fakeT) Fatal(args ...any) { f.Fatalf("%s", fmt.Sprint(args...)) }
func (f *fakeT) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }

// run runs fn as a test body with a fakeT, then its cleanups.
func run(t *testing.T, fn func(t testing.TB)) *fakeT {
	ft := &fakeT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(ft)
	}()
	<-done
	for i := len(ft.cleanups) - 1; i >= 0; i-- {
		ft.cleanups[i]()
	}
	return ft
}

func (f *fakeT) report() string { return strings.Join(f.errs, "\n") }

// A t.Fatal inside Update discards the transaction and frees the writer.
func TestFatalInsideUpdateLeavesTheDBUsable(t *testing.T) {
	db := base.Fork(t)
	ft := run(t, func(ft testing.TB) {
		memreltest.Update(ft, db, func(tx *memrel.Tx) {
			if _, err := Customers.Insert(tx, Customer{Name: "zed"}); err != nil {
				t.Error(err)
			}
			ft.Fatalf("stop here")
		})
		t.Error("the test body went on after Fatalf")
	})
	if !ft.fatal || ft.report() != "stop here" {
		t.Errorf("fake test: fatal %v, report %q", ft.fatal, ft.report())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := db.UpdateContext(ctx, func(tx *memrel.Tx) error {
		if _, ok := memrelFind(tx, "zed"); ok {
			t.Error("the insert before Fatalf was kept")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("the writer is not free after a Fatal inside Update: %v", err)
	}
}

func memrelFind(tx *memrel.Tx, name string) (Customer, bool) {
	for c := range Customers.All(tx) {
		if c.Name == name {
			return c, true
		}
	}
	return Customer{}, false
}

func TestRefused(t *testing.T) {
	db := base.Fork(t)
	tx := db.BeginWrite()
	defer tx.Abort()
	_, protected := Customers.Delete(tx, 1)
	_, unique := Customers.Insert(tx, Customer{Name: "ann"})
	_, check := Items.Insert(tx, Item{OrderID: 1, Qty: 0})
	_, fk := Orders.Insert(tx, Order{CustomerID: 9})
	_, missing := Customers.Delete(tx, 7, 8)
	for _, c := range []struct {
		name       string
		err        error
		kind       error
		constraint string
		rows       []string
		want       string // "" for a pass, else what the report holds
	}{
		{"protected", protected, memrel.ErrProtected, "orders.customer", []string{"orders 1"}, ""},
		{"protected, any rows", protected, memrel.ErrProtected, "orders.customer", nil, ""},
		{"unique", unique, memrel.ErrUnique, "uniq_customer_name", []string{"customers 1"}, ""},
		{"check", check, memrel.ErrCheck, "qty_gte_1", []string{"a new items row"}, ""},
		{"foreign key", fk, memrel.ErrForeignKey, "orders.customer", []string{"a new orders row"}, ""},
		{"missing keys", missing, memrel.ErrNotFound, "", []string{"customers 7", "customers 8"}, ""},
		{"wrong kind", protected, memrel.ErrRestricted, "", nil, "refused with memrel: cannot delete customers 1: protected by orders.customer (orders 1); want restricted"},
		{"wrong constraint", unique, memrel.ErrUnique, "uniq_other", nil, `refused by ["uniq_customer_name"], not by uniq_other`},
		{"wrong rows", protected, memrel.ErrProtected, "", []string{"orders 2"}, `the error names rows ["orders 1"]; want ["orders 2"]`},
		{"not refused", nil, memrel.ErrUnique, "", nil, "the operation succeeded; want it refused with unique constraint violation"},
	} {
		ft := run(t, func(ft testing.TB) { memreltest.Refused(ft, c.err, c.kind, c.constraint, c.rows...) })
		switch got := ft.report(); {
		case c.want == "" && got != "":
			t.Errorf("%s: reported %q", c.name, got)
		case c.want != "" && !strings.Contains(got, c.want):
			t.Errorf("%s: reported %q, want it to hold %q", c.name, got, c.want)
		}
	}
}

func TestDeleted(t *testing.T) {
	db := base.Fork(t)
	tx := db.BeginWrite()
	defer tx.Abort()
	res, err := Orders.Delete(tx, 1)
	if ft := run(t, func(ft testing.TB) { memreltest.Deleted(ft, res, err, "deleted items 2, orders 1") }); ft.report() != "" {
		t.Errorf("a matching result: %q", ft.report())
	}
	if ft := run(t, func(ft testing.TB) { memreltest.Deleted(ft, res, err, "deleted orders 1") }); !strings.Contains(ft.report(), "the delete did:\n  deleted items 2, orders 1\nwant:\n  deleted orders 1") {
		t.Errorf("another result: %q", ft.report())
	}
	_, err = Customers.Delete(tx, 1, 2)
	if err != nil {
		t.Fatal(err) // the order is gone: nothing protects them
	}
	res, err = Customers.Delete(tx, 5)
	if ft := run(t, func(ft testing.TB) { memreltest.Deleted(ft, res, err, "deleted customers 1") }); !strings.Contains(ft.report(), "the delete was refused: memrel: customers 5: not found") {
		t.Errorf("a refused delete: %q", ft.report())
	}
}

// The check after a test reports one problem per line, naming the rows
// and the rule.
func TestCheckReport(t *testing.T) {
	db := base.Fork(t)
	tx := db.BeginWrite()
	defer tx.Abort()
	for range 2 {
		if _, err := Audits.Insert(tx, Audit{OrderID: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Orders.Delete(tx, 1); err != nil { // the audits keep pointing at it (DoNothing)
		t.Fatal(err)
	}
	ft := run(t, func(ft testing.TB) { memreltest.CheckTx(ft, tx) })
	want := "memreltest: the transaction breaks its rules (2 problems):\n" +
		"  - foreign key audits.order: audits 1 points at orders 1, which does not exist\n" +
		"  - foreign key audits.order: audits 2 points at orders 1, which does not exist"
	if ft.report() != want {
		t.Errorf("report:\n%s\nwant:\n%s", ft.report(), want)
	}
	if ft := run(t, func(ft testing.TB) { memreltest.Check(ft, db) }); ft.report() != "" {
		t.Errorf("the committed DB: %q", ft.report())
	}
}

// A base that cannot be built fails every test that forks it, with the
// reason.
func TestBaseBuildFails(t *testing.T) {
	bad := memreltest.New(memreltest.Options{Schema: schema, Seed: func(tx *memrel.Tx) error {
		return errors.New("no seed today")
	}})
	for range 2 {
		ft := run(t, func(ft testing.TB) {
			bad.Fork(ft)
			t.Error("Fork returned")
		})
		if !ft.fatal || !strings.Contains(ft.report(), "memreltest: building the base DB: no seed today") {
			t.Errorf("fatal %v, report %q", ft.fatal, ft.report())
		}
	}
	missing := memreltest.New(memreltest.Options{Schema: schema, Files: []string{"testdata/nope.json"}})
	if ft := run(t, func(ft testing.TB) { missing.DB(ft) }); !ft.fatal || !strings.Contains(ft.report(), "nope.json: open") {
		t.Errorf("a missing file: %q", ft.report())
	}
}

// memreltest imports only testing and memrel.
func TestImports(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "memreltest.go", nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range f.Imports {
		got = append(got, s.Path.Value)
	}
	if strings.Join(got, " ") != `"testing" "github.com/memrel-go/memrel"` {
		t.Errorf("imports %v", got)
	}
}
