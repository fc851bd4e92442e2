package store

import (
	"fmt"
	"reflect"
)

// Null is an optional value: the Go form of a nullable column. Valid is
// false when the value is empty (SQL's NULL); V is then the zero value and is
// ignored.
//
// memrel uses Null for every optional field it understands: nullable foreign
// keys, nullable unique fields and index values. It is a plain value, so a
// row that holds one is copied whole and never shares memory with the store.
// Like SQL's NULL, two empty values never collide in a unique constraint.
type Null[V any] struct {
	V     V
	Valid bool
}

// Some returns a valid Null holding v.
func Some[V any](v V) Null[V] { return Null[V]{V: v, Valid: true} }

// None returns an empty Null.
func None[V any]() Null[V] { return Null[V]{} }

// Get returns the value and whether it is valid (comma-ok).
func (n Null[V]) Get() (V, bool) { return n.V, n.Valid }

// String formats the value, or "null" when empty.
func (n Null[V]) String() string {
	if !n.Valid {
		return "null"
	}
	return fmt.Sprint(n.V)
}

func (n Null[V]) nullInner() reflect.Type { return reflect.TypeFor[V]() }
func (n Null[V]) nullSelf() reflect.Type  { return reflect.TypeFor[Null[V]]() }
