package store_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/memrel-go/memrel/store"
)

// Tests of the ordered secondary index (store.Index), Take, Table.Where and
// Table.Len: every query on each kind of value, against a model.
//
// The model-based harness (qtCheckIndex) takes a list of values in strictly
// increasing order (the order the index must give them), stores rows for
// some of them (one to three rows per value, keys unrelated to the value
// order) and uses the others as probes: bounds below every stored value,
// above every stored value, between two, and equal to the first, last or a
// repeated one. Every query is then compared with the model for every value
// (and every pair of values for the ranges), in a read transaction and in a
// write transaction that has just changed the data.

// qtRow is the row type of the harness: V is the indexed value.
type qtRow[V any] struct {
	ID   int64
	V    V
	Note string
}

// qtFixture is a one-table DB with an ordered index on qtRow.V.
type qtFixture[V any] struct {
	db  *store.DB
	tbl *store.Table[qtRow[V], int64]
	ix  *store.Index[qtRow[V], int64, V]
}

func qtOpen[V any](t testing.TB) *qtFixture[V] {
	t.Helper()
	tbl := store.NewTable("rows", func(r *qtRow[V]) *int64 { return &r.ID })
	ix := store.NewIndexFunc(tbl, "v", func(r *qtRow[V]) V { return r.V })
	db, err := store.Open(store.Config{Tables: []store.AnyTable{tbl}, Indexes: []*store.IndexDef{ix.IndexDef()}})
	if err != nil {
		t.Fatalf("Open with an index on %v: %v", reflect.TypeFor[V](), err)
	}
	return &qtFixture[V]{db: db, tbl: tbl, ix: ix}
}

func (r qtRow[V]) key() int64 { return r.ID }

// qtKeyed is a row type of the harness.
type qtKeyed interface{ key() int64 }

// qtModel is what the table should hold: each row's key, the position of
// its value in the list of values, and the row itself.
type qtModel[R qtKeyed] struct {
	pos  map[int64]int
	rows map[int64]R
}

func qtNewModel[R qtKeyed]() *qtModel[R] {
	return &qtModel[R]{pos: map[int64]int{}, rows: map[int64]R{}}
}

func (m *qtModel[R]) clone() *qtModel[R] {
	c := qtNewModel[R]()
	for k, v := range m.pos {
		c.pos[k] = v
		c.rows[k] = m.rows[k]
	}
	return c
}

func (m *qtModel[R]) set(r R, pos int) {
	m.pos[r.key()] = pos
	m.rows[r.key()] = r
}

func (m *qtModel[R]) del(id int64) {
	delete(m.pos, id)
	delete(m.rows, id)
}

// want returns the rows whose value position satisfies keep, ordered by
// (value, key), or by (value, key) descending.
func (m *qtModel[R]) want(keep func(pos int) bool, desc bool) []R {
	var ids []int64
	for id, p := range m.pos {
		if keep(p) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b int64) int {
		if pa, pb := m.pos[a], m.pos[b]; pa != pb {
			return pa - pb
		}
		if a < b {
			return -1
		}
		return 1
	})
	if desc {
		slices.Reverse(ids)
	}
	out := make([]R, 0, len(ids))
	for _, id := range ids {
		out = append(out, m.rows[id])
	}
	return out
}

// qtCollect reads a whole sequence.
func qtCollect[T any](seq func(func(T) bool)) []T {
	var out []T
	for v := range seq {
		out = append(out, v)
	}
	return out
}

func qtIDs[R qtKeyed](rows []R) []int64 {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.key()
	}
	return ids
}

// qtSame compares rows returned by a query with the model's, by key first
// (for a readable message), then field by field.
func qtSame[R qtKeyed](t testing.TB, what string, got, want []R) {
	t.Helper()
	if !slices.Equal(qtIDs(got), qtIDs(want)) {
		t.Errorf("%s: keys %v, want %v\n got rows  %v\n want rows %v", what, qtIDs(got), qtIDs(want), got, want)
		return
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%s: row %d = %+v, want %+v", what, i, got[i], want[i])
		}
	}
}

