package relations

import "github.com/memrel-go/memrel/store"

// CheckDeferred checks, at Commit, the foreign keys of rows of t written
// while the transaction's foreign-key checks were deferred
// (store.Tx.DeferForeignKeys): one ForeignKeyError, marked AtCommit, per
// key that names no row. A NoConstraint relation is not checked; a row may
// reference itself.
func (rt *runtime) CheckDeferred(tx *store.Tx, t *store.TableInfo, rows []any) []error {
	var errs []error
	var buf [64]byte
	for _, row := range rows {
		for _, d := range rt.tables[t].out {
			if d.unchecked {
				continue
			}
			key, ok := d.ref(buf[:0], row)
			if !ok {
				continue
			}
			if d.child == d.parent && string(eng.KeyBytes(t, nil, row)) == string(key) {
				continue
			}
			if eng.Lookup(tx, d.parent, key) == nil {
				errs = append(errs, &ForeignKeyError{Relation: d.name(), Row: ref(t, row), Field: d.field,
					Parent: RowRef{Table: d.parent.Name(), Key: d.refValue(row)}, AtCommit: true})
			}
		}
	}
	return errs
}

// runtime serves deferred foreign-key checks (store's deferHooks).
var _ interface {
	CheckDeferred(tx *store.Tx, t *store.TableInfo, rows []any) []error
} = (*runtime)(nil)
