package relations

import (
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"

	"github.com/memrel-go/memrel/internal/quote"
	"github.com/memrel-go/memrel/internal/rowcopy"
	"github.com/memrel-go/memrel/store"
)

// Constraint is a unique or check constraint listed in a schema. Only this
// package implements it.
type Constraint interface {
	constraint() (*uniqueDef, *checkDef)
}

// uniqueDef is the untyped core of a unique constraint (or of a one-to-one
// relation's uniqueness).
type uniqueDef struct {
	name  string
	table *store.TableInfo
	index string
	// key appends the constrained value of a row; false when the row takes
	// no part (an empty value, or outside the condition).
	key     func(dst []byte, obj any) ([]byte, bool)
	value   func(obj any) any
	err     error
	fk      *fkDef   // set for one-to-one relations: the FK index serves
	fields  []string // the constrained fields, when declared on fields
	partial bool     // Where gave a condition (for diagrams)
	// The constrained fields' offsets and types in the row, when declared
	// on fields, and the SQL form of the Where condition (for SQL).
	offs     []uintptr
	ftypes   []reflect.Type
	whereSQL string

	frozen atomic.Bool // a schema was opened with it: Where cannot change it
}

// checkDef is the untyped core of a check constraint.
type checkDef struct {
	name  string
	table *store.TableInfo
	pred  func(obj any) bool
	err   error
	sql   string // the SQL form of pred, if given (CheckConstraint.SQL)

	frozen atomic.Bool // a schema was opened with it: SQL cannot change it
}

// UniqueConstraint is a named unique constraint on the rows of a table: no
// two rows may have the same key value. The value may be one field or
// several (return a struct or an array from the key function: a composite
// constraint). As in SQL, a row with an empty (store.Null) value anywhere in
// the key takes no part, so empty values never collide.
type UniqueConstraint[T, V any] struct {
	d      *uniqueDef
	enc    store.Encoder[V]
	cond   func(*T) bool
	insert func(tx *store.Tx, row T) (T, error) // the table's Insert, for GetOrCreate
}

// UniqueFunc declares a unique constraint named name on table, over the
// value key returns: a computed value, or a struct or array of fields (see
// Unique and UniqueTogether for fields given as field references). The value's type must
// be indexable (see store.NewEncoder).
//
//	relations.UniqueFunc(Users, "uniq_username", func(u *User) string { return u.Username })
//	relations.UniqueFunc(ArticleTags, "uniq_article_tag_pair",
//		func(at *ArticleTag) [2]int64 { return [2]int64{at.ArticleID, at.TagID} })
func UniqueFunc[T any, K store.Key, V any](table *store.Table[T, K], name string, key func(*T) V) *UniqueConstraint[T, V] {
	enc := store.NewEncoder[V]()
	u := &UniqueConstraint[T, V]{enc: enc}
	d := &uniqueDef{name: name, index: "uq_" + name}
	if err := enc.Err(); err != nil {
		d.err = fmt.Errorf("unique constraint %s: %w", quote.Name(name), err)
	}
	u.d = d
	if table == nil || key == nil {
		d.err = fmt.Errorf("unique constraint %s: %s", quote.Name(name), missingArgs(
			arg{"table", table == nil}, arg{"key function", key == nil}))
		if table != nil {
			eng.Attach(table.Info(), u) // Open reports it with its table, listed or not
		}
		return u
	}
	d.table = table.Info()
	u.insert = table.Insert
	// The key function and the condition are given a copy, never the
	// stored row.
	var copies rowcopy.Pool[T]
	d.key = func(dst []byte, obj any) ([]byte, bool) {
		r := copies.Get(obj.(*T))
		defer copies.Put(r)
		if u.cond != nil && !u.cond(r) {
			return dst, false
		}
		return enc.Append(dst, key(r))
	}
	d.value = func(obj any) any {
		r := copies.Get(obj.(*T))
		defer copies.Put(r)
		return key(r)
	}
	eng.Attach(d.table, u) // Open takes it with its table
	return u
}

