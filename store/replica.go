package store

import "fmt"

// What replication needs of a write transaction, lent to the root package
// (see lend.go): the checks Commit would run, without committing, so that a
// transaction run on a leader can be shipped as its change set and
// discarded; the change set's rows and sequences, untyped; and the
// AfterCommit functions of a transaction that was never committed here.

// prepare runs the checks that Commit runs before it makes anything
// visible (the foreign keys deferred to Commit, the relations layer's
// commit checks such as DoNothing relations) and returns the first error,
// without committing or discarding anything.
func (tx *Tx) prepare() error {
	switch {
	case tx.closed:
		return fmt.Errorf("memrel: prepare: %w", ErrTxClosed)
	case !tx.write:
		return fmt.Errorf("memrel: prepare: %w", ErrReadOnly)
	}
	if err := tx.checkDeferred(); err != nil {
		return err
	}
	for _, fn := range tx.onCommit {
		if err := fn(tx); err != nil {
			return err
		}
	}
	return nil
}

// walkChanges walks cs, a *ChangeSet (see ChangeSet.walk).
func walkChanges(cs any, row func(t *TableInfo, old, new any), seq func(t *TableInfo, last int64)) {
	cs.(*ChangeSet).walk(row, seq)
}

// runAfterOf runs the AfterCommit functions of tx with cs, a *ChangeSet,
// as Commit would have (see runAfter). tx must be closed.
func runAfterOf(tx *Tx, cs any) {
	if !tx.closed {
		panic("memrel: internal error: AfterCommit functions run on an open transaction")
	}
	runAfter(tx.after, cs.(*ChangeSet))
}
