package store

import (
	"fmt"
	"sync"
)

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
// indexers, and may each have a writer at the same time, even on the same
// stored row: hence the count).
type ahead struct {
	mu   sync.Mutex
	rows map[any]aheadEntry // a *Row being written or removed -> its values
}

type aheadEntry struct {
	rv *rowValues
	n  int // writers using it
}

// rowValues are the primary key and the secondary index values of one
// row, in the order of its table's indexes (ok false: not in that index).
// They never change once computed.
type rowValues struct {
	key  []byte
	vals [][]byte
	ok   []bool
	// Room for the values of a table with few indexes, so that a row's
	// values cost one allocation, not three.
	valsRoom [4][]byte
	okRoom   [4]bool
}

// valuesOf computes obj's values. The bytes are freshly allocated (one
// buffer for all of them): go-memdb keeps the slices it is given as keys.
// stored tells that obj is being stored, and go-memdb will keep its
// primary key as long as it is; the values of a row being replaced or
// removed only find its entries, and share one buffer with its key.
func valuesOf(t *TableInfo, indexes []*IndexDef, obj any, scratch []byte, stored bool) (*rowValues, []byte) {
	var ends [16]int
	end := ends[:0]
	b := t.keyBytes(scratch[:0], obj)
	end = append(end, len(b))
	rv := &rowValues{}
	if n := len(indexes); n <= len(rv.valsRoom) {
		rv.vals, rv.ok = rv.valsRoom[:n], rv.okRoom[:n]
	} else {
		rv.vals, rv.ok = make([][]byte, n), make([]bool, n)
	}
	for i, ix := range indexes {
		b, rv.ok[i] = ix.fromObject(b, obj)
		end = append(end, len(b))
	}
	// The primary key of a row being stored has its own allocation:
	// go-memdb keeps it as long as the row is stored, and it must not keep
	// the other values alive.
	start := 0
	if stored {
		rv.key = append([]byte(nil), b[:end[0]]...)
		start = end[0]
	}
	buf := make([]byte, len(b)-start)
	copy(buf, b[start:])
	if !stored {
		rv.key = buf[:end[0]:end[0]]
	}
	for i := range indexes {
		from, to := end[i]-start, end[i+1]-start
		rv.vals[i] = buf[from:to:to]
	}
	return rv, b[:0]
}

func (a *ahead) get(obj any) *rowValues {
	a.mu.Lock()
	e := a.rows[obj]
	a.mu.Unlock()
	return e.rv
}

func (a *ahead) add(obj any, rv *rowValues) {
	e := a.rows[obj]
	if e.rv == nil {
		e.rv = rv
	}
	e.n++
	a.rows[obj] = e
}

func (a *ahead) remove(obj any) {
	if e := a.rows[obj]; e.n > 1 {
		e.n--
		a.rows[obj] = e
	} else {
		delete(a.rows, obj)
	}
}

// memWrite makes go-memdb store obj in place of existing (the row stored
// under the same key, or nil), or remove existing when obj is nil. Every
// value is computed first; a panic there leaves everything as it was.
func (tx *Tx) memWrite(t *TableInfo, existing, obj any) error {
	if tx.closed { // a callback ended the transaction: write nothing, not even noWrite's buffers
		return fmt.Errorf("memrel: write to %s: %w", t.name, ErrTxClosed)
	}
	st := tx.db.tables[t]
	indexes := st.indexes
	var old, new *rowValues
	if existing != nil {
		old, tx.scratch = valuesOf(t, indexes, existing, tx.scratch, false)
	}
	if obj != nil {
		new, tx.scratch = valuesOf(t, indexes, obj, tx.scratch, true)
	}
	a := tx.db.ahead
	a.mu.Lock()
	if old != nil {
		a.add(existing, old)
	}
	if new != nil {
		a.add(obj, new)
	}
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		if old != nil {
			a.remove(existing)
		}
		if new != nil {
			a.remove(obj)
		}
		a.mu.Unlock()
	}()
	var err error
	if obj != nil {
		err = tx.txn.Insert(t.name, obj)
	} else {
		err = tx.txn.Delete(t.name, existing)
	}
	if err == nil {
		if existing == nil || obj == nil {
			if tx.rows == nil {
				tx.rows = make([]int, len(tx.db.order))
			}
			if existing == nil {
				tx.rows[st.pos]++
			} else {
				tx.rows[st.pos]--
			}
		}
		tx.noteLive(t, existing, obj)
		if len(tx.overlays) > 0 {
			tx.noteOverlays(t, existing, obj, old, new)
		}
	}
	return err
}

// noteLive records the row now stored under a key (nil once deleted), for
// first (see Tx.live).
func (tx *Tx) noteLive(t *TableInfo, existing, obj any) {
	m := tx.live[t]
	if m == nil {
		if tx.live == nil {
			tx.live = map[*TableInfo]map[string]liveRow{}
		}
		m = map[string]liveRow{}
		tx.live[t] = m
	}
	row := obj
	if row == nil {
		row = existing
	}
	tx.keyBuf = t.keyBytes(tx.keyBuf[:0], row)
	if lr, ok := m[string(tx.keyBuf)]; ok {
		lr.cur = obj
		m[string(tx.keyBuf)] = lr
	} else {
		m[string(tx.keyBuf)] = liveRow{orig: existing, cur: obj}
	}
}

// liveRow is a row a write transaction wrote: as it was before (nil: there
// was none) and as it is now (nil: deleted).
type liveRow struct {
	orig, cur any
}
