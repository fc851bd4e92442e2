package relations

import (
	"fmt"

	"github.com/memrel-go/memrel/store"
)

// GetOrCreate looks up the stored row whose value under the constraint is
// row's, and returns it and false; if there is none, it inserts row as the
// table's Insert does, and returns it as stored and true: Django's
// get_or_create, with the constraint's fields as the lookup and row's other
// fields as its defaults. A row that takes no part in the constraint (an
// empty Null in its value, or outside the condition of a partial
// constraint) cannot be found through it, and is inserted. It needs a write
// transaction even when the row exists. A refused insert changes nothing
// and leaves the transaction usable.
//
// Possible errors: those of Insert (a collision on another unique
// constraint or on the primary key is an error: only this constraint is
// looked up).
func (u *UniqueConstraint[T, V]) GetOrCreate(tx *store.Tx, row T) (T, bool, error) {
	var zero T
	if u.d.table == nil || u.d.err != nil {
		return zero, false, fmt.Errorf("memrel: %w: %w", u.d.err, store.ErrSchema)
	}
	if err := eng.Writable(tx, u.d.table); err != nil {
		return zero, false, err
	}
	if key, ok := u.d.key(make([]byte, 0, 32), &row); ok {
		if obj := eng.Scan(tx, u.d.table, u.d.index, key).Next(); obj != nil {
			return *obj.(*T), false, nil
		}
	}
	r, err := u.insert(tx, row)
	if err != nil {
		return zero, false, err
	}
	return r, true, nil
}
