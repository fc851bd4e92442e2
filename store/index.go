package store

import (
	"bytes"
	"fmt"
	"iter"
	"strings"

	"github.com/memrel-go/memrel/internal/quote"
	"github.com/memrel-go/memrel/internal/rowcopy"
)

// AnyIndex is an index of any type, as listed in a schema.
type AnyIndex interface {
	IndexDef() *IndexDef
}

// Index is an ordered secondary index on a table: rows of type T ordered by
// the value V that get returns (then by primary key). It serves equality
// lookups, counts and ordered listing in both directions from a bound.
// Values are ordered by their type: numbers numerically (negatives first),
// strings bytewise, times chronologically, and an empty Null before every
// value. V can also be a struct or array of such fields (ordered field by
// field).
//
// Declare it once and list it in the schema:
//
//	PostsByPublished = store.NewIndexFunc(Posts, "published_at",
//		func(p *Post) store.Null[time.Time] { return p.PublishedAt })
type Index[T any, K Key, V any] struct {
	def   *IndexDef
	enc   Encoder[V]
	get   func(*T) V
	table *Table[T, K]
}

// NewIndexFunc declares an index named name on table over the value get
// returns, for a computed value (see NewIndex for a field). If V cannot be ordered, Open reports it.
func NewIndexFunc[T any, K Key, V any](table *Table[T, K], name string, get func(*T) V) *Index[T, K, V] {
	ix := &Index[T, K, V]{enc: NewEncoder[V](), get: get, table: table}
	ix.def = &IndexDef{name: "ix_" + name}
	if table != nil {
		ix.def.table = table.info
	}
	if ix.enc.err != nil || get == nil || table == nil {
		err := ix.enc.err
		if err == nil {
			err = missing(declArg{"the table", table == nil}, declArg{"the value function", get == nil})
		}
		ix.def.err = fmt.Errorf("index %s: %w", quote.Name(name), err)
	}
	var copies rowcopy.Pool[T]
	ix.def.fromObject = func(dst []byte, obj any) ([]byte, bool) {
		c := copies.Get(obj.(*T)) // get is given a copy, never the stored row
		b, _ := ix.enc.Append(dst, get(c))
		copies.Put(c)
		return b, true // every row is in an ordered index, empty values first
	}
	if table != nil {
		table.info.attach(ix)
	}
	return ix
}

// IndexDef returns the untyped index definition.
func (ix *Index[T, K, V]) IndexDef() *IndexDef { return ix.def }

func (ix *Index[T, K, V]) key(v V) []byte {
	b, _ := ix.enc.Append(make([]byte, 0, 24), v)
	return b
}

// Get returns the rows whose value is v, in key order.
func (ix *Index[T, K, V]) Get(tx *Tx, v V) iter.Seq[T] {
	return func(yield func(T) bool) {
		it := tx.scan(ix.def.table, ix.def.name, ix.key(v))
		for obj := it.Next(); obj != nil; obj = it.Next() {
			if !yield(*obj.(*T)) {
				return
			}
		}
	}
}

// First returns the row with value v and the smallest key (comma-ok).
func (ix *Index[T, K, V]) First(tx *Tx, v V) (T, bool) {
	for r := range ix.Get(tx, v) {
		return r, true
	}
	var zero T
	return zero, false
}

// Count returns the number of rows whose value is v, without copying them.
func (ix *Index[T, K, V]) Count(tx *Tx, v V) int {
	n := 0
	it := tx.scan(ix.def.table, ix.def.name, ix.key(v))
	for obj := it.Next(); obj != nil; obj = it.Next() {
		n++
	}
	return n
}

// Ascend returns every row in increasing value order.
func (ix *Index[T, K, V]) Ascend(tx *Tx) iter.Seq[T] {
	return ix.scan(tx, nil, nil, false)
}

// Descend returns every row in decreasing value order (rows with equal
// values in decreasing key order).
func (ix *Index[T, K, V]) Descend(tx *Tx) iter.Seq[T] {
	return ix.scan(tx, nil, nil, true)
}

// AscendFrom returns the rows whose value is >= from, in increasing order.
func (ix *Index[T, K, V]) AscendFrom(tx *Tx, from V) iter.Seq[T] {
	return ix.scan(tx, ix.key(from), nil, false)
}

// DescendFrom returns the rows whose value is <= from, in decreasing order:
// "the newest posts published up to from".
func (ix *Index[T, K, V]) DescendFrom(tx *Tx, from V) iter.Seq[T] {
	return ix.scan(tx, ix.key(from), nil, true)
}