// qtLoad inserts, in a random order and with keys unrelated to the value
// order (negative ones included), 1 to 3 rows for each value position that
// stored selects. It returns
// the model of what was committed.
func qtLoad[V any](t testing.TB, f *qtFixture[V], vals []V, stored func(i int) bool, seed uint64) *qtModel[qtRow[V]] {
	t.Helper()
	var rows []qtRow[V]
	var pos []int
	for i, v := range vals {
		if !stored(i) {
			continue
		}
		for c := 0; c < 1+i%3; c++ {
			rows = append(rows, qtRow[V]{V: v, Note: fmt.Sprintf("v%d.%d", i, c)})
			pos = append(pos, i)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	keys := rng.Perm(len(rows)) // key k+1 goes to row k's permuted slot
	order := rng.Perm(len(rows))
	m := qtNewModel[qtRow[V]]()
	mustUpdate(t, f.db, func(tx *store.Tx) error {
		for _, i := range order {
			r := rows[i]
			// Keys from -len/2 up, skipping 0 (which asks the sequence): rows
			// of one value are ordered by signed key, negatives first.
			r.ID = int64(keys[i]) - int64(len(rows)/2)
			if r.ID >= 0 {
				r.ID++
			}
			got, err := f.tbl.Insert(tx, r)
			if err != nil {
				return err
			}
			m.set(got, pos[i])
		}
		return nil
	})
	return m
}

// qtCheckIndex compares every query of f.ix in tx with the model m, for
// every value of vals as a bound.
func qtCheckIndex[V any](t *testing.T, tx *store.Tx, f *qtFixture[V], vals []V, m *qtModel[qtRow[V]]) {
	t.Helper()
	ix := f.ix
	all := func(int) bool { return true }
	n := len(m.pos)

	qtSame(t, "Ascend", qtCollect(ix.Ascend(tx)), m.want(all, false))
	qtSame(t, "Descend", qtCollect(ix.Descend(tx)), m.want(all, true))
	if got := f.tbl.Len(tx); got != n {
		t.Errorf("Len = %d, want %d", got, n)
	}
	for _, k := range []int{-1, 0, 1, 2, n - 1, n, n + 5} {
		wantAsc, wantDesc := m.want(all, false), m.want(all, true)
		lim := max(0, min(k, n))
		qtSame(t, fmt.Sprintf("Take(Ascend, %d)", k), store.Take(ix.Ascend(tx), k), wantAsc[:lim])
		qtSame(t, fmt.Sprintf("Take(Descend, %d)", k), store.Take(ix.Descend(tx), k), wantDesc[:lim])
	}

	for i, v := range vals {
		eq := func(p int) bool { return p == i }
		wantEq := m.want(eq, false)
		qtSame(t, fmt.Sprintf("Get(vals[%d]=%v)", i, v), qtCollect(ix.Get(tx, v)), wantEq)
		if got := ix.Count(tx, v); got != len(wantEq) {
			t.Errorf("Count(vals[%d]=%v) = %d, want %d", i, v, got, len(wantEq))
		}
		first, ok := ix.First(tx, v)
		if ok != (len(wantEq) > 0) {
			t.Errorf("First(vals[%d]=%v) ok = %v, want %v", i, v, ok, len(wantEq) > 0)
		} else if ok {
			qtSame(t, fmt.Sprintf("First(vals[%d]=%v)", i, v), []qtRow[V]{first}, wantEq[:1])
		}

		ge := m.want(func(p int) bool { return p >= i }, false)
		le := m.want(func(p int) bool { return p <= i }, true)
		qtSame(t, fmt.Sprintf("AscendFrom(vals[%d]=%v)", i, v), qtCollect(ix.AscendFrom(tx, v)), ge)
		qtSame(t, fmt.Sprintf("DescendFrom(vals[%d]=%v)", i, v), qtCollect(ix.DescendFrom(tx, v)), le)
		// Take stops the iterators early: the first row only, then three.
		for _, k := range []int{1, 3} {
			qtSame(t, fmt.Sprintf("Take(AscendFrom(vals[%d]), %d)", i, k), store.Take(ix.AscendFrom(tx, v), k), ge[:min(k, len(ge))])
			qtSame(t, fmt.Sprintf("Take(DescendFrom(vals[%d]), %d)", i, k), store.Take(ix.DescendFrom(tx, v), k), le[:min(k, len(le))])
			qtSame(t, fmt.Sprintf("Take(Get(vals[%d]), %d)", i, k), store.Take(ix.Get(tx, v), k), wantEq[:min(k, len(wantEq))])
		}

		for j, w := range vals {
			asc := m.want(func(p int) bool { return p >= i && p < j }, false)
			desc := m.want(func(p int) bool { return p <= i && p > j }, true)
			qtSame(t, fmt.Sprintf("AscendRange(vals[%d]=%v, vals[%d]=%v)", i, v, j, w), qtCollect(ix.AscendRange(tx, v, w)), asc)
			qtSame(t, fmt.Sprintf("DescendRange(vals[%d]=%v, vals[%d]=%v)", i, v, j, w), qtCollect(ix.DescendRange(tx, v, w)), desc)
			if len(asc) > 1 {
				qtSame(t, fmt.Sprintf("Take(AscendRange(vals[%d], vals[%d]), 1)", i, j), store.Take(ix.AscendRange(tx, v, w), 1), asc[:1])
			}
			if len(desc) > 1 {
				qtSame(t, fmt.Sprintf("Take(DescendRange(vals[%d], vals[%d]), 1)", i, j), store.Take(ix.DescendRange(tx, v, w), 1), desc[:1])
			}
		}
	}
}

// qtMutate changes committed data in tx: it inserts rows for a value no row
// had, moves the first row in value order to the last value and the last
// row to the first value (an updated row moves in the order), and deletes a
// row from the middle. It returns the model after the changes.
func qtMutate[V any](t *testing.T, tx *store.Tx, f *qtFixture[V], vals []V, m *qtModel[qtRow[V]]) *qtModel[qtRow[V]] {
	t.Helper()
	next := m.clone()
	asc := m.want(func(int) bool { return true }, false)
	// Insert: two rows for the first value position that has none (or the
	// last one, when every value has rows).
	p := len(vals) - 1
	for i := range vals {
		if len(m.want(func(q int) bool { return q == i }, false)) == 0 {
			p = i
			break
		}
	}
	for c := range 2 {
		r, err := f.tbl.Insert(tx, qtRow[V]{V: vals[p], Note: fmt.Sprintf("new%d", c)})
		if err != nil {
			t.Fatalf("Insert in write tx: %v", err)
		}
		next.set(r, p)
	}
	if len(asc) >= 3 {
		lo, hi, mid := asc[0], asc[len(asc)-1], asc[len(asc)/2]
		lo.V, lo.Note = vals[len(vals)-1], "moved up"
		if _, err := f.tbl.Update(tx, lo); err != nil {
			t.Fatalf("Update: %v", err)
		}
		next.set(lo, len(vals)-1)
		hi, err := f.tbl.Modify(tx, hi.ID, func(r *qtRow[V]) error {
			r.V, r.Note = vals[0], "moved down"
			return nil
		})
		if err != nil {
			t.Fatalf("Modify: %v", err)
		}
		next.set(hi, 0)
		if mid.ID != lo.ID && mid.ID != hi.ID {
			if _, err := f.tbl.Delete(tx, mid.ID); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			next.del(mid.ID)
		}
	}
	return next
}

// qtCheckAll runs the harness on vals (strictly increasing) with three
// choices of stored values: all of them, the even positions (the ends are
// stored when len(vals) is odd) and the odd positions (the first value is
// then a bound below every row). In each it checks a read transaction, a
// write transaction after changes (read-your-writes), that a concurrent
// read transaction does not see them, and the state after Commit.
func qtCheckAll[V any](t *testing.T, vals []V) {
	t.Helper()
	masks := []struct {
		name   string
		stored func(i int) bool
	}{
		{"all", func(int) bool { return true }},
		{"even", func(i int) bool { return i%2 == 0 }},
		{"odd", func(i int) bool { return i%2 == 1 }},
	}
	for mi, mask := range masks {
		t.Run(mask.name, func(t *testing.T) {
			f := qtOpen[V](t)
			m := qtLoad(t, f, vals, mask.stored, uint64(mi+1))
			t.Run("read", func(t *testing.T) {
				tx := f.db.BeginRead()
				defer tx.Abort()
				qtCheckIndex(t, tx, f, vals, m)
			})
			t.Run("write", func(t *testing.T) {
				before := f.db.BeginRead()
				defer before.Abort()
				tx := f.db.BeginWrite()
				defer tx.Abort()
				// The same reads before any write, in the write transaction.
				qtCheckIndex(t, tx, f, vals, m)
				next := qtMutate(t, tx, f, vals, m)
				qtCheckIndex(t, tx, f, vals, next)
				// A read transaction begun earlier sees none of it.
				qtCheckIndex(t, before, f, vals, m)
				if err := tx.Commit(); err != nil {
					t.Fatalf("Commit: %v", err)
				}
				after := f.db.BeginRead()
				defer after.Abort()
				qtCheckIndex(t, after, f, vals, next)
			})
		})
	}
}

func TestQtIndexInt64(t *testing.T) {
	qtCheckAll(t, []int64{math.MinInt64, math.MinInt64 + 1, -1 << 40, -257, -256, -255, -1, 0, 1, 255, 256, 1 << 40, math.MaxInt64 - 1, math.MaxInt64})
}

func TestQtIndexInt(t *testing.T) {
	qtCheckAll(t, []int{math.MinInt, -1 << 33, -2, -1, 0, 1, 2, 1 << 33, math.MaxInt})
}

func TestQtIndexInt8(t *testing.T) {
	qtCheckAll(t, []int8{math.MinInt8, -2, -1, 0, 1, math.MaxInt8})
}

func TestQtIndexInt32(t *testing.T) {
	qtCheckAll(t, []int32{math.MinInt32, -65536, -1, 0, 1, 65536, math.MaxInt32})
}

func TestQtIndexUint64(t *testing.T) {
	qtCheckAll(t, []uint64{0, 1, 255, 256, 1 << 32, 1<<63 - 1, 1 << 63, math.MaxUint64 - 1, math.MaxUint64})
}

func TestQtIndexString(t *testing.T) {
	// Bytewise order, with the empty string first, NUL bytes and prefixes.
	qtCheckAll(t, []string{"", "\x00", "\x00\x00", "\x00\x01", "\x01", "a", "a\x00", "a\x00b", "a\x01", "ab", "abc", "abd", "b", "é", "\xff", "\xff\xff"})
}

func TestQtIndexFloat64(t *testing.T) {
	qtCheckAll(t, []float64{math.Inf(-1), -math.MaxFloat64, -1e10, -1.5, -1, -math.SmallestNonzeroFloat64, 0, math.SmallestNonzeroFloat64, 0.5, 1, 1.5, 1e10, math.MaxFloat64, math.Inf(1)})
}

func TestQtIndexFloat32(t *testing.T) {
	qtCheckAll(t, []float32{float32(math.Inf(-1)), -3.5, -1, 0, 0.25, 1, float32(math.Inf(1))})
}

func TestQtIndexBool(t *testing.T) {
	qtCheckAll(t, []bool{false, true})
}

func TestQtIndexTime(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	qtCheckAll(t, []time.Time{
		{}, // year 1
		time.Date(1000, 6, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(-86400, 0).UTC(),
		time.Unix(-2, 999_999_999).UTC(),
		time.Unix(-1, 0).UTC(),
		time.Unix(-1, 1).UTC(),
		time.Unix(-1, 999_999_999).UTC(), // 1969-12-31T23:59:59.999999999
		time.Unix(0, 0).UTC(),
		time.Unix(0, 1).UTC(),
		time.Unix(0, 999_999_999).UTC(),
		time.Unix(1, 0).In(est), // zones do not matter: instants are ordered
		time.Date(2024, 2, 29, 12, 0, 0, 5, time.UTC),
		time.Date(2024, 2, 29, 12, 0, 0, 6, time.UTC),
		time.Date(2024, 2, 29, 12, 0, 1, 0, est),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
	})
}

func TestQtIndexNullTime(t *testing.T) {
	// The empty value sorts before every time: first ascending, last
	// descending.
	qtCheckAll(t, []store.Null[time.Time]{
		store.None[time.Time](),
		store.Some(time.Time{}),
		store.Some(time.Unix(-1, 999_999_999).UTC()),
		store.Some(time.Unix(0, 0).UTC()),
		store.Some(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)),
		store.Some(time.Date(2024, 1, 1, 0, 0, 0, 1, time.UTC)),
	})
}

func TestQtIndexNullInt64(t *testing.T) {
	qtCheckAll(t, []store.Null[int64]{store.None[int64](), store.Some[int64](math.MinInt64), store.Some[int64](-1), store.Some[int64](0), store.Some[int64](1), store.Some[int64](math.MaxInt64)})
}

func TestQtIndexNullString(t *testing.T) {
	// The empty Null and the empty string are different values.
	qtCheckAll(t, []store.Null[string]{store.None[string](), store.Some(""), store.Some("\x00"), store.Some("a"), store.Some("ab")})
}

// qtComposite is a composite index value: ordered by Day, then Name, then
// At (empty first).
type qtComposite struct {
	Day  int32
	Name string
	At   store.Null[time.Time]
}

func TestQtIndexComposite(t *testing.T) {
	at := func(sec int64) store.Null[time.Time] { return store.Some(time.Unix(sec, 0).UTC()) }
	none := store.None[time.Time]()
	qtCheckAll(t, []qtComposite{
		{math.MinInt32, "", none},
		{-1, "", none},
		{-1, "", at(-5)},
		{-1, "", at(0)},
		{-1, "\x00", none},
		{-1, "a", none},
		{-1, "a", at(-1)},
		{-1, "ab", none},
		{0, "", none},
		{0, "", at(math.MinInt32)},
		{0, "z", at(1)},
		{1, "", none},
		{math.MaxInt32, "\xff", at(1 << 40)},
	})
}

func TestQtIndexArray(t *testing.T) {
	qtCheckAll(t, [][2]int16{{math.MinInt16, 0}, {-1, -1}, {-1, 0}, {-1, 1}, {0, math.MinInt16}, {0, 0}, {1, -1}, {math.MaxInt16, math.MaxInt16}})
}

// A negative zero is the same value as zero: one key, found by either.
func TestQtIndexFloatNegativeZeroEqualsZero(t *testing.T) {
	f := qtOpen[float64](t)
	negZero := math.Copysign(0, -1)
	mustUpdate(t, f.db, func(tx *store.Tx) error {
		for _, v := range []float64{-1, negZero, 0, 1} {
			if _, err := f.tbl.Insert(tx, qtRow[float64]{V: v}); err != nil {
				return err
			}
		}
		return nil
	})
	tx := f.db.BeginRead()
	defer tx.Abort()
	for _, z := range []float64{0, negZero} {
		if got := qtIDs(qtCollect(f.ix.Get(tx, z))); !slices.Equal(got, []int64{2, 3}) {
			t.Errorf("Get(%v) = keys %v, want [2 3] (-0 and +0 are one value)", z, got)
		}
		if got := qtIDs(qtCollect(f.ix.AscendRange(tx, z, 1))); !slices.Equal(got, []int64{2, 3}) {
			t.Errorf("AscendRange(%v, 1) = keys %v, want [2 3]", z, got)
		}
		if got := qtIDs(qtCollect(f.ix.DescendFrom(tx, z))); !slices.Equal(got, []int64{3, 2, 1}) {
			t.Errorf("DescendFrom(%v) = keys %v, want [3 2 1]", z, got)
		}
	}
}

// The same instant in two zones is one value: found by either, and a bound
// in one zone applies to rows stored in another.
func TestQtIndexTimeZonesAreOneInstant(t *testing.T) {
	f := qtOpen[time.Time](t)
	tokyo := time.FixedZone("JST", 9*3600)
	base := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	mustUpdate(t, f.db, func(tx *store.Tx) error {
		for _, v := range []time.Time{base.Add(-time.Nanosecond), base.In(tokyo), base, base.Add(time.Nanosecond).In(tokyo)} {
			if _, err := f.tbl.Insert(tx, qtRow[time.Time]{V: v}); err != nil {
				return err
			}
		}
		return nil
	})
	tx := f.db.BeginRead()
	defer tx.Abort()
	for _, b := range []time.Time{base, base.In(tokyo), base.Local()} {
		if got := qtIDs(qtCollect(f.ix.Get(tx, b))); !slices.Equal(got, []int64{2, 3}) {
			t.Errorf("Get(%v) = keys %v, want [2 3]", b, got)
		}
		if got := f.ix.Count(tx, b); got != 2 {
			t.Errorf("Count(%v) = %d, want 2", b, got)
		}
		if got := qtIDs(qtCollect(f.ix.DescendRange(tx, b, base.Add(-time.Nanosecond)))); !slices.Equal(got, []int64{3, 2}) {
			t.Errorf("DescendRange(%v, base-1ns) = keys %v, want [3 2]", b, got)
		}
	}
	// A time read with a monotonic clock reading is indexed by its instant.
	now := time.Now()
	mustUpdate(t, f.db, func(tx *store.Tx) error {
		_, err := f.tbl.Insert(tx, qtRow[time.Time]{ID: 100, V: now})
		return err
	})
	tx2 := f.db.BeginRead()
	defer tx2.Abort()
	if got := qtIDs(qtCollect(f.ix.Get(tx2, now.Round(0).UTC()))); !slices.Equal(got, []int64{100}) {
		t.Errorf("Get(now without monotonic reading, UTC) = keys %v, want [100]", got)
	}
}

// qtPost is the "posts by published_at" row of the issue.
type qtPost struct {
	ID          int64
	AuthorID    int64
	Title       string
	PublishedAt store.Null[time.Time] // empty: a draft
}

// The listing of the issue, spelled out: a user's posts newest first with a
// limit, drafts (empty) last; posts published in a date range.
func TestQtPostsNewestFirstDraftsLast(t *testing.T) {
	posts := store.NewTable("posts", func(p *qtPost) *int64 { return &p.ID })
	byPublished := store.NewIndexFunc(posts, "published_at", func(p *qtPost) store.Null[time.Time] { return p.PublishedAt })
	type authorDay struct {
		Author int64
		At     store.Null[time.Time]
	}
	byAuthor := store.NewIndexFunc(posts, "author_published", func(p *qtPost) authorDay { return authorDay{p.AuthorID, p.PublishedAt} })
	db, err := store.Open(store.Config{Tables: []store.AnyTable{posts}, Indexes: []*store.IndexDef{byPublished.IndexDef(), byAuthor.IndexDef()}})
	if err != nil {
		t.Fatal(err)
	}
	day := func(d int) store.Null[time.Time] { return store.Some(time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC)) }
	draft := store.None[time.Time]()
	mustUpdate(t, db, func(tx *store.Tx) error {
		for _, p := range []qtPost{
			{AuthorID: 1, Title: "d1", PublishedAt: draft},     // 1
			{AuthorID: 1, Title: "jan3", PublishedAt: day(3)},  // 2
			{AuthorID: 2, Title: "jan2", PublishedAt: day(2)},  // 3
			{AuthorID: 1, Title: "jan5", PublishedAt: day(5)},  // 4
			{AuthorID: 1, Title: "jan1", PublishedAt: day(1)},  // 5
			{AuthorID: 2, Title: "d2", PublishedAt: draft},     // 6
			{AuthorID: 1, Title: "jan3b", PublishedAt: day(3)}, // 7
		} {
			if _, err := posts.Insert(tx, p); err != nil {
				return err
			}
		}
		return nil
	})
	tx := db.BeginRead()
	defer tx.Abort()
	titles := func(ps []qtPost) []string {
		out := []string{}
		for _, p := range ps {
			out = append(out, p.Title)
		}
		return out
	}
	check := func(what string, got []qtPost, want ...string) {
		t.Helper()
		if g := titles(got); !slices.Equal(g, want) {
			t.Errorf("%s = %q, want %q", what, g, want)
		}
	}
	check("Take(Descend, 3)", store.Take(byPublished.Descend(tx), 3), "jan5", "jan3b", "jan3")
	check("Descend", qtCollect(byPublished.Descend(tx)), "jan5", "jan3b", "jan3", "jan2", "jan1", "d2", "d1")
	check("Ascend", qtCollect(byPublished.Ascend(tx)), "d1", "d2", "jan1", "jan2", "jan3", "jan3b", "jan5")
	check("DescendFrom(jan3)", qtCollect(byPublished.DescendFrom(tx, day(3))), "jan3b", "jan3", "jan2", "jan1", "d2", "d1")
	check("DescendRange(jan4, None) (published up to jan 4)", qtCollect(byPublished.DescendRange(tx, day(4), draft)), "jan3b", "jan3", "jan2", "jan1")
	check("AscendRange(jan2, jan5) (published from jan 2 to before jan 5)", qtCollect(byPublished.AscendRange(tx, day(2), day(5))), "jan2", "jan3", "jan3b")
	check("Get(None) (drafts)", qtCollect(byPublished.Get(tx, draft)), "d1", "d2")
	// One author's posts, newest first, with a limit: the composite index
	// from (author, latest) down to (author, None) excluded.
	newest := store.Take(byAuthor.DescendRange(tx, authorDay{1, day(31)}, authorDay{1, draft}), 2)
	check("author 1 newest 2", newest, "jan5", "jan3b")
	check("author 1 published", qtCollect(byAuthor.DescendRange(tx, authorDay{1, day(31)}, authorDay{1, draft})), "jan5", "jan3b", "jan3", "jan1")
	check("author 2 all, oldest first", qtCollect(byAuthor.AscendRange(tx, authorDay{2, draft}, authorDay{3, draft})), "d2", "jan2")
	if n := byAuthor.Count(tx, authorDay{1, draft}); n != 1 {
		t.Errorf("Count(author 1 drafts) = %d, want 1", n)
	}
}

// Queries on an empty table, and on values no row has, find nothing.
func TestQtIndexEmptyTableAndAbsentValues(t *testing.T) {
	f := qtOpen[int64](t)
	tx := f.db.BeginRead()
	defer tx.Abort()
	if r, ok := f.ix.First(tx, 0); ok {
		t.Errorf("First on an empty table = %+v, true", r)
	}
	for what, seq := range map[string]func(func(qtRow[int64]) bool){
		"Get":          f.ix.Get(tx, 0),
		"Ascend":       f.ix.Ascend(tx),
		"Descend":      f.ix.Descend(tx),
		"AscendFrom":   f.ix.AscendFrom(tx, math.MinInt64),
		"DescendFrom":  f.ix.DescendFrom(tx, math.MaxInt64),
		"AscendRange":  f.ix.AscendRange(tx, math.MinInt64, math.MaxInt64),
		"DescendRange": f.ix.DescendRange(tx, math.MaxInt64, math.MinInt64),
		"Where":        f.tbl.Where(tx, func(*qtRow[int64]) bool { return true }),
	} {
		if got := qtCollect(seq); len(got) != 0 {
			t.Errorf("%s on an empty table = %v", what, got)
		}
	}
	if n := f.ix.Count(tx, 0); n != 0 {
		t.Errorf("Count on an empty table = %d", n)
	}
	if n := f.tbl.Len(tx); n != 0 {
		t.Errorf("Len of an empty table = %d", n)
	}
	if got := store.Take(f.ix.Ascend(tx), 10); len(got) != 0 {
		t.Errorf("Take(Ascend, 10) on an empty table = %v", got)
	}
}

// A range whose bounds are reversed (from after to) is empty, as is a range
// from a value to itself.
func TestQtIndexRangesWithCrossedOrEqualBounds(t *testing.T) {
	f := qtOpen[int64](t)
	mustUpdate(t, f.db, func(tx *store.Tx) error {
		for _, v := range []int64{-3, -3, 0, 5, 5} {
			if _, err := f.tbl.Insert(tx, qtRow[int64]{V: v}); err != nil {
				return err
			}
		}
		return nil
	})
	tx := f.db.BeginRead()
	defer tx.Abort()
	for _, c := range []struct{ from, to int64 }{{5, -3}, {5, 5}, {-3, -3}, {0, 0}, {1, 1}} {
		if got := qtIDs(qtCollect(f.ix.AscendRange(tx, c.from, c.to))); c.from >= c.to && len(got) != 0 {
			t.Errorf("AscendRange(%d, %d) = %v, want none", c.from, c.to, got)
		}
	}
	for _, c := range []struct{ from, to int64 }{{-3, 5}, {5, 5}, {-3, -3}, {0, 0}} {
		if got := qtIDs(qtCollect(f.ix.DescendRange(tx, c.from, c.to))); len(got) != 0 {
			t.Errorf("DescendRange(%d, %d) = %v, want none", c.from, c.to, got)
		}
	}
	// Exactly the bound value: From includes every row of it, Range's stop
	// excludes every row of it.
	if got := qtIDs(qtCollect(f.ix.AscendFrom(tx, 5))); !slices.Equal(got, []int64{4, 5}) {
		t.Errorf("AscendFrom(5) = %v, want [4 5]", got)
	}
	if got := qtIDs(qtCollect(f.ix.DescendFrom(tx, -3))); !slices.Equal(got, []int64{2, 1}) {
		t.Errorf("DescendFrom(-3) = %v, want [2 1]", got)
	}
	if got := qtIDs(qtCollect(f.ix.AscendRange(tx, -3, 5))); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Errorf("AscendRange(-3, 5) = %v, want [1 2 3]", got)
	}
	if got := qtIDs(qtCollect(f.ix.DescendRange(tx, 5, -3))); !slices.Equal(got, []int64{5, 4, 3}) {
		t.Errorf("DescendRange(5, -3) = %v, want [5 4 3]", got)
	}
}