// Where makes the constraint partial (Django's condition): only rows for
// which cond is true take part. For example, at most one active
// subscription per user:
//
//	relations.UniqueFunc(Subscriptions, "one_active_per_user",
//		func(s *Subscription) int64 { return s.UserID }).
//		Where(func(s *Subscription) bool { return !s.EndedAt.Valid })
func (u *UniqueConstraint[T, V]) Where(cond func(row *T) bool) *UniqueConstraint[T, V] {
	if u.d.frozen.Load() {
		panic(fmt.Sprintf("memrel: unique constraint %s: Where called after a DB was opened with it; a declaration cannot change once it is in force (declare it whole before Open)", u.d.name))
	}
	u.cond = cond
	u.d.partial = cond != nil
	return u
}

// Name is the constraint's name.
func (u *UniqueConstraint[T, V]) Name() string { return u.d.name }

func (u *UniqueConstraint[T, V]) constraint() (*uniqueDef, *checkDef) { return u.d, nil }

// Get returns the row whose key value is v (comma-ok): a lookup through the
// constraint's index, as Django's get(username=...). For a partial
// constraint it finds only rows that satisfy the condition; a v with an
// empty Null finds nothing.
func (u *UniqueConstraint[T, V]) Get(tx *store.Tx, v V) (T, bool) {
	var zero T
	key, ok := u.enc.Append(make([]byte, 0, 32), v)
	if !ok || u.d.table == nil {
		return zero, false
	}
	if obj := eng.Scan(tx, u.d.table, u.d.index, key).Next(); obj != nil {
		return *obj.(*T), true
	}
	return zero, false
}

// CheckConstraint is a named predicate that every row of a table must
// satisfy, on Insert and Update (Django's CheckConstraint).
type CheckConstraint[T any] struct {
	d *checkDef
}

// Check declares a check constraint named name: ok must return true for
// every row of table.
//
//	relations.Check(Follows, "prevent_self_follow",
//		func(f *Follow) bool { return f.FollowerID != f.FollowedID })
func Check[T any, K store.Key](table *store.Table[T, K], name string, ok func(row *T) bool) *CheckConstraint[T] {
	d := &checkDef{name: name}
	if table == nil || ok == nil {
		d.err = fmt.Errorf("check constraint %s: %s", quote.Name(name), missingArgs(
			arg{"table", table == nil}, arg{"predicate", ok == nil}))
		c := &CheckConstraint[T]{d}
		if table != nil {
			eng.Attach(table.Info(), c) // Open reports it with its table, listed or not
		}
		return c
	}
	d.table = table.Info()
	var copies rowcopy.Pool[T] // the predicate is given a copy, never the stored row
	d.pred = func(obj any) bool {
		r := copies.Get(obj.(*T))
		defer copies.Put(r)
		return ok(r)
	}
	c := &CheckConstraint[T]{d}
	eng.Attach(d.table, c) // Open takes it with its table
	return c
}

// Name is the constraint's name.
func (c *CheckConstraint[T]) Name() string { return c.d.name }

func (c *CheckConstraint[T]) constraint() (*uniqueDef, *checkDef) { return nil, c.d }

// arg is an argument of a declaring function, and whether it is nil.
type arg struct {
	name string
	nil  bool
}

// missingArgs says which arguments a declaration lacks: "the table is nil
// (required)", "the child table and the field accessor are nil (required)".
func missingArgs(args ...arg) string {
	var names []string
	for _, a := range args {
		if a.nil {
			names = append(names, a.name)
		}
	}
	switch len(names) {
	case 0:
		return "an argument is nil (required)"
	case 1:
		return "the " + names[0] + " is nil (required)"
	}
	return "the " + strings.Join(names[:len(names)-1], ", the ") + " and the " + names[len(names)-1] + " are nil (required)"
}
