package store

import "fmt"

// The untyped operations that fixtures and saved DBs are built on, lent
// to the root package (see lend.go).

// insertRaw inserts obj, a *Row of t, as Insert does, with every check
// but without the table's defaults (the row is stored as given; a zero
// integer key still comes from the sequence), and returns the stored row.
func (tx *Tx) insertRaw(t *TableInfo, obj any) (any, error) {
	if t.insertRaw == nil {
		return nil, fmt.Errorf("memrel: internal error: table %s has no insert", t.name)
	}
	return t.insertRaw(tx, obj)
}

// keyPtrOf returns a pointer to the key field of obj, a *Row of t (a *K).
func (ti *TableInfo) keyPtrOf(obj any) any { return ti.keyPtr(obj) }

// sequence returns the last key t's sequence handed out or saw (0 for a
// table without a sequence), as the transaction sees it.
func (tx *Tx) sequence(t *TableInfo) int64 {
	if !t.auto {
		return 0
	}
	last, _ := tx.seqLast(t)
	return last
}

// setSequence moves t's sequence forward to n: it never hands out a key
// up to n. It never moves a sequence back.
func (tx *Tx) setSequence(t *TableInfo, n int64) error {
	if err := tx.writable(t); err != nil {
		return err
	}
	if !t.auto {
		if n != 0 {
			return fmt.Errorf("memrel: table %s has no sequence: %w", t.name, ErrFormat)
		}
		return nil
	}
	tx.seqAdvance(t, n)
	return nil
}
