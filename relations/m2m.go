package relations

import (
	"bytes"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"sync/atomic"
	"unsafe"

	"github.com/memrel-go/memrel/internal/quote"
	"github.com/memrel-go/memrel/store"
)

// m2mDef is the untyped core of a many-to-many relation, for the schema
// checks.
type m2mDef struct {
	field       string // "tags"
	from, to    *fkDef // link -> source, link -> target
	link        *store.TableInfo
	related     string
	relatedSet  bool // Related was called
	symmetrical bool
	err         error
	frozen      atomic.Bool // a schema was opened with it: its rules cannot change
}

// mustBeOpen panics if a schema was opened with the relation (see
// fkDef.mustBeOpen).
func (d *m2mDef) mustBeOpen(method string) {
	if d.frozen.Load() {
		panic(fmt.Sprintf("memrel: many-to-many %s: %s called after a DB was opened with it; a declaration cannot change once it is in force (declare it whole before Open)", d.name(), method))
	}
}

func (d *m2mDef) name() string {
	if d.from == nil || d.from.parent == nil {
		return quote.Name(d.field)
	}
	return d.from.parent.Name() + "." + quote.Name(d.field)
}

// Link is the row of an automatic link table: one pair (From, To). The pair
// is unique, and both keys are Cascade foreign keys, so deleting either side
// deletes its links.
type Link[AK, BK store.Key] struct {
	ID   int64
	From AK
	To   BK
}

// M2M is a many-to-many relation between the rows of A (key AK) and of B
// (key BK), stored as rows of a link table L (key LK). It is declared with
// ManyToMany (an automatic link table of Link rows) or ManyToManyThrough
// (a table of your own, with extra fields). Its methods act from the A side;
// Reverse gives the B side.
type M2M[A any, AK store.Key, B any, BK store.Key, L any, LK store.Key] struct {
	*M2MSide[A, AK, B, BK, L, LK]
	rev  *M2MSide[B, BK, A, AK, L, LK]
	d    *m2mDef
	auto *autoLink[AK, BK]
}

// autoLink is what an automatic link table brings to the schema.
type autoLink[AK, BK store.Key] struct {
	table *store.Table[Link[AK, BK], int64]
	pair  Constraint
}

// M2MSide is one side of a many-to-many relation: the operations from the
// source rows S (key SK) to the target rows T (key TK) through link rows L.
//
// Every operation that writes is atomic: if one pair fails (a missing row,
// a constraint of the link table), nothing the operation did is kept.
type M2MSide[S any, SK store.Key, T any, TK store.Key, L any, LK store.Key] struct {
	link   *store.Table[L, LK]
	src    *FK[L, S, SK] // link -> this side
	dst    *FK[L, T, TK] // link -> the other side
	d      *m2mDef
	mirror bool       // symmetrical: every pair is stored in both directions
	pair   *uniqueDef // the unique pair index of an automatic link table
}

// ManyToMany declares a many-to-many relation from table from (named field
// on it, e.g. "tags") to table to, with an automatic link table named
// "<from>_<field>" whose rows are Link pairs. Adding an existing pair does
// nothing; deleting a row of either side deletes its links (counted under
// the link table's name).
//
//	ArticleTags = relations.ManyToMany(Articles, "tags", Tags).Related("articles")
func ManyToMany[A any, AK store.Key, B any, BK store.Key](from *store.Table[A, AK], field string, to *store.Table[B, BK]) *M2M[A, AK, B, BK, Link[AK, BK], int64] {
	d := &m2mDef{field: field}
	if from == nil || to == nil {
		d.err = fmt.Errorf("many-to-many %s: %s", quote.Name(field), missingArgs(
			arg{"source table", from == nil}, arg{"target table", to == nil}))
		return brokenM2M[A, AK, B, BK, Link[AK, BK], int64](d)
	}
	name := from.Name() + "_" + field
	link := store.NewTable(name, func(l *Link[AK, BK]) *int64 { return &l.ID })
	fromField, toField := from.Name(), to.Name()
	if from.Info() == to.Info() {
		fromField, toField = "from_"+from.Name(), "to_"+to.Name()
	}
	fk1 := ForeignKey(link, func(l *Link[AK, BK]) *AK { return &l.From }, from, Cascade).Named(fromField).Related(name + "_" + fromField)
	fk2 := ForeignKey(link, func(l *Link[AK, BK]) *BK { return &l.To }, to, Cascade).Named(toField).Related(name + "_" + toField)
	type pair struct {
		From AK
		To   BK
	}
	uniq := UniqueFunc(link, name+"_pair", func(l *Link[AK, BK]) pair { return pair{l.From, l.To} })
	var l Link[AK, BK] // the pair's fields, for SQL
	uniq.d.offs = []uintptr{unsafe.Offsetof(l.From), unsafe.Offsetof(l.To)}
	uniq.d.ftypes = []reflect.Type{reflect.TypeFor[AK](), reflect.TypeFor[BK]()}
	m := newM2M(link, field, fk1, fk2, d)
	m.auto = &autoLink[AK, BK]{table: link, pair: uniq}
	m.M2MSide.pair, m.rev.pair = uniq.d, uniq.d
	eng.Attach(from.Info(), m) // Open takes it, and its link table, with the source table
	return m
}

