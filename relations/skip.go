package relations

import "github.com/memrel-go/memrel/store"

// BeforeInsertOrSkip checks a new row for InsertOrSkip, in the order of
// BeforeInsert, and reports a collision on the primary key (taken) or a
// unique constraint by returning the stored row, without building an
// error.
func (rt *runtime) BeforeInsertOrSkip(tx *store.Tx, t *store.TableInfo, row any, autoKey bool, taken any) (any, error) {
	self := func() RowRef { // built only for an error
		r := RowRef{Table: t.Name(), Key: eng.KeyOf(t, row), New: true}
		if autoKey {
			r.Key = nil
		}
		return r
	}
	for _, c := range rt.tables[t].checks {
		if !c.pred(row) {
			return nil, rt.checkChecks(t, self(), row)
		}
	}
	if taken != nil {
		return taken, nil
	}
	for _, u := range rt.tables[t].uniques {
		if other := rt.conflict(tx, u, nil, row, nil); other != nil {
			return other, nil
		}
	}
	if tx.ForeignKeysDeferred() {
		return nil, nil // checked at Commit (CheckDeferred)
	}
	return nil, rt.checkFKs(tx, t, self(), nil, row, nil)
}

// runtime serves InsertOrSkip (store's skipHooks).
var _ interface {
	BeforeInsertOrSkip(tx *store.Tx, t *store.TableInfo, row any, autoKey bool, taken any) (any, error)
} = (*runtime)(nil)
