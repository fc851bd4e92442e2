// Package memreltest is memrel's toolkit for tests: a base DB seeded once
// per package (from fixture files, Go values or both), a fork of it for
// each test in O(1), an integrity check after each test that fails it
// with a readable report, and one-line assertions on a delete's result and
// on a refused operation's error.
//
//	var base = memreltest.New(memreltest.Options{
//		Schema: shop.Schema,
//		Files:  []string{"testdata/shop.json"},
//	})
//
//	func TestCancelOrder(t *testing.T) {
//		t.Parallel()
//		db := base.Fork(t) // the test's own copy; Check runs when it ends
//		memreltest.Update(t, db, func(tx *memrel.Tx) {
//			res, err := shop.Orders.Delete(tx, 1)
//			memreltest.Deleted(t, res, err, "deleted order_items 2, orders 1")
//			_, err = shop.Products.Delete(tx, 1)
//			memreltest.Refused(t, err, memrel.ErrProtected, "order_items.product", "order_items 3")
//		})
//	}
//
// Everything here is safe with t.Parallel: the base is built once, by the
// first test that asks for it, and never written; each fork is a DB of its
// own. A t.Fatal inside Update (or inside db.Update) discards the
// transaction and frees the writer: the fork stays usable for cleanups.
package memreltest

import (
	"testing"

	"github.com/memrel-go/memrel"
)

// Options describes a base DB. The zero value of each field means none.
type Options struct {
	// Schema is what the DB is opened with.
	Schema memrel.Schema
	// Files are fixture files (see memrel.LoadFixtures), loaded first, in
	// one transaction with foreign keys checked at its end.
	Files []string
	// Seed, if not nil, runs next, in a write transaction of its own, to
	// add rows from Go values.
	Seed func(tx *memrel.Tx) error
}

// Base is a seeded DB built once, when a test first asks for it, and
// shared by every test of the package through Fork. It is safe for
// concurrent use.
type Base struct {
	opts Options
	lock chan struct{} // a one-token mutex over the fields below
	done bool
	db   *memrel.DB
	err  error
}

// New declares a base DB; nothing is built until a test calls Fork or DB.
// Declare it once per package, as a package-level variable.
func New(opts Options) *Base {
	return &Base{opts: opts, lock: make(chan struct{}, 1)}
}

// DB returns the base DB, building it on the first call: open the schema,
// load the files, run Seed, then Check. If any of it fails, every test
// that asks for the base fails with that error. The base must not be
// written to: use Fork.
func (b *Base) DB(t testing.TB) *memrel.DB {
	t.Helper()
	b.lock <- struct{}{}
	if !b.done {
		b.db, b.err = build(b.opts)
		b.done = true
	}
	db, err := b.db, b.err
	<-b.lock
	if err != nil {
		t.Fatalf("memreltest: building the base DB: %v", err)
	}
	return db
}

func build(opts Options) (*memrel.DB, error) {
	db, err := memrel.Open(opts.Schema)
	if err != nil {
		return nil, err
	}
	if len(opts.Files) > 0 {
		if err := memrel.LoadFixtures(db, opts.Files...); err != nil {
			return nil, err
		}
	}
	if opts.Seed != nil {
		if err := db.Update(opts.Seed); err != nil {
			return nil, err
		}
	}
	if err := db.Check(); err != nil {
		return nil, err
	}
	return db, nil
}

// Fork returns the test's own copy of the base DB, in O(1) (see
// memrel.DB.Snapshot): its writes are seen by no other test, and the base
// never changes. When the test ends, the fork is checked (see Check).
func (b *Base) Fork(t testing.TB) *memrel.DB {
	t.Helper()
	db := b.DB(t).Snapshot()
	t.Cleanup(func() { Check(t, db) })
	return db
}

// Check fails the test (without stopping it) if db breaks any of its
// rules, with a report of one problem per line: which rows break which
// rule.
func Check(t testing.TB, db *memrel.DB) {
	t.Helper()
	report(t, "the DB", db.Check())
}

// CheckTx is Check of the state that tx sees, its own writes included.
func CheckTx(t testing.TB, tx *memrel.Tx) {
	t.Helper()
	report(t, "the transaction", tx.Check())
}

func report(t testing.TB, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	problems := leaves(err)
	msg := "memreltest: " + what + " breaks its rules (" + itoa(len(problems)) + " problems):"
	for _, e := range problems {
		p := trimPrefix(e.Error(), "memrel: ")
		p = trimPrefix(p, "check: ")
		if end := ": " + memrel.ErrIntegrity.Error(); len(p) >= len(end) && p[len(p)-len(end):] == end {
			p = p[:len(p)-len(end)]
		}
		msg += "\n  - " + p
	}
	t.Error(msg)
}