// AscendRange returns the rows whose value is >= from and < to, in
// increasing order: "orders created in January".
func (ix *Index[T, K, V]) AscendRange(tx *Tx, from, to V) iter.Seq[T] {
	f, st := ix.keys(from, to)
	return ix.scan(tx, f, st, false)
}

// DescendRange returns the rows whose value is <= from and > to, in
// decreasing order.
func (ix *Index[T, K, V]) DescendRange(tx *Tx, from, to V) iter.Seq[T] {
	f, st := ix.keys(from, to)
	return ix.scan(tx, f, st, true)
}

// keys encodes two bounds in one allocation.
func (ix *Index[T, K, V]) keys(a, b V) ([]byte, []byte) {
	buf, _ := ix.enc.Append(make([]byte, 0, 64), a)
	n := len(buf)
	buf, _ = ix.enc.Append(buf, b)
	return buf[:n:n], buf[n:]
}

func (ix *Index[T, K, V]) scan(tx *Tx, from, stop []byte, reverse bool) iter.Seq[T] {
	return scanIndex(tx, ix.def, ix.value, nil, from, stop, reverse)
}

func (ix *Index[T, K, V]) value(dst []byte, p *T) []byte {
	b, _ := ix.enc.Append(dst, ix.get(p))
	return b
}

// scanIndex walks an index in order from the bound from (nil: the start, or
// the end) while entries stay within the prefix within (nil: the whole
// index) and until a value reaches stop (nil: no stop), which is excluded.
// value appends the index value of a row.
func scanIndex[T any](tx *Tx, def *IndexDef, value func([]byte, *T) []byte, within, from, stop []byte, reverse bool) iter.Seq[T] {
	return func(yield func(T) bool) {
		if from == nil {
			from = within
		}
		seek := from
		if reverse && from != nil {
			// Entries are value + primary key, so every entry of the value
			// from sorts after from itself: seek from the next prefix.
			seek = prefixEnd(from)
		}
		it := tx.scanFrom(def.table, def.name, seek, reverse)
		var buf []byte // reused: grows to the longest value, then stays
		for obj := it.Next(); obj != nil; obj = it.Next() {
			p := obj.(*T)
			if stop != nil || within != nil {
				v := value(buf[:0], p)
				buf = v[:0]
				if within != nil && !bytes.HasPrefix(v, within) {
					return
				}
				if stop != nil {
					c := bytes.Compare(v, stop)
					if (!reverse && c >= 0) || (reverse && c <= 0) {
						return
					}
				}
			}
			if !yield(*p) {
				return
			}
		}
	}
}

// GroupedIndex is an ordered index within groups: rows of type T grouped by
// G and ordered, within each group, by V (then by primary key). It answers
// "a user's posts by published_at, newest first" with one seek:
//
//	PostsByAuthorDate = store.NewGroupedIndexFunc(Posts, "author_published",
//		func(p *Post) int64 { return p.AuthorID },
//		func(p *Post) store.Null[time.Time] { return p.PublishedAt })
//
//	store.Take(PostsByAuthorDate.Descend(tx, annID), 10)
type GroupedIndex[T any, K Key, G any, V any] struct {
	def   *IndexDef
	genc  Encoder[G]
	venc  Encoder[V]
	group func(*T) G
	get   func(*T) V
}

// NewGroupedIndexFunc declares an index named name on table, grouping rows by
// group and ordering them by value within a group. If G or V cannot be
// ordered, Open reports it.
func NewGroupedIndexFunc[T any, K Key, G any, V any](table *Table[T, K], name string, group func(*T) G, value func(*T) V) *GroupedIndex[T, K, G, V] {
	ix := &GroupedIndex[T, K, G, V]{genc: NewEncoder[G](), venc: NewEncoder[V](), group: group, get: value}
	ix.def = &IndexDef{name: "ix_" + name}
	if table != nil {
		ix.def.table = table.info
	}
	err := ix.genc.err
	if err == nil {
		err = ix.venc.err
	}
	if err == nil && (table == nil || group == nil || value == nil) {
		err = missing(declArg{"the table", table == nil}, declArg{"the group function", group == nil}, declArg{"the value function", value == nil})
	}
	if err != nil {
		ix.def.err = fmt.Errorf("index %s: %w", quote.Name(name), err)
	}
	var copies rowcopy.Pool[T]
	ix.def.fromObject = func(dst []byte, obj any) ([]byte, bool) {
		c := copies.Get(obj.(*T)) // the accessors are given a copy, never the stored row
		b := ix.value(dst, c)
		copies.Put(c)
		return b, true
	}
	if table != nil {
		table.info.attach(ix)
	}
	return ix
}

