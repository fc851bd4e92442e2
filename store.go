package memrel

import (
	"context"
	"errors"
	"io"
	"iter"
	"slices"

	"github.com/memrel-go/memrel/internal/engine"
	"github.com/memrel-go/memrel/relations"
	"github.com/memrel-go/memrel/store"
)

// The types of packages store and relations, under one import.
type (
	// DB is an open store; see store.DB.
	DB = store.DB
	// Tx is a transaction; see store.Tx.
	Tx = store.Tx
	// Table is a typed table handle; see store.Table.
	Table[T any, K Key] = store.Table[T, K]
	// Key is the set of primary key types; see store.Key.
	Key = store.Key
	// AnyTable is a table of any row type, as listed in a Schema.
	AnyTable = store.AnyTable
	// Null is an optional value (a nullable field); see store.Null.
	Null[V any] = store.Null[V]
	// Index is an ordered secondary index; see store.Index.
	Index[T any, K Key, V any] = store.Index[T, K, V]
	// GroupedIndex is an ordered index within groups; see store.GroupedIndex.
	GroupedIndex[T any, K Key, G any, V any] = store.GroupedIndex[T, K, G, V]
	// AnyIndex is an index of any type, as listed in a Schema.
	AnyIndex = store.AnyIndex
	// TableOption is an option of NewTable, such as Default.
	TableOption = store.TableOption
	// ChangeSet is what a write transaction changed; see store.ChangeSet.
	ChangeSet = store.ChangeSet
	// RowChange is a row a transaction changed; see store.RowChange.
	RowChange[T any] = store.RowChange[T]
	// Commit is a committed write transaction, in a DB's change feed.
	Commit = store.Commit
	// ChangeKind says what a transaction did to a row.
	ChangeKind = store.ChangeKind
	// DeleteResult reports what a delete removed and updated, per table.
	DeleteResult = store.DeleteResult
	// DeletePlan is what a delete would do; see store.Table.DeletePreview.
	DeletePlan = store.DeletePlan
	// PlannedRows are the rows of one table in a DeletePlan.
	PlannedRows = store.PlannedRows

	// Relation is a foreign key, one-to-one or many-to-many relation.
	Relation = relations.Relation
	// Constraint is a unique or check constraint.
	Constraint = relations.Constraint
	// FK is a foreign key; see relations.FK.
	FK[C, P any, K Key] = relations.FK[C, P, K]
	// OneToOneFK is a one-to-one relation; see relations.OneToOneFK.
	OneToOneFK[C, P any, K Key] = relations.OneToOneFK[C, P, K]
	// KeyField is a foreign key's field: a field reference or an accessor;
	// see relations.KeyField.
	KeyField[C any, K Key] = relations.KeyField[C, K]
	// Pair is the value of a unique constraint over two fields.
	Pair[A, B any] = relations.Pair[A, B]
	// UniqueConstraint is a named unique constraint.
	UniqueConstraint[T, V any] = relations.UniqueConstraint[T, V]
	// CheckConstraint is a named check constraint.
	CheckConstraint[T any] = relations.CheckConstraint[T]
	// M2M is a many-to-many relation; see relations.M2M.
	M2M[A any, AK Key, B any, BK Key, L any, LK Key] = relations.M2M[A, AK, B, BK, L, LK]
	// M2MSide is one side of a many-to-many relation; see relations.M2MSide.
	M2MSide[S any, SK Key, T any, TK Key, L any, LK Key] = relations.M2MSide[S, SK, T, TK, L, LK]
	// Link is the row of an automatic many-to-many link table.
	Link[AK, BK Key] = relations.Link[AK, BK]
	// SetOptions tunes M2MSide.SetWith.
	SetOptions[L any] = relations.SetOptions[L]
	// Path is a step of an eager load; see relations.Path.
	Path = relations.Path
	// Loaded holds the rows an eager load fetched; see relations.Loaded.
	Loaded = relations.Loaded
	// OnDelete is an on-delete rule; see relations.OnDelete.
	OnDelete = relations.OnDelete

	// KeyError names the table and key of a failed row operation.
	KeyError = store.KeyError
	// TableError names the table of a failed operation.
	TableError = store.TableError
	// RowRef names a row: table and key.
	RowRef = relations.RowRef
	// BlockingRow is a row that stops a delete, with its relation.
	BlockingRow = relations.BlockingRow
	// ForeignKeyError reports a key that points at a missing row.
	ForeignKeyError = relations.ForeignKeyError
	// ProtectedError reports a delete refused by Protect relations.
	ProtectedError = relations.ProtectedError
	// RestrictedError reports a delete refused by Restrict relations.
	RestrictedError = relations.RestrictedError
	// UniqueError reports a row that breaks a unique constraint.
	UniqueError = relations.UniqueError
	// CheckError reports a row that fails a check constraint.
	CheckError = relations.CheckError
)

