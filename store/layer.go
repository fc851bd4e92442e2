package store

import (
	"fmt"
	"github.com/memrel-go/memrel/internal/engine"
	"maps"
	"slices"
	"strings"
)

// This file is the narrow, untyped interface that the relations layer (and
// any other layer built on store) works through. These methods bypass every
// relational check: application code should use the typed Table methods.

// DeleteResult reports what a delete did.
type DeleteResult struct {
	// Deleted counts the rows deleted per table, link-table rows included.
	// Tables with no deleted row are absent.
	Deleted map[string]int
	// Updated counts the rows changed by SetNull, SetDefault and Set rules,
	// per table. Rows that were also deleted are not counted.
	Updated map[string]int
}

// Total is the number of rows deleted, in every table.
func (r DeleteResult) Total() int {
	n := 0
	for _, c := range r.Deleted {
		n += c
	}
	return n
}

// String lists the counts, tables in name order: "deleted comments 3, posts 1; updated ...".
func (r DeleteResult) String() string {
	var b strings.Builder
	part := func(label string, m map[string]int) {
		if len(m) == 0 {
			return
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(label)
		for i, k := range slices.Sorted(maps.Keys(m)) {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, " %s %d", k, m[k])
		}
	}
	part("deleted", r.Deleted)
	part("updated", r.Updated)
	if b.Len() == 0 {
		return "nothing deleted"
	}
	return b.String()
}

// Savepoint opens a savepoint: from now until it ends, every write is
// journaled so that RollbackTo can undo it.
func (tx *Tx) savepoint() engine.Savepoint {
	if !tx.write || tx.closed { // nothing to undo, and noWrite is shared: never written
		return engine.Savepoint{}
	}
	tx.depth++
	return engine.Savepoint{N: len(tx.journal), Depth: tx.depth, After: len(tx.after)}
}

// Release ends sp and keeps its writes.
func (tx *Tx) release(sp engine.Savepoint) {
	if tx.write && !tx.closed {
		tx.end(sp)
	}
}

// RollbackTo undoes every write made since sp, newest first, and ends sp.
func (tx *Tx) rollbackTo(sp engine.Savepoint) {
	if tx.closed || !tx.write {
		return
	}
	for i := len(tx.journal) - 1; i >= sp.N; i-- {
		u := tx.journal[i]
		switch {
		case u.seq && u.hadSeq:
			tx.seq[u.t] = u.oldSeq
		case u.seq:
			delete(tx.seq, u.t)
		case u.old != nil: // put back the row an update replaced or a delete removed
			if err := tx.memWrite(u.t, u.new, u.old); err != nil {
				panic(fmt.Sprintf("memrel: internal error: rollback of %s: %v", u.t.name, err))
			}
		default: // remove an inserted row
			if err := tx.memWrite(u.t, u.new, nil); err != nil {
				panic(fmt.Sprintf("memrel: internal error: rollback of %s: %v", u.t.name, err))
			}
		}
	}
	tx.journal = tx.journal[:sp.N]
	tx.after = tx.after[:sp.After]
	tx.end(sp)
}

func (tx *Tx) end(sp engine.Savepoint) {
	if sp.Depth != tx.depth {
		panic(fmt.Sprintf("memrel: internal error: savepoint %d ended at depth %d", sp.Depth, tx.depth))
	}
	tx.depth--
	if tx.depth == 0 {
		clear(tx.journal)
		tx.journal = tx.journal[:0]
	}
}

// Lookup returns the stored row of t with the encoded primary key, or nil.
// The row must not be modified.
func (tx *Tx) lookup(t *TableInfo, key []byte) any { return tx.first(t, key) }

// Scan iterates the rows of t whose value in the named secondary index
// starts with prefix, in index order (value, then primary key). The rows
// must not be modified. The iterator reads the snapshot of the moment it was
// created.
//
// prefix must be a whole index value (values are prefix-free, so the rows
// are those with exactly that value): a write transaction answers it
// without reading the index through go-memdb (see scanValue).
func (tx *Tx) scan(t *TableInfo, index string, prefix []byte) engine.RowIterator {
	if tx.write && prefix != nil {
		return tx.scanValue(t, index, prefix)
	}
	return tx.iter(t, index, prefix)
}

// ScanPrefix iterates the rows of t whose value in the named index starts
// with prefix (a part of the value, such as the first field of a composite
// value), ordered by primary key: a foreign key whose field leads a unique
// index is answered from that index (see package relations). The rows are
// read now, as scanValue's are. In a write transaction that wrote t, the
// index is read through go-memdb, which sees the transaction's writes (at
// the cost of that index's cache of writable nodes).
func (tx *Tx) scanPrefix(t *TableInfo, index string, prefix []byte) engine.RowIterator {
	it := tx.iter(t, index, prefix)
	si := &sliceIter{}
	rows := si.inline[:0]
	for obj := it.Next(); obj != nil; obj = it.Next() {
		rows = append(rows, obj)
	}
	si.rows = t.sortByKey(rows)
	return si
}

// countPrefix counts the rows of t whose value in the named index starts
// with prefix (see scanPrefix), without reading or ordering them.
func (tx *Tx) countPrefix(t *TableInfo, index string, prefix []byte) int {
	it := tx.iter(t, index, prefix)
	n := 0
	for obj := it.Next(); obj != nil; obj = it.Next() {
		n++
	}
	return n
}

// ScanFrom iterates the rows of t in the order of the named index (the
// primary key if index is ""), starting at the first entry >= from (or, if
// reverse, at the last entry <= from; nil from means the start, or the end).
func (tx *Tx) scanFrom(t *TableInfo, index string, from []byte, reverse bool) engine.RowIterator {
	tx.mustRead(t)
	if index == "" {
		index = idIndex
	}
	var it engine.RowIterator
	var err error
	switch {
	case !reverse && from == nil:
		it, err = tx.txn.Get(t.name, index)
	case !reverse:
		it, err = tx.txn.LowerBound(t.name, index, tx.argsOf(from)...)
	case from == nil:
		it, err = tx.txn.GetReverse(t.name, index)
	default:
		it, err = tx.txn.ReverseLowerBound(t.name, index, tx.argsOf(from)...)
	}
	if err != nil {
		panic(fmt.Sprintf("memrel: index %s.%s is not in this DB's schema: %v", t.name, index, err))
	}
	return it
}

// WriteUnchecked writes one row of t with no hook and no check: old nil
// inserts new, new nil deletes old, both replace old by new. old must be the
// stored row. Inside a savepoint the write is journaled.
func (tx *Tx) writeUnchecked(t *TableInfo, old, new any) error {
	if err := tx.writable(t); err != nil {
		return err
	}
	if old != nil && new != nil && string(t.keyBytes(nil, old)) != string(t.keyBytes(nil, new)) {
		return fmt.Errorf("memrel: internal error: a write of %s %v would change its key to %v", t.name, t.keyValue(old), t.keyValue(new))
	}
	if err := tx.put(t, old, new); err != nil {
		return err
	}
	if old == nil && t.auto {
		tx.seqAdvance(t, t.keyInt(new)) // the sequence never hands this key out
	}
	return nil
}

// OnCommit adds a check that Commit runs before it makes anything visible;
// if the check fails, the transaction is discarded and Commit returns the
// check's error.
func (tx *Tx) addOnCommit(check func(*Tx) error) {
	tx.onCommit = append(tx.onCommit, check)
}