// Rows come out of every read as copies: changing one changes neither the
// store nor a later read.
func TestQtIndexReturnsCopies(t *testing.T) {
	f := qtOpen[string](t)
	mustUpdate(t, f.db, func(tx *store.Tx) error {
		_, err := f.tbl.Insert(tx, qtRow[string]{V: "a", Note: "orig"})
		return err
	})
	tx := f.db.BeginRead()
	defer tx.Abort()
	for r := range f.ix.Ascend(tx) {
		r.Note, r.V = "changed", "z"
	}
	r, _ := f.ix.First(tx, "a")
	r.Note = "changed"
	got := store.Take(f.ix.Get(tx, "a"), 5)
	got[0].Note = "changed"
	for _, seq := range []func(func(qtRow[string]) bool){f.ix.Get(tx, "a"), f.ix.Descend(tx), f.tbl.All(tx), f.tbl.Where(tx, func(*qtRow[string]) bool { return true })} {
		if rows := qtCollect(seq); len(rows) != 1 || rows[0].Note != "orig" || rows[0].V != "a" {
			t.Errorf("after changing returned copies, a read gives %+v", rows)
		}
	}
	if n := f.ix.Count(tx, "z"); n != 0 {
		t.Errorf("Count(z) = %d after changing a copy's V", n)
	}
}