// The on-delete rules; see relations.OnDelete.
const (
	Cascade    = relations.Cascade
	Protect    = relations.Protect
	Restrict   = relations.Restrict
	SetNull    = relations.SetNull
	SetDefault = relations.SetDefault
	Set        = relations.Set
	DoNothing  = relations.DoNothing
)

// What a transaction did to a row; see store.ChangeKind.
const (
	Inserted = store.Inserted
	Updated  = store.Updated
	Deleted  = store.Deleted
)

// The sentinel errors; see package store for when each is returned. They are
// the same values as store's, so errors.Is works through either import.
var (
	ErrSchema       = store.ErrSchema
	ErrUnknownTable = store.ErrUnknownTable
	ErrReadOnly     = store.ErrReadOnly
	ErrTxClosed     = store.ErrTxClosed
	ErrNotFound     = store.ErrNotFound
	ErrExists       = store.ErrExists
	ErrInvalidKey   = store.ErrInvalidKey
	ErrForeignKey   = store.ErrForeignKey
	ErrProtected    = store.ErrProtected
	ErrRestricted   = store.ErrRestricted
	ErrUnique       = store.ErrUnique
	ErrCheck        = store.ErrCheck
	ErrIntegrity    = store.ErrIntegrity
	ErrChangesGone  = store.ErrChangesGone
	ErrFormat       = store.ErrFormat
)

// Schema lists what a DB holds: its tables, the relations between them and
// the constraints on them. It is a plain value; Open validates it whole.
type Schema struct {
	Tables      []AnyTable
	Relations   []Relation
	Constraints []Constraint
	Indexes     []AnyIndex
}

// Open validates schema and returns an empty DB. Like Django's system
// checks, it reports every problem at once: the error joins one error per
// problem (a relation to a table not in the schema, SetNull on a required
// key, SetDefault without a default, duplicate table or constraint names,
// clashing reverse names, ...), each wrapping ErrSchema.
func Open(schema Schema) (*DB, error) {
	hooks, added, indexes, relErr := build(schema.Tables, schema.Relations, schema.Constraints)
	for _, ix := range schema.Indexes {
		if ix == nil {
			indexes = append(indexes, nil) // store.Open reports it
			continue
		}
		indexes = append(indexes, ix.IndexDef())
	}
	cfg := config{Tables: append(slices.Clip(schema.Tables), added...), Indexes: indexes}
	if relErr != nil {
		// Report the store's problems too, without opening anything (a
		// failed Open freezes no declaration).
		return nil, errors.Join(eng.Validate(cfg), relErr)
	}
	cfg.Hooks = hooks
	return eng.Open(cfg)
}

// What packages store and relations lend the root package to open a DB
// (see package engine): neither is exported, so that no DB can be opened
// without the relations layer's checks.
type (
	hooks  = engine.Hooks[store.Tx, store.TableInfo, store.DeleteResult]
	config = engine.Config[store.AnyTable, store.IndexDef, hooks]
)

var (
	eng   = engine.Borrow[store.Tx, store.TableInfo, store.DeleteResult, store.AnyTable, store.IndexDef, store.DB]()
	build = engine.BorrowBuild[func([]AnyTable, []Relation, []Constraint) (hooks, []AnyTable, []*store.IndexDef, error)]()
)

// NewTable declares a table; see store.NewTable.
func NewTable[T any, K Key](name string, key func(*T) *K, opts ...TableOption) *Table[T, K] {
	return store.NewTable(name, key, opts...)
}

// Fields returns the field-reference row of type T, whose field addresses
// name fields in declarations; see store.Fields.
func Fields[T any]() *T { return store.Fields[T]() }

// Default fills a field that a new row leaves zero with v; see
// store.Default.
func Default[V comparable](field *V, v V) TableOption { return store.Default(field, v) }

// DefaultFunc fills a field that a new row leaves zero with fn(); see
// store.DefaultFunc.
func DefaultFunc[V comparable](field *V, fn func() V) TableOption {
	return store.DefaultFunc(field, fn)
}

// NewIndex declares an ordered secondary index on a field, given as a field
// reference; see store.NewIndex.
func NewIndex[T any, K Key, V any](table *Table[T, K], name string, field *V) *Index[T, K, V] {
	return store.NewIndex(table, name, field)
}

// NewIndexFunc declares an ordered secondary index on a computed value; see
// store.NewIndexFunc.
func NewIndexFunc[T any, K Key, V any](table *Table[T, K], name string, get func(*T) V) *Index[T, K, V] {
	return store.NewIndexFunc(table, name, get)
}

