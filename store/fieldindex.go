package store

import (
	"fmt"

	"github.com/memrel-go/memrel/internal/fieldref"
	"github.com/memrel-go/memrel/internal/quote"
)

// notAFieldErr is the error of a declaration given a pointer that is not a
// field reference into the table's row.
func notAFieldErr[T any](what, name string) error {
	var zero T
	return fmt.Errorf("%s %s: the field must be a field reference into the table's row type, like &store.Fields[%T]().Field", what, quote.Name(name), zero)
}

// NewIndex declares an ordered index named name on table over a field,
// given as a field reference (&row.Field, where row = Fields[T]()), as
// Django's db_index=True: NewIndex(Posts, "published_at",
// &post.PublishedAt). If V cannot be ordered, Open reports it.
func NewIndex[T any, K Key, V any](table *Table[T, K], name string, field *V) *Index[T, K, V] {
	get, _, ok := fieldref.Getter[T](field)
	ix := NewIndexFunc(table, name, get)
	if !ok && ix.def.err == nil {
		ix.def.err = notAFieldErr[T]("index", name)
	}
	return ix
}

// NewGroupedIndex declares an index named name on table that groups rows by
// one field and orders them by another within a group, both given as field
// references (Django's Meta.indexes = [Index(fields=["author",
// "published_at"])]). If G or V cannot be ordered, Open reports it.
func NewGroupedIndex[T any, K Key, G any, V any](table *Table[T, K], name string, group *G, value *V) *GroupedIndex[T, K, G, V] {
	g, _, gok := fieldref.Getter[T](group)
	v, _, vok := fieldref.Getter[T](value)
	ix := NewGroupedIndexFunc(table, name, g, v)
	if (!gok || !vok) && ix.def.err == nil {
		ix.def.err = notAFieldErr[T]("index", name)
	}
	return ix
}
