package store

import "errors"

// skipHooks is what the hooks implement to serve InsertOrSkip without building
// an error for a row it skips. The relations layer implements it.
type skipHooks interface {
	// BeforeInsertOrSkip checks a new row as BeforeInsert does, in the same
	// order, but reports a collision on a unique constraint (a one-to-one
	// included) by returning the stored row collided with, and a nil
	// error. taken is the stored row whose primary key the new row has, or
	// nil; it is returned in its place in the order of checks (after check
	// constraints).
	BeforeInsertOrSkip(tx *Tx, t *TableInfo, row any, autoKey bool, taken any) (conflict any, err error)
}

// InsertOrSkip inserts row as Insert does, unless it collides with a
// stored row on the primary key or on a unique constraint (one-to-one
// relations included): then it writes nothing and returns that stored row,
// false and a nil error, without building an error (Django's
// bulk_create(ignore_conflicts=True), SQL's INSERT ... ON CONFLICT DO
// NOTHING). When the row collides with several, it is the one Insert's
// error would name: the primary key's, then one-to-one relations', then
// unique constraints' in declaration order. Every other refusal is an
// error, as from Insert, in the same order: a check constraint fails
// before a collision is looked at (as in PostgreSQL), a missing parent
// after. Like Insert, a skipped or refused row uses up no key of the
// sequence and changes nothing.
//
// Possible errors: those of Insert except ErrExists and ErrUnique.
func (t *Table[T, K]) InsertOrSkip(tx *Tx, row T) (T, bool, error) {
	return t.insert(tx, row, nil, true, false)
}

// skipConflict runs the hooks for InsertOrSkip: the stored row that p
// collides with, or an error, or neither.
func (t *Table[T, K]) skipConflict(tx *Tx, p *T, assigned bool, taken any) (any, error) {
	h := tx.db.hooks
	if h == nil {
		return taken, nil
	}
	if sh, ok := h.(skipHooks); ok {
		return sh.BeforeInsertOrSkip(tx, t.info, p, assigned, taken)
	}
	// Hooks that cannot tell a collision without an error: only the
	// primary key's is skipped, a unique constraint's is their error.
	var takenErr error
	if taken != nil {
		takenErr = &KeyError{Table: t.info.name, Key: *t.key(p), Err: ErrExists}
	}
	err := h.BeforeInsert(tx, t.info, p, assigned, takenErr)
	if err != nil && taken != nil && errors.Is(err, ErrExists) {
		return taken, nil
	}
	return nil, err
}
