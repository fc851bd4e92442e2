package store

import (
	"fmt"

	"github.com/memrel-go/memrel/internal/engine"
)

// engineOf is what package store lends to package relations and the root
// package (see package engine): the operations that bypass the typed API
// and its checks, which no user may call.
type engineOf = engine.Store[Tx, TableInfo, DeleteResult, AnyTable, IndexDef, DB]

func init() {
	engine.Lend(&engineOf{
		Open:           open,
		Validate:       validate,
		Scan:           (*Tx).scan,
		ScanPrefix:     (*Tx).scanPrefix,
		CountPrefix:    (*Tx).countPrefix,
		ScanFrom:       (*Tx).scanFrom,
		Lookup:         (*Tx).lookup,
		WriteUnchecked: (*Tx).writeUnchecked,
		Writable:       (*Tx).writable,
		OnCommit:       (*Tx).addOnCommit,
		Savepoint:      (*Tx).savepoint,
		RollbackTo:     (*Tx).rollbackTo,
		Release:        (*Tx).release,
		KeyBytes:       (*TableInfo).appendKey,
		KeyOf:          (*TableInfo).keyOf,
		Clone:          (*TableInfo).cloneRow,
		Attach:         (*TableInfo).attach,
		Attached:       (*TableInfo).attachedDecls,
		SetCallerKeys:  (*TableInfo).setCallerKeys,
		Err:            (*TableInfo).declErr,
		Indexes:        (*TableInfo).indexDefs,
		NewIndex:       newIndexDef,
		RowValue:       (*TableInfo).rowValue,
		BeforeUpdate:   func(tx *Tx, t *TableInfo, old, row any) error { return t.runBeforeUpdate(tx, old, row) },
		BeforeDelete:   func(tx *Tx, t *TableInfo, row any) error { return t.runBeforeDelete(tx, row) },
		Hooked: func(t *TableInfo) (bool, bool) {
			return len(t.beforeUpdate) > 0, len(t.beforeDelete) > 0
		},
		Watch:       (*Tx).watch,
		HooksOf:     func(db *DB) hooks { return db.hooks },
		InsertRaw:   (*Tx).insertRaw,
		KeyPtr:      (*TableInfo).keyPtrOf,
		Assigned:    func(t *TableInfo) bool { return t.auto && !t.chosen },
		Sequence:    (*Tx).sequence,
		SetSequence: (*Tx).setSequence,
		Prepare:     (*Tx).prepare,
		WalkChanges: walkChanges,
		RunAfter:    runAfterOf,
	})
}

// Atomic runs fn as a nested atomic block of the write transaction tx, as
// Django's transaction.atomic does inside another: if fn returns an error
// or panics, every write fn made is undone (the writes before the block
// stay) and the error is returned, or the panic goes on; otherwise its
// writes are kept, for tx's Commit to make durable. Blocks nest.
//
//	err := tx.Atomic(func(tx *Tx) error {
//		if _, err := Orders.Insert(tx, order); err != nil {
//			return err // the order's items below are not half written
//		}
//		...
//	})
func (tx *Tx) Atomic(fn func(tx *Tx) error) (err error) {
	switch {
	case tx.closed:
		return fmt.Errorf("memrel: atomic block: %w", ErrTxClosed)
	case !tx.write:
		return fmt.Errorf("memrel: atomic block: %w", ErrReadOnly)
	}
	sp := tx.savepoint()
	done := false
	defer func() {
		switch {
		case tx.closed: // fn committed or aborted tx: nothing is left to undo or keep
		case !done || err != nil:
			tx.rollbackTo(sp)
		default:
			tx.release(sp)
		}
	}()
	err = fn(tx)
	done = true
	return err
}