// leaves lists the errors that err joins (errors.Join), flattened: an
// error whose message is its parts' messages, one per line.
func leaves(err error) []error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	parts := j.Unwrap()
	msg := ""
	for i, e := range parts {
		if i > 0 {
			msg += "\n"
		}
		msg += e.Error()
	}
	if msg != err.Error() {
		return []error{err} // one error with several causes, not a list
	}
	var out []error
	for _, e := range parts {
		out = append(out, leaves(e)...)
	}
	return out
}

func trimPrefix(s, prefix string) string {
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):]
	}
	return s
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for ; n > 0; n /= 10 {
		d = append([]byte{byte('0' + n%10)}, d...)
	}
	return string(d)
}

// Update runs fn in a write transaction of db and commits it, failing the
// test if the commit fails. fn asserts with t as it likes: a t.Fatal
// inside it discards the transaction and frees the writer (see
// memrel.DB.Update).
func Update(t testing.TB, db *memrel.DB, fn func(tx *memrel.Tx)) {
	t.Helper()
	if err := db.Update(func(tx *memrel.Tx) error { fn(tx); return nil }); err != nil {
		t.Fatalf("memreltest: commit: %v", err)
	}
}

// Deleted asserts that a delete succeeded with the result want, as
// DeleteResult.String writes it ("deleted order_items 2, orders 1;
// updated comments 1").
func Deleted(t testing.TB, res memrel.DeleteResult, err error, want string) {
	t.Helper()
	if err != nil {
		t.Errorf("memreltest: the delete was refused: %v\n  want: %s", err, want)
		return
	}
	if got := res.String(); got != want {
		t.Errorf("memreltest: the delete did:\n  %s\nwant:\n  %s", got, want)
	}
}

// Refused asserts that err refuses an operation: it wraps kind (one of
// memrel's sentinel errors, for errors.Is), names constraint (a unique or
// check constraint, or a relation such as "orders.customer"; "" skips the
// test) and names exactly rows, in order, as memrel writes them ("orders
// 7", "a new users row"): the rows in the way of a protected or restricted
// delete, the stored row a unique constraint collides with, the row that
// fails a check or holds a dangling key, the missing keys of a KeyError.
// With no rows, the rows are not compared.
func Refused(t testing.TB, err error, kind error, constraint string, rows ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("memreltest: the operation succeeded; want it refused with %v", kind)
		return
	}
	if !is(err, kind) {
		t.Errorf("memreltest: refused with %v; want %v", err, kind)
		return
	}
	names, got := explain(err)
	if constraint != "" && !contains(names, constraint) {
		t.Errorf("memreltest: refused by %q, not by %s: %v", names, constraint, err)
	}
	if len(rows) > 0 && !equal(got, rows) {
		t.Errorf("memreltest: the error names rows %q; want %q: %v", got, rows, err)
	}
}

// explain returns the constraints and relations err names, and its rows.
func explain(err error) (names, rows []string) {
	walk(err, func(e error) bool {
		switch e := e.(type) {
		case *memrel.UniqueError:
			names = append(names, e.Constraint)
			rows = append(rows, e.Conflict.String())
		case *memrel.CheckError:
			names = append(names, e.Constraint)
			rows = append(rows, e.Row.String())
		case *memrel.ForeignKeyError:
			names = append(names, e.Relation)
			rows = append(rows, e.Row.String())
		case *memrel.ProtectedError:
			for _, r := range e.Rows {
				names = append(names, r.Relation)
				rows = append(rows, r.RowRef.String())
			}
		case *memrel.RestrictedError:
			for _, r := range e.Rows {
				names = append(names, r.Relation)
				rows = append(rows, r.RowRef.String())
			}
		case *memrel.KeyError:
			keys := e.Keys
			if len(keys) == 0 {
				keys = []any{e.Key}
			}
			for _, k := range keys {
				rows = append(rows, memrel.RowRef{Table: e.Table, Key: k}.String())
			}
		default:
			return true // look inside
		}
		return false
	})
	return names, rows
}

// walk calls fn on err and, while fn returns true, on what it wraps,
// depth first (the tree errors.Is and errors.As walk; this package keeps
// to the testing and memrel imports).
func walk(err error, fn func(error) bool) {
	if err == nil || !fn(err) {
		return
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		walk(u.Unwrap(), fn)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			walk(e, fn)
		}
	}
}

// is is errors.Is.
func is(err, target error) bool {
	found := false
	walk(err, func(e error) bool {
		if same(e, target) {
			found = true
		} else if x, ok := e.(interface{ Is(error) bool }); ok && x.Is(target) {
			found = true
		}
		return !found
	})
	return found
}

// same is e == target, false for errors of types that == cannot compare.
func same(e, target error) (eq bool) {
	defer func() {
		if recover() != nil {
			eq = false
		}
	}()
	return e == target
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
