package relations

import (
	"fmt"
	"reflect"

	"github.com/memrel-go/memrel/internal/fieldref"
	"github.com/memrel-go/memrel/internal/quote"
	"github.com/memrel-go/memrel/store"
)

// Pair is the value of a unique constraint over two fields (see
// UniqueTogether), for its Get and its errors.
type Pair[A, B any] struct {
	A A
	B B
}

func (p Pair[A, B]) parts() []any { return []any{p.A, p.B} }

// field resolves a field reference into a row of type T: a function that
// reads it, its schema name, and false when f is not into store.Fields[T]().
func field[T, V any](f *V) (func(*T) V, string, uintptr, bool) {
	get, off, ok := fieldref.Getter[T](f)
	if !ok {
		return get, "", 0, false
	}
	name := fieldref.SchemaName(fieldref.GoName(reflect.TypeFor[T](), reflect.TypeFor[V](), off))
	return get, name, off, name != ""
}

// notAField records, on a constraint declared with a pointer that is not a
// field reference into the table's row, the error Open reports.
func (u *UniqueConstraint[T, V]) notAField() {
	if u.d.err == nil {
		var zero T
		u.d.err = fmt.Errorf("unique constraint %s: the field must be a field reference into the table's row type, like &store.Fields[%T]().Field", quote.Name(u.d.name), zero)
	}
}

// Unique declares a unique constraint named name on one field of table,
// given as a field reference (Django's unique=True):
//
//	var user = store.Fields[User]()
//	var UniqueUsername = relations.Unique(Users, "uniq_username", &user.Username)
//
// Its errors name the field. For a computed value, or a partial constraint
// over one, see UniqueFunc; over two fields, UniqueTogether.
func Unique[T any, K store.Key, V any](table *store.Table[T, K], name string, f *V) *UniqueConstraint[T, V] {
	get, fname, off, ok := field[T](f)
	u := UniqueFunc(table, name, get)
	if !ok {
		u.notAField()
	}
	u.d.fields = []string{fname}
	u.d.offs, u.d.ftypes = []uintptr{off}, []reflect.Type{reflect.TypeFor[V]()}
	return u
}

// UniqueTogether declares a unique constraint named name over two fields of
// table, given as field references (Django's UniqueConstraint(fields=[a,
// b])): no two rows may hold the same pair. As in SQL, a row with an empty
// Null in either field takes no part. Its errors name both fields; its Get
// takes a Pair.
//
//	relations.UniqueTogether(Follows, "uniq_follow_pair", &follow.FollowerID, &follow.FollowedID)
func UniqueTogether[T any, K store.Key, A, B any](table *store.Table[T, K], name string, a *A, b *B) *UniqueConstraint[T, Pair[A, B]] {
	ga, na, aoff, aok := field[T](a)
	gb, nb, boff, bok := field[T](b)
	u := UniqueFunc(table, name, func(r *T) Pair[A, B] { return Pair[A, B]{ga(r), gb(r)} })
	if !aok || !bok {
		u.notAField()
	}
	u.d.fields = []string{na, nb}
	u.d.offs, u.d.ftypes = []uintptr{aoff, boff}, []reflect.Type{reflect.TypeFor[A](), reflect.TypeFor[B]()}
	return u
}