// ManyToManyThrough declares a many-to-many relation from the parent of
// from to the parent of to, through link, a table of your own whose rows
// hold the two foreign keys (from and to, both on link, both listed in the
// schema) and any extra fields. The foreign keys' own on-delete rules apply.
//
//	Follows = relations.ManyToManyThrough(FollowRows, "following", FollowFollower, FollowFollowed).
//		Related("followers")
func ManyToManyThrough[L any, LK store.Key, A any, AK store.Key, B any, BK store.Key](link *store.Table[L, LK], field string, from *FK[L, A, AK], to *FK[L, B, BK]) *M2M[A, AK, B, BK, L, LK] {
	d := &m2mDef{field: field}
	if link == nil || from == nil || to == nil {
		d.err = fmt.Errorf("many-to-many %s: %s", quote.Name(field), missingArgs(
			arg{"link table", link == nil}, arg{"source foreign key", from == nil}, arg{"target foreign key", to == nil}))
		return brokenM2M[A, AK, B, BK, L, LK](d)
	}
	m := newM2M(link, field, from, to, d)
	eng.Attach(link.Info(), m) // Open takes it with the link table
	return m
}

// brokenM2M is the handle of a relation declared with a missing table or
// foreign key: d.err says what is missing, Open reports it, and every
// operation of either side fails with it (or, for reads, finds nothing)
// instead of following a nil pointer.
func brokenM2M[A any, AK store.Key, B any, BK store.Key, L any, LK store.Key](d *m2mDef) *M2M[A, AK, B, BK, L, LK] {
	return &M2M[A, AK, B, BK, L, LK]{
		d:       d,
		M2MSide: &M2MSide[A, AK, B, BK, L, LK]{d: d},
		rev:     &M2MSide[B, BK, A, AK, L, LK]{d: d},
	}
}

func newM2M[A any, AK store.Key, B any, BK store.Key, L any, LK store.Key](link *store.Table[L, LK], field string, from *FK[L, A, AK], to *FK[L, B, BK], d *m2mDef) *M2M[A, AK, B, BK, L, LK] {
	d.from, d.to, d.link = from.d, to.d, link.Info()
	if d.err == nil {
		d.err = from.d.err
	}
	if d.err == nil {
		d.err = to.d.err
	}
	if from.d.parent != nil {
		d.related = from.d.parent.Name()
	}
	fwd := &M2MSide[A, AK, B, BK, L, LK]{link: link, src: from, dst: to, d: d}
	rev := &M2MSide[B, BK, A, AK, L, LK]{link: link, src: to, dst: from, d: d}
	return &M2M[A, AK, B, BK, L, LK]{M2MSide: fwd, rev: rev, d: d}
}

func (m *M2M[A, AK, B, BK, L, LK]) parts() parts {
	p := parts{m2m: m.d}
	if m.auto != nil {
		p.tables = []store.AnyTable{m.auto.table}
		p.fks = []*fkDef{m.src.d, m.dst.d}
		p.cons = []Constraint{m.auto.pair}
	}
	return p
}

