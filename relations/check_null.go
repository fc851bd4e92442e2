package relations

import (
	"fmt"

	"github.com/memrel-go/memrel/internal/quote"
	"github.com/memrel-go/memrel/store"
)

// CheckNullable declares a check constraint named name on a nullable field
// of table: a row whose field (what field returns) is empty passes, as in
// SQL, where a CHECK that is NULL is not false (Django's CheckConstraint
// over a null=True field); a row whose field holds a value passes if ok
// returns true for the value. So ok never sees an empty field, and need
// not test Valid:
//
//	relations.CheckNullable(Products, "price_gte_0",
//		func(p *Product) store.Null[int64] { return p.Price },
//		func(price int64) bool { return price >= 0 })
//
// A check over several fields, some of them nullable, is written with
// Check, and decides there what an empty field means.
func CheckNullable[T any, K store.Key, V any](table *store.Table[T, K], name string, field func(row *T) store.Null[V], ok func(v V) bool) *CheckConstraint[T] {
	if table == nil || field == nil || ok == nil {
		c := &CheckConstraint[T]{&checkDef{name: name, err: fmt.Errorf("check constraint %s: %s", quote.Name(name), missingArgs(
			arg{"table", table == nil}, arg{"field accessor", field == nil}, arg{"predicate", ok == nil}))}}
		if table != nil {
			eng.Attach(table.Info(), c) // Open reports it with its table, listed or not
		}
		return c
	}
	return Check(table, name, func(row *T) bool {
		v := field(row)
		return !v.Valid || ok(v.V)
	})
}
