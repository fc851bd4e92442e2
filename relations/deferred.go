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

// ParentsFirst lists the schema's tables so that a table comes after the
// tables it references (a parent before its children), ties and cycles in
// schema order: the order in which fixtures and saved DBs list tables.
func (rt *runtime) ParentsFirst() []*store.TableInfo {
	var out []*store.TableInfo
	done := map[*store.TableInfo]bool{}
	for len(out) < len(rt.order) {
		picked := (*store.TableInfo)(nil)
		for _, t := range rt.order {
			if done[t] {
				continue
			}
			ready := true
			for _, d := range rt.tables[t].out {
				if d.parent != t && !done[d.parent] {
					ready = false
					break
				}
			}
			if ready {
				picked = t
				break
			}
		}
		if picked == nil { // a cycle: break it in schema order
			for _, t := range rt.order {
				if !done[t] {
					picked = t
					break
				}
			}
		}
		done[picked] = true
		out = append(out, picked)
	}
	return out
}
