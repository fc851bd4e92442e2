package store

import "sync"

// go-memdb computes a row's index values itself, index by index, as it
// writes or removes the row, by calling the indexers of the schema. If
// those called the user's accessors, an accessor that panics (or answers
// differently from one call to the next) half-way through would leave the
// row in some indexes and not in others, which no rollback could see. So
// memrel computes every value of a row before go-memdb touches anything
// (a panic then stops the write before it began), and the indexers answer
// go-memdb from those values: go-memdb never calls user code.

// ahead holds the index values of the rows being written right now. It is
// shared by a DB and its snapshots (they share go-memdb's schema, hence its
// indexers, and may each have a writer at the same time).
type ahead struct {
	mu   sync.Mutex
	rows map[any]*rowValues // a *Row being written or removed -> its values
}

// rowValues are the primary key and the secondary index values of one
// row, in the order of its table's indexes (ok false: not in that index).
type rowValues struct {
	key  []byte
	vals [][]byte
	ok   []bool
}

// compute fills rv with obj's values. The bytes are freshly allocated (one
// buffer for all of them): go-memdb keeps the slices it is given as keys.
func (rv *rowValues) compute(t *TableInfo, indexes []*IndexDef, obj any, scratch []byte) []byte {
	b := t.keyBytes(scratch[:0], obj)
	ends := make([]int, 0, 8)
	ends = append(ends, len(b))
	rv.ok = rv.ok[:0]
	for _, ix := range indexes {
		var ok bool
		b, ok = ix.FromObject(b, obj)
		rv.ok = append(rv.ok, ok)
		ends = append(ends, len(b))
	}
	buf := make([]byte, len(b))
	copy(buf, b)
	rv.key = buf[:ends[0]:ends[0]]
	rv.vals = rv.vals[:0]
	for i := range indexes {
		rv.vals = append(rv.vals, buf[ends[i]:ends[i+1]:ends[i+1]])
	}
	return b[:0]
}

func (a *ahead) get(obj any) *rowValues {
	a.mu.Lock()
	rv := a.rows[obj]
	a.mu.Unlock()
	return rv
}

// memWrite makes go-memdb store obj in place of existing (the row stored
// under the same key, or nil), or remove existing when obj is nil. Every
// value is computed first; a panic there leaves everything as it was.
func (tx *Tx) memWrite(t *TableInfo, existing, obj any) error {
	indexes := tx.db.tables[t].indexes
	rvs := &tx.rvs
	if existing != nil {
		tx.scratch = rvs[0].compute(t, indexes, existing, tx.scratch)
	}
	if obj != nil {
		tx.scratch = rvs[1].compute(t, indexes, obj, tx.scratch)
	}
	a := tx.db.ahead
	a.mu.Lock()
	if existing != nil {
		a.rows[existing] = &rvs[0]
	}
	if obj != nil {
		a.rows[obj] = &rvs[1]
	}
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		delete(a.rows, existing)
		delete(a.rows, obj)
		a.mu.Unlock()
	}()
	if obj != nil {
		return tx.txn.Insert(t.name, obj)
	}
	return tx.txn.Delete(t.name, existing)
}
