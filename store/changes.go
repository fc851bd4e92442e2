package store

import (
	"fmt"
	"slices"
	"strings"
)

// ChangeKind says what a transaction did to a row.
type ChangeKind uint8

const (
	Inserted ChangeKind = iota + 1
	Updated
	Deleted
)

func (k ChangeKind) String() string {
	switch k {
	case Inserted:
		return "inserted"
	case Updated:
		return "updated"
	case Deleted:
		return "deleted"
	}
	return fmt.Sprintf("ChangeKind(%d)", uint8(k))
}

// ChangeSet is what a write transaction changed: per table, every row it
// inserted, updated or deleted, link-table rows and the rewrites of SetNull,
// SetDefault and Set rules included. A row changed several times is
// reported once, from its state before the transaction to its state after;
// a row inserted then deleted, or changed and changed back by a rolled-back
// savepoint, not at all. Tables come in the schema's order, rows in key
// order. Read it with Table.Changes.
type ChangeSet struct {
	tables []tableChanges
}

type tableChanges struct {
	t    *TableInfo
	rows []change
}

type change struct {
	old, new any // stored rows: nil for none
}

// Tables lists the names of the tables with changes, in the schema's
// order.
func (cs *ChangeSet) Tables() []string {
	names := make([]string, len(cs.tables))
	for i, tc := range cs.tables {
		names[i] = tc.t.name
	}
	return names
}

// Len is the number of rows changed, over every table.
func (cs *ChangeSet) Len() int {
	n := 0
	for _, tc := range cs.tables {
		n += len(tc.rows)
	}
	return n
}

// RowChange is a row a transaction changed: Old is the row before it
// (zero for an insert), New the row after it (zero for a delete).
type RowChange[T any] struct {
	Kind     ChangeKind
	Old, New T
}

// Changes returns the changes of cs to the table's rows, in key order.
func (t *Table[T, K]) Changes(cs *ChangeSet) []RowChange[T] {
	if cs == nil {
		return nil
	}
	for _, tc := range cs.tables {
		if tc.t != t.info {
			continue
		}
		out := make([]RowChange[T], len(tc.rows))
		for i, c := range tc.rows {
			switch {
			case c.old == nil:
				out[i] = RowChange[T]{Kind: Inserted, New: *c.new.(*T)}
			case c.new == nil:
				out[i] = RowChange[T]{Kind: Deleted, Old: *c.old.(*T)}
			default:
				out[i] = RowChange[T]{Kind: Updated, Old: *c.old.(*T), New: *c.new.(*T)}
			}
		}
		return out
	}
	return nil
}

// Changes returns what the transaction has changed so far (nothing for a
// read transaction).
func (tx *Tx) Changes() *ChangeSet {
	cs := &ChangeSet{}
	for _, t := range tx.db.order {
		live := tx.live[t]
		if len(live) == 0 {
			continue
		}
		type keyed struct {
			key string
			c   change
		}
		var rows []keyed
		for k, lr := range live {
			if lr.orig == lr.cur { // inserted then deleted, or undone
				continue
			}
			rows = append(rows, keyed{k, change{lr.orig, lr.cur}})
		}
		if len(rows) == 0 {
			continue
		}
		slices.SortFunc(rows, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
		tc := tableChanges{t: t, rows: make([]change, len(rows))}
		for i, r := range rows {
			tc.rows[i] = r.c
		}
		cs.tables = append(cs.tables, tc)
	}
	return cs
}

// AfterCommit adds fn to the functions that run once the transaction has
// committed, its writes visible to every transaction that begins
// afterwards (Django's transaction.on_commit), in the order they were
// added, with the transaction's change set. They never run for a
// transaction that is discarded, nor for one added inside an atomic block
// that is rolled back. They run after the writer is released, so they may
// start transactions of their own. A function that panics neither undoes
// the commit nor stops the others: once all have run, the first panic goes
// on from Commit (or Update), the transaction committed.
func (tx *Tx) AfterCommit(fn func(cs *ChangeSet)) error {
	switch {
	case tx.closed:
		return fmt.Errorf("memrel: after commit: %w", ErrTxClosed)
	case !tx.write:
		return fmt.Errorf("memrel: after commit: %w", ErrReadOnly)
	}
	tx.after = append(tx.after, fn)
	return nil
}

// runAfter runs the AfterCommit functions of a committed transaction.
func runAfter(after []func(*ChangeSet), cs *ChangeSet) {
	var first any
	panicked := false
	for _, fn := range after {
		func() {
			defer func() {
				if p := recover(); p != nil && !panicked {
					first, panicked = p, true
				}
			}()
			fn(cs)
		}()
	}
	if panicked {
		panic(first)
	}
}
