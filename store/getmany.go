package store

import "unsafe"

// GetMany returns copies of the rows with the given keys, in the order of
// keys (a key given twice gives its row twice), as one call: Django's
// in_bulk, but ordered as asked. If some keys name no row, the error is a
// *KeyError wrapping ErrNotFound that lists each of them once (Keys, in
// the order asked), and the rows are those found, still in the order
// asked; with a nil error, rows[i] is the row of keys[i]. With no keys it
// returns nil, nil.
//
// Like Get it is a read: it panics if the table is not in the DB's schema.
func (t *Table[T, K]) GetMany(tx *Tx, keys ...K) ([]T, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	rows := make([]T, 0, len(keys))
	var missing []any
	var seen map[K]bool
	buf := make([]byte, 0, 16)
	for _, k := range keys {
		buf, _ = t.info.kc.appendValue(buf[:0], unsafe.Pointer(&k))
		if obj := tx.first(t.info, buf); obj != nil {
			rows = append(rows, *obj.(*T))
			continue
		}
		if seen == nil {
			seen = map[K]bool{}
		}
		if !seen[k] {
			seen[k] = true
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return rows, &KeyError{Table: t.info.name, Key: missing[0], Keys: missing, Err: ErrNotFound}
	}
	return rows, nil
}

// GetOrCreate returns the stored row that has row's primary key, and
// false; if there is none, it inserts row as Insert does and returns it as
// stored, and true (Django's get_or_create(pk=...), with row's other
// fields as its defaults). A row whose integer key is left at zero is
// numbered from the sequence, so it is always created. It needs a write
// transaction even when the row exists. A refused insert changes nothing.
//
// Possible errors: those of Insert except ErrExists. A unique constraint
// that the new row breaks is an error (ErrUnique): GetOrCreate looks the
// row up by its key only (UniqueConstraint.GetOrCreate looks it up by a
// constraint).
func (t *Table[T, K]) GetOrCreate(tx *Tx, row T) (T, bool, error) {
	if err := tx.writable(t.info); err != nil {
		var zero T
		return zero, false, err
	}
	var zk K
	if k := *t.key(&row); k != zk {
		if obj := tx.first(t.info, t.encodeKey(k)); obj != nil {
			return *obj.(*T), false, nil
		}
	}
	r, err := t.Insert(tx, row)
	if err != nil {
		var zero T
		return zero, false, err
	}
	return r, true, nil
}
