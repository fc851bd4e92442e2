package store

import (
	"bytes"
	"slices"

	"github.com/memrel-go/memrel/internal/engine"
)

// A write transaction answers the lookups of one value in a secondary index
// of a table it wrote (a unique constraint's check, a foreign key's
// children) without reading that index through go-memdb, which would drop
// the index's cache of writable nodes (see Tx.live): the rows it did not
// write come from the state it began from, the rows it wrote from an
// overlay of that index, kept from the first such lookup on.

// overlay holds, for one index, the rows the transaction wrote that are in
// it, by exact index value (their current versions).
type overlay map[string]ovRows

// ovRows are the rows of an overlay at one value: most often one (a unique
// value, a fresh link), held inline.
type ovRows struct {
	one  any
	more []any
}

func (r ovRows) add(obj any) ovRows {
	if r.one == nil {
		r.one = obj
	} else {
		r.more = append(r.more, obj)
	}
	return r
}

// remove returns r without obj, and whether any row is left.
func (r ovRows) remove(obj any) (ovRows, bool) {
	if r.one == obj {
		if len(r.more) == 0 {
			return ovRows{}, false
		}
		r.one, r.more = r.more[len(r.more)-1], r.more[:len(r.more)-1]
		return r, true
	}
	r.more = slices.DeleteFunc(r.more, func(o any) bool { return o == obj })
	return r, true
}

func (r ovRows) appendTo(rows []any) []any {
	if r.one == nil {
		return rows
	}
	return append(append(rows, r.one), r.more...)
}

type overlayKey struct {
	t   *TableInfo
	pos int // of the index in its table's indexes
}

// scanValue iterates the rows of t whose value in the named secondary index
// is value (a whole value: values are prefix-free), ordered by primary key.
func (tx *Tx) scanValue(t *TableInfo, index string, value []byte) engine.RowIterator {
	live, ok := tx.live[t]
	if !ok {
		return tx.iter(t, index, value)
	}
	tx.mustRead(t)
	pos := slices.IndexFunc(tx.db.tables[t].indexes, func(ix *IndexDef) bool { return ix.name == index })
	if pos < 0 {
		return tx.iter(t, index, value) // it panics, naming the index
	}
	ov := tx.overlayOf(t, pos, live)
	if tx.base == nil {
		tx.base = tx.db.mem.Txn(false)
	}
	it, err := tx.base.Get(t.name, index, tx.argsOf(value)...)
	if err != nil {
		panic("memrel: internal error: " + err.Error())
	}
	// The rows are read now, so that the iterator sees the state of this
	// moment whatever the transaction writes while it is used, as go-memdb's
	// iterators do. A lookup of a unique value finds at most one: the
	// iterator holds it inline.
	si := &sliceIter{}
	rows := si.inline[:0]
	for obj := it.Next(); obj != nil; obj = it.Next() {
		tx.keyBuf = t.keyBytes(tx.keyBuf[:0], obj)
		if _, written := live[string(tx.keyBuf)]; !written {
			rows = append(rows, obj)
		}
	}
	if mine, ok := ov[string(value)]; ok {
		rows = t.sortByKey(mine.appendTo(rows))
	}
	si.rows = rows
	return si
}

// sortByKey sorts rows (of t) by primary key, and returns them. The keys
// are encoded into one buffer: three allocations, whatever the number of
// rows.
func (t *TableInfo) sortByKey(rows []any) []any {
	if len(rows) < 2 {
		return rows
	}
	type keyed struct {
		from, to int // the key's bytes in buf
		row      any
	}
	ks := make([]keyed, len(rows))
	buf := make([]byte, 0, 9*len(rows)) // an integer key and a little more
	for i, r := range rows {
		from := len(buf)
		buf = t.keyBytes(buf, r)
		ks[i] = keyed{from, len(buf), r}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return bytes.Compare(buf[a.from:a.to], buf[b.from:b.to]) })
	for i := range ks {
		rows[i] = ks[i].row
	}
	return rows
}

// overlayOf returns the overlay of index pos of t, built from the rows the
// transaction wrote if it has none yet.
func (tx *Tx) overlayOf(t *TableInfo, pos int, live map[string]liveRow) overlay {
	k := overlayKey{t, pos}
	if ov, ok := tx.overlays[k]; ok {
		return ov
	}
	ix := tx.db.tables[t].indexes[pos]
	ov := overlay{}
	for _, lr := range live {
		row := lr.cur
		if row == nil {
			continue
		}
		if v, ok := ix.fromObject(nil, row); ok {
			ov[string(v)] = ov[string(v)].add(row)
		}
	}
	if tx.overlays == nil {
		tx.overlays = map[overlayKey]overlay{}
	}
	tx.overlays[k] = ov
	return ov
}

// noteOverlays keeps the overlays of t's indexes in step with a write:
// existing (with values old) is replaced by obj (with values new).
func (tx *Tx) noteOverlays(t *TableInfo, existing, obj any, old, new *rowValues) {
	for k, ov := range tx.overlays {
		if k.t != t {
			continue
		}
		if old != nil && old.ok[k.pos] {
			v := old.vals[k.pos]
			if rows, left := ov[string(v)].remove(existing); left {
				ov[string(v)] = rows
			} else {
				delete(ov, string(v))
			}
		}
		if new != nil && new.ok[k.pos] {
			v := new.vals[k.pos]
			ov[string(v)] = ov[string(v)].add(obj)
		}
	}
}

// sliceIter iterates rows read ahead.
type sliceIter struct {
	rows   []any
	inline [1]any
}

func (s *sliceIter) Next() any {
	if len(s.rows) == 0 {
		return nil
	}
	obj := s.rows[0]
	s.rows = s.rows[1:]
	return obj
}
