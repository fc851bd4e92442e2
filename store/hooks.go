package store

import "fmt"

// Hooks on a table's writes, run inside the transaction (Django's
// pre_save and pre_delete signals, ent's hooks): before insert, before
// update, before delete. A hook that returns an error, or panics, refuses
// the operation, and everything it did is undone with it.

// BeforeInsert adds fn to the functions that run on each new row of the
// table, after its defaults and before any check and before a key is drawn
// from the sequence: fn may read and write in tx, and change the row (fill
// a price from the product it points at). An error from fn refuses the
// insert, which then changes nothing, fn's own writes included; a panic
// does the same and goes on. Functions run in the order they were added;
// none can be added once a DB is opened with the table. It returns t.
func (t *Table[T, K]) BeforeInsert(fn func(tx *Tx, row *T) error) *Table[T, K] {
	t.info.mustBeOpen("BeforeInsert")
	t.beforeInsert = append(t.beforeInsert, fn)
	return t
}

// BeforeUpdate adds fn to the functions that run on each row Update or
// Modify is about to write, and on each row a delete rewrites (SetNull,
// SetDefault, Set), before the row is checked: fn sees the stored row and
// the new one, and may change the new one or refuse the write with an
// error ("unit_price_cents is frozen"). It returns t; see BeforeInsert.
func (t *Table[T, K]) BeforeUpdate(fn func(tx *Tx, old T, row *T) error) *Table[T, K] {
	t.info.mustBeOpen("BeforeUpdate")
	t.info.beforeUpdate = append(t.info.beforeUpdate, func(tx *Tx, old, row any) error {
		return fn(tx, *old.(*T), row.(*T))
	})
	return t
}

// BeforeDelete adds fn to the functions that run on each row a delete is
// about to remove, the rows its Cascade rules reach included, once the
// delete has been collected and found allowed, in the order the delete
// removes them: an error refuses the whole delete. fn must not write the
// rows the delete removes or rewrites. It returns t; see BeforeInsert.
func (t *Table[T, K]) BeforeDelete(fn func(tx *Tx, row T) error) *Table[T, K] {
	t.info.mustBeOpen("BeforeDelete")
	t.info.beforeDelete = append(t.info.beforeDelete, func(tx *Tx, row any) error {
		return fn(tx, *row.(*T))
	})
	return t
}

// runBeforeUpdate runs the table's BeforeUpdate functions on a row.
func (ti *TableInfo) runBeforeUpdate(tx *Tx, old, row any) error {
	for _, fn := range ti.beforeUpdate {
		if err := fn(tx, old, row); err != nil {
			return err
		}
		if err := endedBy(tx, "BeforeUpdate", ti.name); err != nil {
			return err
		}
	}
	return nil
}

// runBeforeDelete runs the table's BeforeDelete functions on a row.
func (ti *TableInfo) runBeforeDelete(tx *Tx, row any) error {
	for _, fn := range ti.beforeDelete {
		if err := fn(tx, row); err != nil {
			return err
		}
		if err := endedBy(tx, "BeforeDelete", ti.name); err != nil {
			return err
		}
	}
	return nil
}

// endedBy returns an error if the hook just run ended (aborted or
// committed) the transaction it was given: the write it was called for
// cannot go on.
func endedBy(tx *Tx, hook, table string) error {
	if tx.closed {
		return fmt.Errorf("memrel: a %s function of %s ended its transaction: %w", hook, table, ErrTxClosed)
	}
	return nil
}

// hooked runs op inside a savepoint: if op returns an error or panics,
// everything done since is undone (the panic goes on).
func (tx *Tx) hooked(op func() error) (err error) {
	sp := tx.savepoint()
	done := false
	defer func() {
		if !done || err != nil {
			tx.rollbackTo(sp)
		} else {
			tx.release(sp)
		}
	}()
	err = op()
	done = true
	return err
}
