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
type overlay map[string][]any

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
	it, err := tx.base.Get(t.name, index, value)
	if err != nil {
		panic("memrel: internal error: " + err.Error())
	}
	// The rows are read now, so that the iterator sees the state of this
	// moment whatever the transaction writes while it is used, as go-memdb's
	// iterators do.
	var rows []any
	var kb []byte
	for obj := it.Next(); obj != nil; obj = it.Next() {
		kb = t.keyBytes(kb[:0], obj)
		if _, written := live[string(kb)]; !written {
			rows = append(rows, obj)
		}
	}
	if mine := ov[string(value)]; len(mine) > 0 {
		rows = append(rows, mine...)
		if len(rows) > 1 {
			type keyed struct {
				key []byte
				row any
			}
			ks := make([]keyed, len(rows))
			for i, r := range rows {
				ks[i] = keyed{t.keyBytes(nil, r), r}
			}
			slices.SortFunc(ks, func(a, b keyed) int { return bytes.Compare(a.key, b.key) })
			for i := range ks {
				rows[i] = ks[i].row
			}
		}
	}
	return &sliceIter{rows: rows}
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
			ov[string(v)] = append(ov[string(v)], row)
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
			v := string(old.vals[k.pos])
			if rows := slices.DeleteFunc(ov[v], func(r any) bool { return r == existing }); len(rows) > 0 {
				ov[v] = rows
			} else {
				delete(ov, v)
			}
		}
		if new != nil && new.ok[k.pos] {
			v := string(new.vals[k.pos])
			ov[v] = append(ov[v], obj)
		}
	}
}

// sliceIter iterates rows read ahead.
type sliceIter struct{ rows []any }

func (s *sliceIter) Next() any {
	if len(s.rows) == 0 {
		return nil
	}
	obj := s.rows[0]
	s.rows = s.rows[1:]
	return obj
}