// A write made while an index iterator runs (in the same write
// transaction) is not seen by that iterator: rows moved to the end of the
// order are not visited twice. Later reads see the moves.
func TestQtIndexIterationSeesItsSnapshotWhileWriting(t *testing.T) {
	f := qtOpen[int64](t)
	mustUpdate(t, f.db, func(tx *store.Tx) error {
		for v := range int64(5) {
			if _, err := f.tbl.Insert(tx, qtRow[int64]{V: v}); err != nil {
				return err
			}
		}
		return nil
	})
	mustUpdate(t, f.db, func(tx *store.Tx) error {
		var seen []int64
		for r := range f.ix.AscendFrom(tx, 0) {
			seen = append(seen, r.ID)
			r.V += 100
			if _, err := f.tbl.Update(tx, r); err != nil {
				return err
			}
			if len(seen) > 10 {
				break
			}
		}
		if !slices.Equal(seen, []int64{1, 2, 3, 4, 5}) {
			t.Errorf("moving each row to the end while iterating visited %v, want [1 2 3 4 5]", seen)
		}
		if got := qtIDs(qtCollect(f.ix.AscendFrom(tx, 100))); !slices.Equal(got, []int64{1, 2, 3, 4, 5}) {
			t.Errorf("after the moves AscendFrom(100) = %v, want [1 2 3 4 5]", got)
		}
		if n := qtCollect(f.ix.AscendRange(tx, 0, 100)); len(n) != 0 {
			t.Errorf("after the moves AscendRange(0, 100) = %v, want none", n)
		}
		return nil
	})
}

