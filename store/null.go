package store

import (
	"bytes"
	"encoding/json"
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

// MarshalJSON encodes an empty Null as null and a valid one as its value
// alone ({"AuthorID": 7}, {"AuthorID": null}), as a nullable column reads.
func (n Null[V]) MarshalJSON() ([]byte, error) {
	if !n.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(n.V)
}

// UnmarshalJSON decodes null as an empty Null and any other value as a
// valid one holding it. (A V whose own JSON form can be null, such as a
// pointer, cannot tell a valid null from an empty Null: it decodes empty.)
func (n *Null[V]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*n = Null[V]{}
		return nil
	}
	var v V
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*n = Null[V]{V: v, Valid: true}
	return nil
}

func (n Null[V]) nullInner() reflect.Type { return reflect.TypeFor[V]() }
func (n Null[V]) nullSelf() reflect.Type  { return reflect.TypeFor[Null[V]]() }