// Related sets the reverse name: how the target table calls the relation
// (default "<source table>_set"). A symmetrical relation has none, and Open
// refuses one given (Django warns, fields.W345).
func (m *M2M[A, AK, B, BK, L, LK]) Related(name string) *M2M[A, AK, B, BK, L, LK] {
	m.d.mustBeOpen("Related")
	m.d.related, m.d.relatedSet = name, true
	return m
}

// Symmetrical makes a self-referential relation symmetrical (Django's
// default for ManyToManyField("self")): adding a->b also stores b->a, and
// Remove, Set and Clear keep both directions in step. On a relation between
// two different tables it records the problem: Open refuses the relation,
// naming it, and its operations fail with the same error.
func (m *M2M[A, AK, B, BK, L, LK]) Symmetrical() *M2M[A, AK, B, BK, L, LK] {
	m.d.mustBeOpen("Symmetrical")
	m.d.symmetrical = true
	if m.d.err != nil {
		return m // already refused; the mirror would follow nil accessors
	}
	if m.d.from.parent != m.d.to.parent {
		// The two sides are different tables (and perhaps different key
		// types): a pair cannot be mirrored.
		m.d.err = fmt.Errorf("many-to-many %s: Symmetrical needs a relation from a table to itself, not %s to %s",
			m.d.name(), m.d.from.parent.Name(), m.d.to.parent.Name())
		return m
	}
	m.M2MSide.mirror, m.rev.mirror = true, true
	return m
}

// Reverse returns the relation seen from the B side (Django's reverse
// manager: tag.articles).
func (m *M2M[A, AK, B, BK, L, LK]) Reverse() *M2MSide[B, BK, A, AK, L, LK] { return m.rev }

// LinkTable returns the link table (for an automatic relation, the table
// memrel declared).
func (m *M2M[A, AK, B, BK, L, LK]) LinkTable() *store.Table[L, LK] { return m.link }

// Name is "<source table>.<field>".
func (s *M2MSide[S, SK, T, TK, L, LK]) Name() string { return s.d.name() }

// links returns the stored link rows whose src key is k, in link key order.
func (s *M2MSide[S, SK, T, TK, L, LK]) links(tx *store.Tx, k SK) []*L {
	if s.d.err != nil {
		return nil // a relation Open refuses has no links to follow
	}
	key, _ := s.src.enc.Append(make([]byte, 0, 16), k)
	it := s.src.d.scan(tx, s.src.d.prefix(nil, key))
	var out []*L
	for obj := it.Next(); obj != nil; obj = it.Next() {
		out = append(out, obj.(*L))
	}
	return out
}

// Has reports whether a (source) and b (target) are linked: one index
// lookup for an automatic link table, a walk of a's links otherwise.
func (s *M2MSide[S, SK, T, TK, L, LK]) Has(tx *store.Tx, a SK, b TK) bool {
	if s.d.err != nil {
		return false
	}
	if s.pair != nil {
		var l L
		s.src.set(&l, a)
		s.dst.set(&l, b)
		key, _ := s.pair.key(make([]byte, 0, 32), &l)
		return eng.Scan(tx, s.pair.table, s.pair.index, key).Next() != nil
	}
	for _, l := range s.links(tx, a) {
		if t, ok := s.dst.get(l); ok && t == b {
			return true
		}
	}
	return false
}

// Count returns the number of rows linked to a: the length of List.
func (s *M2MSide[S, SK, T, TK, L, LK]) Count(tx *store.Tx, a SK) int {
	return len(s.targets(tx, a))
}

// List returns the rows linked to a, in their key order, each once.
func (s *M2MSide[S, SK, T, TK, L, LK]) List(tx *store.Tx, a SK) iter.Seq[T] {
	return func(yield func(T) bool) {
		for _, t := range s.targets(tx, a) {
			if !yield(*t) {
				return
			}
		}
	}
}

