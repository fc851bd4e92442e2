package store

import (
	"errors"
	"fmt"
	"slices"
)

// deferHooks is what the hooks implement to check, at Commit, the foreign
// keys of the rows written while the transaction's foreign-key checks were
// deferred. The relations layer implements it.
type deferHooks interface {
	// CheckDeferred checks that every foreign key of rows (stored *Row
	// values of t, in key order) names an existing row, and returns one
	// error per dangling key.
	CheckDeferred(tx *Tx, t *TableInfo, rows []any) []error
}

// DeferForeignKeys defers the foreign-key checks of the rest of the write
// transaction to its Commit, as PostgreSQL's SET CONSTRAINTS ALL DEFERRED:
// from now on, Insert and Update (and the operations built on them) accept
// a key that names no row yet, and Commit checks every row they wrote,
// reporting every dangling key at once (errors.Join of ForeignKeyError,
// each marked AtCommit); if any is found, the whole transaction is
// discarded. Rows can then be written in any order: a child before its
// parent, the rows of a cycle one after the other.
//
// Everything else is checked as before, on each write: unique and check
// constraints, one-to-one uniqueness, the primary key, and deletes with
// their on-delete rules (a SetDefault or Set value must still name an
// existing row). Many-to-many Add and Set write link rows with Insert,
// so their keys are checked at Commit too. The deferral lasts until the transaction ends; it cannot be undone, even by
// an Atomic block that rolls back. Check, inside the transaction, reports
// the keys that dangle at that moment.
//
//	err := db.Update(func(tx *memrel.Tx) error {
//		if err := tx.DeferForeignKeys(); err != nil {
//			return err
//		}
//		... // insert in any order
//		return nil // Commit checks the keys
//	})
//
// Possible errors: ErrTxClosed, ErrReadOnly.
func (tx *Tx) DeferForeignKeys() error {
	switch {
	case tx.closed:
		return fmt.Errorf("memrel: defer foreign keys: %w", ErrTxClosed)
	case !tx.write:
		return fmt.Errorf("memrel: defer foreign keys: %w", ErrReadOnly)
	}
	tx.deferFK = true
	return nil
}

// ForeignKeysDeferred reports whether the transaction's foreign-key checks
// are deferred to its Commit (see DeferForeignKeys); false once it has
// ended.
func (tx *Tx) ForeignKeysDeferred() bool { return tx.deferFK && !tx.closed }

// noteDeferred records that obj, a row of t, was written while foreign-key
// checks were deferred: Commit checks it.
func (tx *Tx) noteDeferred(t *TableInfo, obj any) {
	if tx.deferred == nil {
		tx.deferred = map[*TableInfo]map[string]struct{}{}
	}
	m := tx.deferred[t]
	if m == nil {
		m = map[string]struct{}{}
		tx.deferred[t] = m
	}
	m[string(t.keyBytes(nil, obj))] = struct{}{}
}

// checkDeferred checks the foreign keys of every row written while they
// were deferred, as they are now (a row deleted since is not checked),
// tables in schema order and rows in key order.
func (tx *Tx) checkDeferred() error {
	if len(tx.deferred) == 0 {
		return nil
	}
	dh, ok := tx.db.hooks.(deferHooks)
	if !ok {
		return nil
	}
	var errs []error
	for _, t := range tx.db.order {
		m := tx.deferred[t]
		if len(m) == 0 {
			continue
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		rows := make([]any, 0, len(keys))
		for _, k := range keys {
			if obj := tx.first(t, []byte(k)); obj != nil {
				rows = append(rows, obj)
			}
		}
		errs = append(errs, dh.CheckDeferred(tx, t, rows)...)
	}
	return errors.Join(errs...)
}