// IndexDef returns the untyped index definition.
func (ix *GroupedIndex[T, K, G, V]) IndexDef() *IndexDef { return ix.def }

func (ix *GroupedIndex[T, K, G, V]) value(dst []byte, p *T) []byte {
	dst, _ = ix.genc.Append(dst, ix.group(p))
	dst, _ = ix.venc.Append(dst, ix.get(p))
	return dst
}

func (ix *GroupedIndex[T, K, G, V]) key(g G, v *V) []byte {
	b, _ := ix.genc.Append(make([]byte, 0, 32), g)
	if v != nil {
		b, _ = ix.venc.Append(b, *v)
	}
	return b
}

func (ix *GroupedIndex[T, K, G, V]) scan(tx *Tx, g G, from, stop *V, reverse bool) iter.Seq[T] {
	within := ix.key(g, nil)
	var f, st []byte
	if from != nil {
		f = ix.key(g, from)
	}
	if stop != nil {
		st = ix.key(g, stop)
	}
	return scanIndex(tx, ix.def, ix.value, within, f, st, reverse)
}

// Ascend returns the rows of group g in increasing value order.
func (ix *GroupedIndex[T, K, G, V]) Ascend(tx *Tx, g G) iter.Seq[T] {
	return ix.scan(tx, g, nil, nil, false)
}

// Descend returns the rows of group g in decreasing value order.
func (ix *GroupedIndex[T, K, G, V]) Descend(tx *Tx, g G) iter.Seq[T] {
	return ix.scan(tx, g, nil, nil, true)
}

// AscendFrom returns the rows of group g whose value is >= from.
func (ix *GroupedIndex[T, K, G, V]) AscendFrom(tx *Tx, g G, from V) iter.Seq[T] {
	return ix.scan(tx, g, &from, nil, false)
}

// DescendFrom returns the rows of group g whose value is <= from, in
// decreasing order.
func (ix *GroupedIndex[T, K, G, V]) DescendFrom(tx *Tx, g G, from V) iter.Seq[T] {
	return ix.scan(tx, g, &from, nil, true)
}

// AscendRange returns the rows of group g whose value is >= from and < to.
func (ix *GroupedIndex[T, K, G, V]) AscendRange(tx *Tx, g G, from, to V) iter.Seq[T] {
	return ix.scan(tx, g, &from, &to, false)
}

// DescendRange returns the rows of group g whose value is <= from and > to,
// in decreasing order.
func (ix *GroupedIndex[T, K, G, V]) DescendRange(tx *Tx, g G, from, to V) iter.Seq[T] {
	return ix.scan(tx, g, &from, &to, true)
}

// Count returns the number of rows in group g, without copying them.
func (ix *GroupedIndex[T, K, G, V]) Count(tx *Tx, g G) int {
	n := 0
	it := tx.iter(ix.def.table, ix.def.name, ix.key(g, nil)) // a prefix of values: not tx.scan
	for obj := it.Next(); obj != nil; obj = it.Next() {
		n++
	}
	return n
}

// prefixEnd returns the smallest key greater than every key with prefix p,
// or nil when there is none (p is all 0xFF).
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// Where returns the rows for which keep returns true, in key order, by
// reading the whole table: the filter for fields that have no index. keep
// sees the stored row and must not modify it; only the rows kept are
// copied.
func (t *Table[T, K]) Where(tx *Tx, keep func(row *T) bool) iter.Seq[T] {
	return func(yield func(T) bool) {
		it := tx.iter(t.info, idIndex, nil)
		var c T // keep is given a copy, never the stored row
		for obj := it.Next(); obj != nil; obj = it.Next() {
			p := obj.(*T)
			c = *p
			if keep(&c) && !yield(*p) {
				return
			}
		}
	}
}

// Take returns at most n values of seq (n <= 0: none).
func Take[T any](seq iter.Seq[T], n int) []T {
	if n <= 0 {
		return nil
	}
	out := make([]T, 0, min(n, 64))
	for v := range seq {
		out = append(out, v)
		if len(out) == n {
			break
		}
	}
	return out
}

// declArg is an argument of a declaration, and whether it is missing.
type declArg struct {
	name    string
	missing bool
}

// missing names the missing arguments of a declaration: "the table and the
// value function are nil (required)".
func missing(parts ...declArg) error {
	var names []string
	for _, p := range parts {
		if p.missing {
			names = append(names, p.name)
		}
	}
	switch len(names) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("%s is nil (required)", names[0])
	}
	return fmt.Errorf("%s and %s are nil (required)", strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
}