// targets returns the stored rows linked to a, in key order, each once.
func (s *M2MSide[S, SK, T, TK, L, LK]) targets(tx *store.Tx, a SK) []*T {
	type keyed struct {
		enc []byte
		row *T
	}
	var ks []keyed
	for _, l := range s.links(tx, a) {
		t, ok := s.dst.get(l)
		if !ok {
			continue // a through row whose key was emptied (SetNull)
		}
		e, _ := s.dst.enc.Append(nil, t)
		if obj := eng.Lookup(tx, s.dst.d.parent, e); obj != nil {
			ks = append(ks, keyed{e, obj.(*T)})
		}
	}
	slices.SortFunc(ks, func(x, y keyed) int { return bytes.Compare(x.enc, y.enc) })
	ks = slices.CompactFunc(ks, func(x, y keyed) bool { return bytes.Equal(x.enc, y.enc) })
	out := make([]*T, len(ks))
	for i, k := range ks {
		out[i] = k.row
	}
	return out
}

// Links returns the link rows from a, in link key order: for a through
// table, the rows with their extra fields.
func (s *M2MSide[S, SK, T, TK, L, LK]) Links(tx *store.Tx, a SK) iter.Seq[L] {
	return func(yield func(L) bool) {
		for _, l := range s.links(tx, a) {
			if !yield(*l) {
				return
			}
		}
	}
}

// Add links a to each of bs and returns how many links it created: the
// rows of bs newly linked to a. Adding a pair that exists does nothing and
// is not counted (nor is a repeat in bs), so the extra fields of an
// existing link stay as they are; for a symmetrical relation a new pair
// counts once, though it stores a row each way. New link rows get the link
// table's Defaults; a refused one (a missing row, a link table constraint)
// refuses the whole Add, which then returns 0.
//
// Possible errors: those of the link table's Insert (ErrForeignKey,
// ErrUnique, ErrCheck, ...).
func (s *M2MSide[S, SK, T, TK, L, LK]) Add(tx *store.Tx, a SK, bs ...TK) (int, error) {
	return s.AddWith(tx, a, nil, bs...)
}

