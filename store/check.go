package store

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// Check verifies the transaction's state: every row is found under its own
// primary key, every secondary index holds exactly one entry, at the right
// value, for each row it should index and nothing else, the sequence of
// every table numbered from one is past its largest key (Insert takes a key
// fresh from the sequence to be free, without a lookup), every table's count
// of rows (Len's) is its number of rows, and then the
// relations layer's invariants (every foreign key points at an existing row,
// unique constraints hold). It returns nil, or every problem found joined,
// each wrapping ErrIntegrity.
//
// Check reads every row and index: it is meant for tests (run it after
// every scenario) and for debugging, not for hot paths. Inside a write
// transaction it judges the state as it is: a row left pointing at a
// deleted parent through a DoNothing relation is reported, as Commit would
// refuse it.
func (tx *Tx) Check() error {
	if tx.closed {
		return fmt.Errorf("memrel: check: %w", ErrTxClosed)
	}
	var errs []error
	bad := func(format string, args ...any) {
		if len(errs) < 50 {
			errs = append(errs, fmt.Errorf("memrel: check: %s: %w", fmt.Sprintf(format, args...), ErrIntegrity))
		}
	}
	for _, t := range tx.db.order {
		rows := 0
		it := tx.iter(t, idIndex, nil)
		for obj := it.Next(); obj != nil; obj = it.Next() {
			rows++
			key := t.keyBytes(nil, obj)
			if got := tx.first(t, key); got != obj {
				bad("%s %v: not found under its own key", t.name, t.keyValue(obj))
			}
		}
		if n := tx.rowCount(t); n != rows {
			bad("table %s: its count of rows is %d, it holds %d (Len would be wrong)", t.name, n, rows)
		}
		if t.auto && !t.chosen {
			// Keys are in order: the last is the largest.
			if obj := tx.scanFrom(t, idIndex, nil, true).Next(); obj != nil {
				if last, _ := tx.seqLast(t); t.keyInt(obj) > last {
					bad("table %s: sequence %d is behind its largest key %d (the next insert would be given key %d, which may be taken)",
						t.name, last, t.keyValue(obj), last+1)
				}
			}
		}
		for _, ix := range tx.db.tables[t].indexes {
			want := 0
			it := tx.iter(t, idIndex, nil)
			for obj := it.Next(); obj != nil; obj = it.Next() {
				val, ok := ix.fromObject(nil, obj)
				if !ok {
					continue
				}
				want++
				// The entry of a row is value + primary key; the first entry
				// at or after it must be the row itself.
				entry := t.keyBytes(val, obj)
				got, err := tx.txn.LowerBound(t.name, ix.name, entry)
				if err != nil {
					bad("%s.%s: %v", t.name, ix.name, err)
					break
				}
				if first := got.Next(); first != obj {
					bad("index %s.%s: %s %v is missing or stale", t.name, ix.name, t.name, t.keyValue(obj))
				}
			}
			have := 0
			it = tx.iter(t, ix.name, nil)
			for obj := it.Next(); obj != nil; obj = it.Next() {
				have++
				if tx.first(t, t.keyBytes(nil, obj)) != obj {
					bad("index %s.%s: entry for %s %v, which is not stored", t.name, ix.name, t.name, t.keyValue(obj))
				}
			}
			if have != want {
				bad("index %s.%s has %d entries for %d rows", t.name, ix.name, have, want)
			}
		}
	}
	if tx.db.hooks != nil {
		if err := tx.db.hooks.Check(tx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Check runs Tx.Check on a read transaction of the current state.
func (db *DB) Check() error {
	tx := db.BeginRead()
	defer tx.Abort()
	return tx.Check()
}

// Dump returns every row of every table, tables in schema order and rows in
// key order, one per line ("users 1 {ID:1 Username:ann}"), followed by the
// sequences. Two states with the same Dump hold the same rows. It is meant
// for tests (compare the state before and after a refused operation) and
// for debugging.
func (tx *Tx) Dump() string {
	var b strings.Builder
	for _, t := range tx.db.order {
		fmt.Fprintf(&b, "table %s\n", t.name)
		it := tx.iter(t, idIndex, nil)
		for obj := it.Next(); obj != nil; obj = it.Next() {
			fmt.Fprintf(&b, "  %v %+v\n", t.keyValue(obj), reflect.ValueOf(obj).Elem().Interface())
		}
		if t.auto {
			last, _ := tx.seqLast(t)
			fmt.Fprintf(&b, "  sequence %d\n", last)
		}
	}
	return b.String()
}