// Reads in a write transaction see its own inserts, updates and deletes,
// including a delete and re-insert of the same key, and an aborted
// transaction leaves nothing.
func TestQtIndexReadYourWritesThenAbort(t *testing.T) {
	f := qtOpen[int64](t)
	mustUpdate(t, f.db, func(tx *store.Tx) error {
		for _, v := range []int64{10, 20, 30} {
			if _, err := f.tbl.Insert(tx, qtRow[int64]{V: v}); err != nil {
				return err
			}
		}
		return nil
	})
	tx := f.db.BeginWrite()
	if _, err := f.tbl.Delete(tx, 2); err != nil {
		t.Fatal(err)
	}
	if n := f.ix.Count(tx, 20); n != 0 {
		t.Errorf("Count(20) after deleting its row = %d", n)
	}
	if _, err := f.tbl.Insert(tx, qtRow[int64]{ID: 2, V: -20}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tbl.Insert(tx, qtRow[int64]{V: 25}); err != nil {
		t.Fatal(err)
	}
	if got := qtIDs(qtCollect(f.ix.Ascend(tx))); !slices.Equal(got, []int64{2, 1, 4, 3}) {
		t.Errorf("Ascend in the write tx = %v, want [2 1 4 3]", got)
	}
	if got := qtIDs(store.Take(f.ix.DescendFrom(tx, 26), 2)); !slices.Equal(got, []int64{4, 1}) {
		t.Errorf("Take(DescendFrom(26), 2) in the write tx = %v, want [4 1]", got)
	}
	if r, ok := f.ix.First(tx, -20); !ok || r.ID != 2 {
		t.Errorf("First(-20) in the write tx = %+v, %v", r, ok)
	}
	if n := f.tbl.Len(tx); n != 4 {
		t.Errorf("Len in the write tx = %d, want 4", n)
	}
	tx.Abort()
	rtx := f.db.BeginRead()
	defer rtx.Abort()
	if got := qtIDs(qtCollect(f.ix.Ascend(rtx))); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Errorf("Ascend after Abort = %v, want [1 2 3]", got)
	}
	if n := f.ix.Count(rtx, 25); n != 0 {
		t.Errorf("Count(25) after Abort = %d", n)
	}
}