// AddWith is Add with fill, which sets the extra fields of each new link
// row (Django's through_defaults). It runs once per new row, after the link
// table's Defaults, so what it sets wins; it sees the row's two keys and
// cannot change them. It returns how many links it created, as Add does.
func (s *M2MSide[S, SK, T, TK, L, LK]) AddWith(tx *store.Tx, a SK, fill func(link *L), bs ...TK) (int, error) {
	n := 0
	err := s.atomic(tx, func() (err error) {
		n, err = s.add(tx, a, fill, bs)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// add links a to each of bs and returns the number of rows of bs newly
// linked to a (the pairs whose row from a it created).
func (s *M2MSide[S, SK, T, TK, L, LK]) add(tx *store.Tx, a SK, fill func(*L), bs []TK) (int, error) {
	n := 0
	for _, b := range bs {
		created, err := s.addPair(tx, a, b, fill)
		if err != nil {
			return 0, err
		}
		if created {
			n++
		}
		if s.mirror {
			// A symmetrical relation has one table on both sides, so the
			// key types are the same types (Symmetrical refuses others).
			ma, mb := any(b).(SK), any(a).(TK)
			if _, err := s.addPair(tx, ma, mb, fill); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

// addPair links a to b unless they are linked; it reports whether it
// created the link row.
func (s *M2MSide[S, SK, T, TK, L, LK]) addPair(tx *store.Tx, a SK, b TK, fill func(*L)) (bool, error) {
	if s.Has(tx, a, b) {
		return false, nil
	}
	var l L
	s.src.set(&l, a)
	s.dst.set(&l, b)
	if fill == nil {
		_, err := s.link.Insert(tx, l)
		return err == nil, err
	}
	_, err := s.link.InsertWith(tx, l, func(l *L) {
		fill(l)
		// fill sees the keys but cannot change them.
		s.src.set(l, a)
		s.dst.set(l, b)
	})
	return err == nil, err
}

// Remove unlinks a from each of bs. For a symmetrical relation both
// directions go: (a, b) and (b, a), mirrored or not. Removing a pair that
// does not exist does nothing. Link rows are deleted with their own
// on-delete rules.
func (s *M2MSide[S, SK, T, TK, L, LK]) Remove(tx *store.Tx, a SK, bs ...TK) error {
	return s.atomic(tx, func() error {
		return s.remove(tx, a, false, func(b TK) bool { return slices.Contains(bs, b) })
	})
}

// Clear deletes every link row from a, those whose other key was emptied
// (SetNull) included. For a symmetrical relation the rows that point at a
// go too; otherwise only the links from a (as in Django, clearing one side
// of a self relation leaves the rows that point at a).
func (s *M2MSide[S, SK, T, TK, L, LK]) Clear(tx *store.Tx, a SK) error {
	return s.atomic(tx, func() error { return s.remove(tx, a, true, func(TK) bool { return true }) })
}

// remove deletes the links from a to the rows match accepts (and, with
// all, those with an empty target key); for a symmetrical relation, also
// the links to a from those rows.
func (s *M2MSide[S, SK, T, TK, L, LK]) remove(tx *store.Tx, a SK, all bool, match func(TK) bool) error {
	var keys []LK
	for _, l := range s.links(tx, a) {
		if b, ok := s.dst.get(l); (ok && match(b)) || (!ok && all) {
			keys = append(keys, s.link.Key(*l))
		}
	}
	if s.mirror {
		// One table on both sides: the key types are the same types.
		ta := any(a).(TK)
		key, _ := s.dst.enc.Append(nil, ta)
		it := s.dst.d.scan(tx, s.dst.d.prefix(nil, key))
		for obj := it.Next(); obj != nil; obj = it.Next() {
			l := obj.(*L)
			if src, ok := s.src.get(l); ok && match(any(src).(TK)) {
				keys = append(keys, s.link.Key(*l))
			}
		}
	}
	_, err := s.link.Delete(tx, keys...)
	return err
}

// SetOptions tunes Set.
type SetOptions[L any] struct {
	// Clear removes every link first and adds them all again, so the extra
	// fields of the links that stay are recreated (Django's clear=True).
	Clear bool
	// Fill sets the extra fields of new link rows, as with AddWith.
	Fill func(link *L)
}

// Set makes bs exactly the rows linked to a, as Django's set(): the current
// targets of a (its links) that are not in bs are removed (in both
// directions for a symmetrical relation), the rows of bs that are not
// current targets are added, and the links that stay are kept as they are,
// extra fields included, and are not mirrored anew.
func (s *M2MSide[S, SK, T, TK, L, LK]) Set(tx *store.Tx, a SK, bs []TK) error {
	return s.SetWith(tx, a, bs, SetOptions[L]{})
}

// SetWith is Set with options.
func (s *M2MSide[S, SK, T, TK, L, LK]) SetWith(tx *store.Tx, a SK, bs []TK, opt SetOptions[L]) error {
	return s.atomic(tx, func() error {
		if opt.Clear {
			if err := s.remove(tx, a, true, func(TK) bool { return true }); err != nil {
				return err
			}
			_, err := s.add(tx, a, opt.Fill, bs)
			return err
		}
		current := map[TK]bool{}
		for _, l := range s.links(tx, a) {
			if b, ok := s.dst.get(l); ok {
				current[b] = true
			}
		}
		var fresh []TK
		for _, b := range bs {
			if current[b] {
				delete(current, b)
			} else {
				fresh = append(fresh, b)
			}
		}
		if err := s.remove(tx, a, false, func(b TK) bool { return current[b] }); err != nil {
			return err
		}
		_, err := s.add(tx, a, opt.Fill, fresh)
		return err
	})
}

// atomic runs fn in a savepoint: if fn fails (or panics), nothing it wrote
// is kept.
func (s *M2MSide[S, SK, T, TK, L, LK]) atomic(tx *store.Tx, fn func() error) error {
	if s.d.err != nil {
		// A relation Open refuses (its error names it) is not usable, even
		// with a DB whose schema does not list it.
		return fmt.Errorf("memrel: %w: %w", s.d.err, store.ErrSchema)
	}
	if err := eng.Writable(tx, s.link.Info()); err != nil {
		return err
	}
	sp := eng.Savepoint(tx)
	done := false
	defer func() {
		if !done {
			eng.RollbackTo(tx, sp)
		}
	}()
	if err := fn(); err != nil {
		return err
	}
	eng.Release(tx, sp)
	done = true
	return nil
}
