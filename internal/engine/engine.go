// Package engine is how package store lends its low-level operations
// (untyped reads and writes, savepoints, the hooks of the relations layer,
// Open itself) to package relations and to the root package without
// exporting them: store lends them when it is initialized, the others
// borrow them once, typed by store's own types. Nothing outside the module
// can import it, so no user can write around the relational checks.
package engine

import "fmt"

// RowIterator iterates stored rows; Next returns nil at the end.
type RowIterator interface{ Next() any }

// Savepoint marks a write transaction's state so that RollbackTo can return
// to it. Savepoints nest; each ends with exactly one RollbackTo or Release.
type Savepoint struct {
	N, Depth int
	After    int // the AfterCommit functions added before it
}

// Hooks is the narrow interface through which the relations layer takes
// part in the store's operations. Tx, Info and Result are store's
// transaction, table description and delete result types.
type Hooks[Tx, Info, Result any] interface {
	// BeforeInsert and BeforeUpdate check a row (a *Row of t) before it is
	// written; an error refuses the write and nothing changes. autoKey
	// tells that the row's key was just drawn from the sequence (and is
	// not the caller's). taken is the ErrExists error of a caller-chosen
	// key already in use, or nil: the hook reports it in its place in the
	// order of errors (after check constraints, before other unique
	// constraints and foreign keys).
	BeforeInsert(tx *Tx, t *Info, row any, autoKey bool, taken error) error
	BeforeUpdate(tx *Tx, t *Info, old, row any) error
	// Delete deletes rows (stored *Row values of t) and everything their
	// on-delete rules imply, all or nothing.
	Delete(tx *Tx, t *Info, rows []any) (Result, error)
	// Check verifies the relational invariants of the transaction's state.
	Check(tx *Tx) error
	// Opened is called once Open succeeded: the declarations behind the
	// hooks are in force from then on, and must not change.
	Opened()
}

// Config is what Open builds a DB from.
type Config[Table, Index, H any] struct {
	Tables  []Table
	Indexes []*Index // secondary indexes beyond those the tables declare
	Hooks   H
}

// Store is what package store lends.
type Store[Tx, Info, Result, Table, Index, DB any] struct {
	Open     func(Config[Table, Index, Hooks[Tx, Info, Result]]) (*DB, error)
	Validate func(Config[Table, Index, Hooks[Tx, Info, Result]]) error

	Scan           func(tx *Tx, t *Info, index string, prefix []byte) RowIterator
	ScanPrefix     func(tx *Tx, t *Info, index string, prefix []byte) RowIterator
	CountPrefix    func(tx *Tx, t *Info, index string, prefix []byte) int
	ScanFrom       func(tx *Tx, t *Info, index string, from []byte, reverse bool) RowIterator
	Lookup         func(tx *Tx, t *Info, key []byte) any
	WriteUnchecked func(tx *Tx, t *Info, old, new any) error
	Writable       func(tx *Tx, t *Info) error
	OnCommit       func(tx *Tx, check func(*Tx) error)
	Savepoint      func(tx *Tx) Savepoint
	RollbackTo     func(tx *Tx, sp Savepoint)
	Release        func(tx *Tx, sp Savepoint)

	KeyBytes      func(t *Info, dst []byte, obj any) []byte
	KeyOf         func(t *Info, obj any) any
	Clone         func(t *Info, obj any) any
	Attach        func(t *Info, decl any)
	Attached      func(t *Info) []any
	SetCallerKeys func(t *Info)
	Err           func(t *Info) error
	Indexes       func(t *Info) []*Index
	RowValue      func(t *Info, obj any, withKey bool) any // a stored *Row as a Row value, for errors
	HooksOf       func(db *DB) Hooks[Tx, Info, Result]     // the hooks db was opened with
	NewIndex      func(t *Info, name string, fromObject func(dst []byte, obj any) ([]byte, bool)) *Index

	// For fixtures and saved DBs.
	InsertRaw   func(tx *Tx, t *Info, obj any) (any, error) // Insert of a *Row, every check, no defaults
	KeyPtr      func(t *Info, obj any) any                  // a *K to the key field of a *Row
	Sequence    func(tx *Tx, t *Info) int64                 // the last key handed out or seen
	SetSequence func(tx *Tx, t *Info, n int64) error        // moves a sequence forward

	// For replication (the root package's change codec and Propose).
	Prepare     func(tx *Tx) error // the checks Commit runs, without committing
	WalkChanges func(cs any, row func(t *Info, old, new any), seq func(t *Info, last int64))
	RunAfter    func(tx *Tx, cs any) // the AfterCommit functions of a closed tx, with cs

	// Assigned tells whether Insert draws t's keys from its sequence (an
	// integer key, not CallerKeys): what SQL calls an identity column.
	Assigned func(t *Info) bool

	// The table's BeforeUpdate and BeforeDelete functions (see Hooked).
	BeforeUpdate func(tx *Tx, t *Info, old, row any) error
	BeforeDelete func(tx *Tx, t *Info, row any) error
	Hooked       func(t *Info) (update, delete bool)
	// Watch registers a watch of t's rows that match (see store's watches).
	Watch func(tx *Tx, t *Info, match func(old, new any) bool) <-chan struct{}
}

var lent, built any

// Lend is called by package store's init.
func Lend[Tx, Info, Result, Table, Index, DB any](s *Store[Tx, Info, Result, Table, Index, DB]) {
	lent = s
}

// Borrow returns what package store lent.
func Borrow[Tx, Info, Result, Table, Index, DB any]() *Store[Tx, Info, Result, Table, Index, DB] {
	s, ok := lent.(*Store[Tx, Info, Result, Table, Index, DB])
	if !ok {
		panic(fmt.Sprintf("memrel: internal error: engine borrowed as %T, lent as %T", s, lent))
	}
	return s
}

// LendBuild is called by package relations' init with its schema builder.
func LendBuild(build any) { built = build }

// BorrowBuild returns the schema builder of package relations, as F.
func BorrowBuild[F any]() F {
	f, ok := built.(F)
	if !ok {
		panic(fmt.Sprintf("memrel: internal error: builder borrowed as %T, lent as %T", f, built))
	}
	return f
}