// NewGroupedIndex declares an ordered index within groups, on two fields
// given as field references; see store.NewGroupedIndex.
func NewGroupedIndex[T any, K Key, G any, V any](table *Table[T, K], name string, group *G, value *V) *GroupedIndex[T, K, G, V] {
	return store.NewGroupedIndex(table, name, group, value)
}

// NewGroupedIndexFunc declares an ordered index within groups, on computed
// values; see store.NewGroupedIndexFunc.
func NewGroupedIndexFunc[T any, K Key, G any, V any](table *Table[T, K], name string, group func(*T) G, value func(*T) V) *GroupedIndex[T, K, G, V] {
	return store.NewGroupedIndexFunc(table, name, group, value)
}

// Wait blocks until one of chs (watch channels) is closed, or ctx ends; see
// store.Wait.
func Wait(ctx context.Context, chs ...<-chan struct{}) error { return store.Wait(ctx, chs...) }

// Take returns at most n values of seq.
func Take[T any](seq iter.Seq[T], n int) []T { return store.Take(seq, n) }

// ForeignKey declares a foreign key; see relations.ForeignKey. field is a
// field reference (&post.AuthorID, where post = Fields[Post]()) or an
// accessor; a Null field makes the key nullable.
func ForeignKey[C any, CK Key, P any, K Key, F KeyField[C, K]](child *Table[C, CK], field F, parent *Table[P, K], onDelete OnDelete) *FK[C, P, K] {
	return relations.ForeignKey(child, field, parent, onDelete)
}

// OneToOne declares a one-to-one relation; see relations.OneToOne.
func OneToOne[C any, CK Key, P any, K Key, F KeyField[C, K]](child *Table[C, CK], field F, parent *Table[P, K], onDelete OnDelete) *OneToOneFK[C, P, K] {
	return relations.OneToOne(child, field, parent, onDelete)
}

// ManyToMany declares a many-to-many relation with an automatic link table;
// see relations.ManyToMany.
func ManyToMany[A any, AK Key, B any, BK Key](from *Table[A, AK], field string, to *Table[B, BK]) *M2M[A, AK, B, BK, Link[AK, BK], int64] {
	return relations.ManyToMany(from, field, to)
}

// ManyToManyThrough declares a many-to-many relation through a link table
// of your own; see relations.ManyToManyThrough.
func ManyToManyThrough[L any, LK Key, A any, AK Key, B any, BK Key](link *Table[L, LK], field string, from *FK[L, A, AK], to *FK[L, B, BK]) *M2M[A, AK, B, BK, L, LK] {
	return relations.ManyToManyThrough(link, field, from, to)
}

// Load fetches related rows along paths in one call; see relations.Load.
func Load[T any](tx *Tx, rows []T, paths ...Path) (*Loaded, error) {
	return relations.Load(tx, rows, paths...)
}

// Unique declares a named unique constraint on a field, given as a field
// reference; see relations.Unique.
func Unique[T any, K Key, V any](table *Table[T, K], name string, field *V) *UniqueConstraint[T, V] {
	return relations.Unique(table, name, field)
}

// UniqueTogether declares a named unique constraint over two fields; see
// relations.UniqueTogether.
func UniqueTogether[T any, K Key, A, B any](table *Table[T, K], name string, a *A, b *B) *UniqueConstraint[T, Pair[A, B]] {
	return relations.UniqueTogether(table, name, a, b)
}

// UniqueFunc declares a named unique constraint on a computed value (a
// struct or an array for several fields); see relations.UniqueFunc.
func UniqueFunc[T any, K Key, V any](table *Table[T, K], name string, key func(*T) V) *UniqueConstraint[T, V] {
	return relations.UniqueFunc(table, name, key)
}

// Check declares a named check constraint; see relations.Check.
func Check[T any, K Key](table *Table[T, K], name string, ok func(row *T) bool) *CheckConstraint[T] {
	return relations.Check(table, name, ok)
}

// Some returns a valid Null holding v.
func Some[V any](v V) Null[V] { return store.Some(v) }

// None returns an empty Null.
func None[V any]() Null[V] { return store.None[V]() }

// CheckNullable declares a named check constraint on a nullable field,
// which an empty field passes (as SQL's CHECK); see relations.CheckNullable.
func CheckNullable[T any, K Key, V any](table *Table[T, K], name string, field func(row *T) Null[V], ok func(v V) bool) *CheckConstraint[T] {
	return relations.CheckNullable(table, name, field, ok)
}

// Mermaid writes the schema of db as a Mermaid erDiagram; see
// relations.Mermaid.
func Mermaid(w io.Writer, db *DB) error { return relations.Mermaid(w, db) }

// DOT writes the schema of db as a Graphviz DOT graph; see relations.DOT.
func DOT(w io.Writer, db *DB) error { return relations.DOT(w, db) }
