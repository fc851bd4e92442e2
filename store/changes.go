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
// order. Read it with Table.Changes; Sequences tells where the tables'
// sequences moved.
type ChangeSet struct {
	tables []tableChanges
	seqs   []seqChange // in the schema's order
}

// seqChange is a table's sequence after a transaction that moved it.
type seqChange struct {
	t    *TableInfo
	last int64
}

// Sequences returns, by table name, the last key of each table whose
// sequence the transaction moved (an insert that drew a key, or a
// caller-chosen integer key beyond it), even if the rows themselves were
// deleted again: a replica that applies the change set must move its
// sequences too, or it would hand out other keys.
func (cs *ChangeSet) Sequences() map[string]int64 {
	m := make(map[string]int64, len(cs.seqs))
	for _, s := range cs.seqs {
		m[s.t.name] = s.last
	}
	return m
}

// walk calls row for every changed row (stored *Row values, nil for none)
// and then seq for every moved sequence, in the change set's order.
func (cs *ChangeSet) walk(row func(t *TableInfo, old, new any), seq func(t *TableInfo, last int64)) {
	for _, tc := range cs.tables {
		for _, c := range tc.rows {
			row(tc.t, c.old, c.new)
		}
	}
	for _, s := range cs.seqs {
		seq(s.t, s.last)
	}
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
// read transaction, nor once the transaction has ended: a committed
// transaction's changes reach AfterCommit functions and ChangesSince).
func (tx *Tx) Changes() *ChangeSet {
	cs := &ChangeSet{}
	if tx.closed {
		return cs
	}
	for _, t := range tx.db.order {
		// A sequence is in tx.seq only once the transaction moved it
		// forward (a rolled-back savepoint takes it out again).
		if last, ok := tx.seq[t]; ok {
			cs.seqs = append(cs.seqs, seqChange{t, last})
		}
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
