package relations

import "github.com/memrel-go/memrel/store"

// CheckChanged verifies, in the transaction's current state, the rows of t
// that a change set wrote (written: stored *Row values, inserted or
// updated) and the keys it deleted (encoded): every written row passes the
// table's check constraints, collides with no other row under a unique
// constraint and names an existing parent through each foreign key; no
// remaining row names a deleted key through a foreign key. It is what a
// replica runs after applying a change set row by row without checks, so
// that the state it reaches is judged as a whole, whatever the order of
// the writes (two rows that swapped a unique value, a child written before
// its parent). A NoConstraint relation is not checked. It returns one
// error per problem (at most 50), each unwrapping to store.ErrIntegrity and
// to the typed error.
func (rt *runtime) CheckChanged(tx *store.Tx, t *store.TableInfo, written []any, deleted [][]byte) []error {
	tr := rt.tables[t]
	if tr == nil {
		return nil
	}
	var errs []error
	bad := func(err error) bool {
		errs = append(errs, integrityError{err})
		return len(errs) < 50
	}
	var buf [64]byte
	for _, obj := range written {
		self := ref(t, obj)
		if err := rt.checkChecks(t, self, obj); err != nil && !bad(err) {
			return errs
		}
		for _, u := range tr.uniques {
			if err := rt.checkUnique(tx, u, self, obj, obj, nil); err != nil && !bad(err) {
				return errs
			}
		}
		for _, d := range tr.out {
			if d.unchecked {
				continue
			}
			key, ok := d.ref(buf[:0], obj)
			if !ok || (d.child == d.parent && string(eng.KeyBytes(t, nil, obj)) == string(key)) {
				continue
			}
			if eng.Lookup(tx, d.parent, key) == nil && !bad(&ForeignKeyError{Relation: d.name(), Row: self,
				Field: d.field, Parent: RowRef{Table: d.parent.Name(), Key: d.refValue(obj)}}) {
				return errs
			}
		}
	}
	for _, key := range deleted {
		for _, d := range tr.in {
			if d.unchecked {
				continue
			}
			it := d.scan(tx, d.prefix(nil, key))
			if child := it.Next(); child != nil && !bad(&ForeignKeyError{Relation: d.name(), Row: ref(d.child, child),
				Field: d.field, Parent: RowRef{Table: t.Name(), Key: d.refValue(child)}}) {
				return errs
			}
		}
	}
	return errs
}

// runtime serves the root package's change codec.
var _ interface {
	CheckChanged(tx *store.Tx, t *store.TableInfo, written []any, deleted [][]byte) []error
} = (*runtime)(nil)