// Two indexes on one table, and a table without the index's rows: an index
// belongs to its table, and indexes of one table do not mix.
func TestQtIndexesOfOneTableAreIndependent(t *testing.T) {
	tbl := store.NewTable("rows", func(r *qtRow[int64]) *int64 { return &r.ID })
	byV := store.NewIndexFunc(tbl, "v", func(r *qtRow[int64]) int64 { return r.V })
	byNote := store.NewIndexFunc(tbl, "note", func(r *qtRow[int64]) string { return r.Note })
	db, err := store.Open(store.Config{Tables: []store.AnyTable{tbl}, Indexes: []*store.IndexDef{byV.IndexDef(), byNote.IndexDef()}})
	if err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, db, func(tx *store.Tx) error {
		for _, r := range []qtRow[int64]{{V: 3, Note: "a"}, {V: 1, Note: "c"}, {V: 2, Note: "b"}} {
			if _, err := tbl.Insert(tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	tx := db.BeginRead()
	defer tx.Abort()
	if got := qtIDs(qtCollect(byV.Ascend(tx))); !slices.Equal(got, []int64{2, 3, 1}) {
		t.Errorf("by V = %v, want [2 3 1]", got)
	}
	if got := qtIDs(qtCollect(byNote.Descend(tx))); !slices.Equal(got, []int64{2, 3, 1}) {
		t.Errorf("by Note descending = %v, want [2 3 1]", got)
	}
}

// Table.Where filters a table in key order, sees rows written in the same
// transaction, and stops early.
func TestQtWhere(t *testing.T) {
	f := qtOpen[int64](t)
	mustUpdate(t, f.db, func(tx *store.Tx) error {
		for v := range int64(10) {
			if _, err := f.tbl.Insert(tx, qtRow[int64]{V: v % 3, Note: fmt.Sprint(v)}); err != nil {
				return err
			}
		}
		return nil
	})
	tx := f.db.BeginWrite()
	defer tx.Abort()
	isOne := func(r *qtRow[int64]) bool { return r.V == 1 }
	if got := qtIDs(qtCollect(f.tbl.Where(tx, isOne))); !slices.Equal(got, []int64{2, 5, 8}) {
		t.Errorf("Where(V == 1) = %v, want [2 5 8]", got)
	}
	if _, err := f.tbl.Modify(tx, 2, func(r *qtRow[int64]) error { r.V = 7; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tbl.Insert(tx, qtRow[int64]{ID: 100, V: 1}); err != nil {
		t.Fatal(err)
	}
	if got := qtIDs(qtCollect(f.tbl.Where(tx, isOne))); !slices.Equal(got, []int64{5, 8, 100}) {
		t.Errorf("Where(V == 1) after writes in the same tx = %v, want [5 8 100]", got)
	}
	if got := qtIDs(store.Take(f.tbl.Where(tx, isOne), 1)); !slices.Equal(got, []int64{5}) {
		t.Errorf("Take(Where, 1) = %v, want [5]", got)
	}
	// The same answer as the index on the field.
	if got, want := qtIDs(qtCollect(f.tbl.Where(tx, isOne))), qtIDs(qtCollect(f.ix.Get(tx, 1))); !slices.Equal(got, want) {
		t.Errorf("Where(V == 1) = %v but Index.Get(1) = %v", got, want)
	}
	calls := 0
	for range f.tbl.Where(tx, func(*qtRow[int64]) bool { calls++; return false }) {
		t.Error("Where yielded a row its filter refused")
	}
	if calls != 11 {
		t.Errorf("the filter saw %d rows, want 11", calls)
	}
}

func TestQtTake(t *testing.T) {
	seq := func(n int) func(func(int) bool) {
		return func(yield func(int) bool) {
			for i := range n {
				if !yield(i) {
					return
				}
			}
		}
	}
	for _, c := range []struct {
		have, n int
		want    []int
	}{
		{5, -1, nil}, {5, 0, nil}, {5, 1, []int{0}}, {5, 3, []int{0, 1, 2}}, {5, 5, []int{0, 1, 2, 3, 4}}, {5, 9, []int{0, 1, 2, 3, 4}}, {0, 3, nil},
	} {
		if got := store.Take(seq(c.have), c.n); !slices.Equal(got, c.want) {
			t.Errorf("Take(%d values, %d) = %v, want %v", c.have, c.n, got, c.want)
		}
	}
	// Take stops the sequence as soon as it has n values.
	pulled := 0
	store.Take(func(yield func(int) bool) {
		for i := 0; ; i++ {
			pulled++
			if !yield(i) || i > 100 {
				return
			}
		}
	}, 3)
	if pulled != 3 {
		t.Errorf("Take(_, 3) pulled %d values, want 3", pulled)
	}
}

// qtAllocs returns the allocations of one call of fn, averaged.
func qtAllocs(fn func()) float64 { return testing.AllocsPerRun(50, fn) }

// Counts read no row: their allocations are few and do not depend on the
// number of rows counted (10 vs 1000).
func TestQtCountsDoNotAllocatePerRow(t *testing.T) {
	measure := func(n int) (count, length, where, ascend, descend, rng float64) {
		f := qtOpen[int64](t)
		mustUpdate(t, f.db, func(tx *store.Tx) error {
			for i := range n {
				if _, err := f.tbl.Insert(tx, qtRow[int64]{V: 7, Note: strings.Repeat("x", i%5)}); err != nil {
					return err
				}
			}
			// Rows of other values around them.
			for _, v := range []int64{6, 8} {
				if _, err := f.tbl.Insert(tx, qtRow[int64]{V: v}); err != nil {
					return err
				}
			}
			return nil
		})
		tx := f.db.BeginRead()
		defer tx.Abort()
		if got := f.ix.Count(tx, 7); got != n {
			t.Fatalf("Count = %d, want %d", got, n)
		}
		sink := 0
		count = qtAllocs(func() { sink += f.ix.Count(tx, 7) })
		length = qtAllocs(func() { sink += f.tbl.Len(tx) })
		where = qtAllocs(func() {
			for range f.tbl.Where(tx, func(r *qtRow[int64]) bool { return r.V == 7 }) {
				sink++
			}
		})
		ascend = qtAllocs(func() {
			for range f.ix.Get(tx, 7) {
				sink++
			}
		})
		descend = qtAllocs(func() {
			for range f.ix.Descend(tx) {
				sink++
			}
		})
		rng = qtAllocs(func() {
			for range f.ix.AscendRange(tx, 7, 8) {
				sink++
			}
		})
		_ = sink
		return
	}
	c10, l10, w10, a10, d10, r10 := measure(10)
	c1k, l1k, w1k, a1k, d1k, r1k := measure(1000)
	t.Logf("allocs for 10 vs 1000 rows: Index.Count %v/%v, Len %v/%v, Where %v/%v, Get loop %v/%v, Descend loop %v/%v, AscendRange loop %v/%v",
		c10, c1k, l10, l1k, w10, w1k, a10, a1k, d10, d1k, r10, r1k)
	for _, c := range []struct {
		what          string
		small, large  float64
		limit, growth float64
	}{
		{"Index.Count", c10, c1k, 12, 2},
		{"Table.Len", l10, l1k, 12, 2},
		{"Table.Where (rows kept copied to the stack)", w10, w1k, 12, 2},
		{"Index.Get loop", a10, a1k, 12, 2},
		{"Index.Descend loop", d10, d1k, 16, 2},
		{"Index.AscendRange loop", r10, r1k, 20, 2},
	} {
		if c.large > c.limit || c.large-c.small > c.growth {
			t.Errorf("%s: %v allocations for 10 rows, %v for 1000; want at most %v and the same for both", c.what, c.small, c.large, c.limit)
		}
	}
}

// Reading a range of long string values does not allocate per row (the
// stop bound is compared with each row's encoded value).
func TestQtRangeOverLongStringsDoesNotAllocatePerRow(t *testing.T) {
	measure := func(n int) float64 {
		f := qtOpen[string](t)
		long := strings.Repeat("p", 100)
		mustUpdate(t, f.db, func(tx *store.Tx) error {
			for i := range n {
				if _, err := f.tbl.Insert(tx, qtRow[string]{V: fmt.Sprintf("%s%06d", long, i)}); err != nil {
					return err
				}
			}
			return nil
		})
		tx := f.db.BeginRead()
		defer tx.Abort()
		return qtAllocs(func() {
			for range f.ix.AscendRange(tx, long, long+"q") {
			}
		})
	}
	small, large := measure(10), measure(1000)
	if large-small > 2 {
		t.Errorf("AscendRange over 100-byte strings: %v allocations for 10 rows, %v for 1000: it allocates per row", small, large)
	}
}

// The GroupedIndex harness: rows grouped by G and ordered by V within a
// group. A row's position in the model is g*len(vals)+v, so the model's
// order is the index's (group, then value, then key).

type qtGRow[G, V any] struct {
	ID   int64
	G    G
	V    V
	Note string
}

func (r qtGRow[G, V]) key() int64 { return r.ID }

type qtGFixture[G, V any] struct {
	db  *store.DB
	tbl *store.Table[qtGRow[G, V], int64]
	ix  *store.GroupedIndex[qtGRow[G, V], int64, G, V]
}

func qtGOpen[G, V any](t testing.TB) *qtGFixture[G, V] {
	t.Helper()
	tbl := store.NewTable("rows", func(r *qtGRow[G, V]) *int64 { return &r.ID })
	ix := store.NewGroupedIndexFunc(tbl, "gv", func(r *qtGRow[G, V]) G { return r.G }, func(r *qtGRow[G, V]) V { return r.V })
	db, err := store.Open(store.Config{Tables: []store.AnyTable{tbl}, Indexes: []*store.IndexDef{ix.IndexDef()}})
	if err != nil {
		t.Fatalf("Open with a grouped index on %v, %v: %v", reflect.TypeFor[G](), reflect.TypeFor[V](), err)
	}
	return &qtGFixture[G, V]{db: db, tbl: tbl, ix: ix}
}

func qtGCheck[G, V any](t *testing.T, tx *store.Tx, f *qtGFixture[G, V], groups []G, vals []V, m *qtModel[qtGRow[G, V]]) {
	t.Helper()
	ix, nv := f.ix, len(vals)
	for gi, g := range groups {
		in := func(p int) bool { return p/nv == gi }
		asc, desc := m.want(in, false), m.want(in, true)
		qtSame(t, fmt.Sprintf("Ascend(groups[%d]=%v)", gi, g), qtCollect(ix.Ascend(tx, g)), asc)
		qtSame(t, fmt.Sprintf("Descend(groups[%d]=%v)", gi, g), qtCollect(ix.Descend(tx, g)), desc)
		if got := ix.Count(tx, g); got != len(asc) {
			t.Errorf("Count(groups[%d]=%v) = %d, want %d", gi, g, got, len(asc))
		}
		for _, k := range []int{0, 1, 2, len(asc) + 3} {
			lim := min(k, len(asc))
			qtSame(t, fmt.Sprintf("Take(Descend(groups[%d]), %d)", gi, k), store.Take(ix.Descend(tx, g), k), desc[:lim])
			qtSame(t, fmt.Sprintf("Take(Ascend(groups[%d]), %d)", gi, k), store.Take(ix.Ascend(tx, g), k), asc[:lim])
		}
		for vi, v := range vals {
			ge := m.want(func(p int) bool { return in(p) && p%nv >= vi }, false)
			le := m.want(func(p int) bool { return in(p) && p%nv <= vi }, true)
			qtSame(t, fmt.Sprintf("AscendFrom(groups[%d]=%v, vals[%d]=%v)", gi, g, vi, v), qtCollect(ix.AscendFrom(tx, g, v)), ge)
			qtSame(t, fmt.Sprintf("DescendFrom(groups[%d]=%v, vals[%d]=%v)", gi, g, vi, v), qtCollect(ix.DescendFrom(tx, g, v)), le)
			qtSame(t, fmt.Sprintf("Take(DescendFrom(groups[%d], vals[%d]), 1)", gi, vi), store.Take(ix.DescendFrom(tx, g, v), 1), le[:min(1, len(le))])
			for wi, w := range vals {
				ar := m.want(func(p int) bool { return in(p) && p%nv >= vi && p%nv < wi }, false)
				dr := m.want(func(p int) bool { return in(p) && p%nv <= vi && p%nv > wi }, true)
				qtSame(t, fmt.Sprintf("AscendRange(groups[%d]=%v, vals[%d]=%v, vals[%d]=%v)", gi, g, vi, v, wi, w), qtCollect(ix.AscendRange(tx, g, v, w)), ar)
				qtSame(t, fmt.Sprintf("DescendRange(groups[%d]=%v, vals[%d]=%v, vals[%d]=%v)", gi, g, vi, v, wi, w), qtCollect(ix.DescendRange(tx, g, v, w)), dr)
			}
		}
	}
}

// qtGCheckAll runs the grouped harness with three choices of stored cells:
// all, a checkerboard, and only odd groups at odd values (so the first
// group, and the first value of every group, have no rows). Then it moves
// rows across groups in a write transaction and checks again.
func qtGCheckAll[G, V any](t *testing.T, groups []G, vals []V) {
	t.Helper()
	nv := len(vals)
	masks := []struct {
		name   string
		stored func(g, v int) bool
	}{
		{"all", func(int, int) bool { return true }},
		{"checker", func(g, v int) bool { return (g+v)%2 == 0 }},
		{"sparse", func(g, v int) bool { return g%2 == 1 && v%2 == 1 }},
	}
	for mi, mask := range masks {
		t.Run(mask.name, func(t *testing.T) {
			f := qtGOpen[G, V](t)
			var rows []qtGRow[G, V]
			var pos []int
			for gi, g := range groups {
				for vi, v := range vals {
					if !mask.stored(gi, vi) {
						continue
					}
					for c := 0; c < 1+(gi+vi)%2; c++ {
						rows = append(rows, qtGRow[G, V]{G: g, V: v, Note: fmt.Sprintf("g%dv%d.%d", gi, vi, c)})
						pos = append(pos, gi*nv+vi)
					}
				}
			}
			rng := rand.New(rand.NewPCG(uint64(mi), 11))
			keys, order := rng.Perm(len(rows)), rng.Perm(len(rows))
			m := qtNewModel[qtGRow[G, V]]()
			mustUpdate(t, f.db, func(tx *store.Tx) error {
				for _, i := range order {
					r := rows[i]
					r.ID = int64(keys[i]) + 1
					got, err := f.tbl.Insert(tx, r)
					if err != nil {
						return err
					}
					m.set(got, pos[i])
				}
				return nil
			})
			rtx := f.db.BeginRead()
			qtGCheck(t, rtx, f, groups, vals, m)
			rtx.Abort()

			// In a write transaction: move the first row of the order to the
			// last group and value, the last row to the first group and value,
			// insert into the first empty cell, delete one row.
			tx := f.db.BeginWrite()
			defer tx.Abort()
			next := m.clone()
			all := m.want(func(int) bool { return true }, false)
			last := len(groups)*nv - 1
			if len(all) >= 3 {
				lo, hi, mid := all[0], all[len(all)-1], all[len(all)/2]
				lo.G, lo.V, lo.Note = groups[len(groups)-1], vals[nv-1], "moved"
				if _, err := f.tbl.Update(tx, lo); err != nil {
					t.Fatal(err)
				}
				next.set(lo, last)
				hi.G, hi.V, hi.Note = groups[0], vals[0], "moved"
				if _, err := f.tbl.Update(tx, hi); err != nil {
					t.Fatal(err)
				}
				next.set(hi, 0)
				if mid.ID != lo.ID && mid.ID != hi.ID {
					if _, err := f.tbl.Delete(tx, mid.ID); err != nil {
						t.Fatal(err)
					}
					next.del(mid.ID)
				}
			}
			for p := 0; p <= last; p++ {
				if len(next.want(func(q int) bool { return q == p }, false)) == 0 {
					r, err := f.tbl.Insert(tx, qtGRow[G, V]{G: groups[p/nv], V: vals[p%nv], Note: "new"})
					if err != nil {
						t.Fatal(err)
					}
					next.set(r, p)
					break
				}
			}
			qtGCheck(t, tx, f, groups, vals, next)
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			after := f.db.BeginRead()
			defer after.Abort()
			qtGCheck(t, after, f, groups, vals, next)
		})
	}
}

func TestQtGroupedIndexInt64Groups(t *testing.T) {
	// MaxInt64 encodes as eight 0xFF bytes: the group with no next prefix.
	qtGCheckAll(t, []int64{math.MinInt64, -1, 0, 1, math.MaxInt64}, []int64{math.MinInt64, -1, 0, math.MaxInt64})
}

func TestQtGroupedIndexByAuthorPublished(t *testing.T) {
	qtGCheckAll(t, []int64{-5, 1, 2, 3}, []store.Null[time.Time]{
		store.None[time.Time](),
		store.Some(time.Unix(-1, 999_999_999).UTC()),
		store.Some(time.Unix(0, 0).UTC()),
		store.Some(time.Date(2024, 1, 1, 0, 0, 0, 1, time.UTC)),
	})
}

func TestQtGroupedIndexStringGroups(t *testing.T) {
	// Groups that are prefixes of one another, and NUL bytes.
	qtGCheckAll(t, []string{"", "\x00", "a", "a\x00", "ab", "b"}, []string{"", "x", "xy"})
}

func TestQtGroupedIndexNullGroups(t *testing.T) {
	qtGCheckAll(t, []store.Null[uint64]{store.None[uint64](), store.Some[uint64](0), store.Some[uint64](math.MaxUint64)}, []float64{math.Inf(-1), -1, 0, 1})
}

func TestQtGroupedIndexCompositeGroups(t *testing.T) {
	type tenantKind struct {
		Tenant int32
		Kind   string
	}
	qtGCheckAll(t, []tenantKind{{-1, ""}, {-1, "a"}, {0, ""}, {math.MaxInt32, "\xff"}}, []bool{false, true})
}

// qtNamed is a row with a string primary key.
type qtNamed struct {
	Code string
	Rank int
}

// Rows of equal value are ordered by primary key whatever its type: string
// keys bytewise (prefixes and NUL bytes included), ascending in Get and
// Ascend, descending in Descend.
func TestQtIndexOrdersEqualValuesByStringKey(t *testing.T) {
	tbl := store.NewTable("named", func(r *qtNamed) *string { return &r.Code })
	byRank := store.NewIndexFunc(tbl, "rank", func(r *qtNamed) int { return r.Rank })
	db, err := store.Open(store.Config{Tables: []store.AnyTable{tbl}, Indexes: []*store.IndexDef{byRank.IndexDef()}})
	if err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, db, func(tx *store.Tx) error {
		for _, r := range []qtNamed{{"b", 1}, {"ab", 1}, {"a\x00", 1}, {"z", 0}, {"a", 1}, {"\x00", 1}, {"c", 2}, {"a\x00\x00", 1}} {
			if _, err := tbl.Insert(tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	tx := db.BeginRead()
	defer tx.Abort()
	codes := func(seq func(func(qtNamed) bool)) []string {
		var out []string
		for r := range seq {
			out = append(out, r.Code)
		}
		return out
	}
	rank1 := []string{"\x00", "a", "a\x00", "a\x00\x00", "ab", "b"}
	if got := codes(byRank.Get(tx, 1)); !slices.Equal(got, rank1) {
		t.Errorf("Get(1) = %q, want %q", got, rank1)
	}
	want := append(append([]string{"z"}, rank1...), "c")
	if got := codes(byRank.Ascend(tx)); !slices.Equal(got, want) {
		t.Errorf("Ascend = %q, want %q", got, want)
	}
	slices.Reverse(want)
	if got := codes(byRank.Descend(tx)); !slices.Equal(got, want) {
		t.Errorf("Descend = %q, want %q", got, want)
	}
	if got := codes(byRank.DescendFrom(tx, 1)); !slices.Equal(got, want[1:]) {
		t.Errorf("DescendFrom(1) = %q, want %q", got, want[1:])
	}
	if got := codes(byRank.DescendRange(tx, 1, 0)); !slices.Equal(got, want[1:len(want)-1]) {
		t.Errorf("DescendRange(1, 0) = %q, want %q", got, want[1:len(want)-1])
	}
}

// A sequence reads the snapshot of the moment its iteration begins: the
// same sequence iterated twice gives the same rows, and a sequence built
// before a write in the same transaction, iterated after it, sees it.
func TestQtSequencesReadWhenIterated(t *testing.T) {
	f := qtOpen[int64](t)
	mustUpdate(t, f.db, func(tx *store.Tx) error {
		for _, v := range []int64{1, 2, 3} {
			if _, err := f.tbl.Insert(tx, qtRow[int64]{V: v}); err != nil {
				return err
			}
		}
		return nil
	})
	tx := f.db.BeginWrite()
	defer tx.Abort()
	seqs := map[string]func(func(qtRow[int64]) bool){
		"Ascend":       f.ix.Ascend(tx),
		"Descend":      f.ix.Descend(tx),
		"AscendFrom":   f.ix.AscendFrom(tx, 2),
		"DescendFrom":  f.ix.DescendFrom(tx, 2),
		"AscendRange":  f.ix.AscendRange(tx, 2, 3),
		"DescendRange": f.ix.DescendRange(tx, 2, 1),
		"Get":          f.ix.Get(tx, 2),
		"Where":        f.tbl.Where(tx, func(r *qtRow[int64]) bool { return r.V == 2 }),
	}
	before := map[string][]int64{}
	for name, seq := range seqs {
		first, second := qtIDs(qtCollect(seq)), qtIDs(qtCollect(seq))
		if !slices.Equal(first, second) {
			t.Errorf("%s iterated twice: %v then %v", name, first, second)
		}
		before[name] = first
	}
	if _, err := f.tbl.Insert(tx, qtRow[int64]{ID: 10, V: 2}); err != nil {
		t.Fatal(err)
	}
	for name, seq := range seqs {
		got := qtIDs(qtCollect(seq))
		if !slices.Contains(got, 10) || len(got) != len(before[name])+1 {
			t.Errorf("%s built before an insert of value 2, iterated after it: %v (before the insert %v)", name, got, before[name])
		}
	}
}

// Take of a huge limit returns what there is.
func TestQtTakeHugeLimit(t *testing.T) {
	f := qtOpen[int64](t)
	mustUpdate(t, f.db, func(tx *store.Tx) error {
		_, err := f.tbl.Insert(tx, qtRow[int64]{V: 1})
		return err
	})
	tx := f.db.BeginRead()
	defer tx.Abort()
	if got := store.Take(f.ix.Descend(tx), math.MaxInt); len(got) != 1 {
		t.Errorf("Take(Descend, MaxInt) = %v", got)
	}
}

// Readers in their own transactions iterate while a writer commits: each
// sees a consistent, ordered snapshot (run with -race).
func TestQtConcurrentReadersSeeOrderedSnapshots(t *testing.T) {
	f := qtOpen[int64](t)
	mustUpdate(t, f.db, func(tx *store.Tx) error {
		for v := range int64(50) {
			if _, err := f.tbl.Insert(tx, qtRow[int64]{V: v}); err != nil {
				return err
			}
		}
		return nil
	})
	done := make(chan struct{})
	errs := make(chan error, 4)
	for r := range 4 {
		go func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				tx := f.db.BeginRead()
				n := f.tbl.Len(tx)
				rows := qtCollect(f.ix.Descend(tx))
				count := f.ix.Count(tx, 7)
				tx.Abort()
				if len(rows) != n {
					errs <- fmt.Errorf("reader %d: Descend gave %d rows, Len %d, in one snapshot", r, len(rows), n)
					return
				}
				for j := 1; j < len(rows); j++ {
					if rows[j-1].V < rows[j].V {
						errs <- fmt.Errorf("reader %d: Descend out of order: %v before %v", r, rows[j-1].V, rows[j].V)
						return
					}
				}
				if count != 1 {
					errs <- fmt.Errorf("reader %d: Count(7) = %d", r, count)
					return
				}
			}
		}()
	}
	for i := range 100 {
		mustUpdate(t, f.db, func(tx *store.Tx) error {
			// Move a row to the front and add one at the end; value 7 (row 8)
			// always has one row.
			id := int64(i%40 + 10)
			if _, err := f.tbl.Modify(tx, id, func(r *qtRow[int64]) error { r.V = -1000 - int64(i); return nil }); err != nil {
				return err
			}
			_, err := f.tbl.Insert(tx, qtRow[int64]{V: 1000 + int64(i)})
			return err
		})
	}
	close(done)
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
