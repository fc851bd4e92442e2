package relations

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/memrel-go/memrel/store"
)

// Path is one step of an eager load: a relation to follow from a set of
// rows, and what to load from the rows it reaches. Build paths with
// FK.Forward, FK.Reverse and M2MSide.Path, and give them to Load.
type Path interface {
	from() reflect.Type // the row type the path starts from
	def() *fkDef        // a relation of the path, to check it is in the schema
	name() string
	problem() error // why the path cannot be followed (a nil or refused relation), or nil
	run(tx *store.Tx, l *Loaded, rows []any) error
}

// Loaded holds the rows an eager load fetched, to be read with the
// LoadedParent, LoadedChildren and LoadedList methods of the relations
// followed, with no further lookups. Each related row is held once, however
// many rows point at it. A Loaded is a snapshot: later writes do not change
// it. It is safe for concurrent reads.
type Loaded struct {
	data map[loadKey]any // what a path loaded -> its typed data
}

// Load fetches, for rows, the related rows along every path (nested paths
// included), as Django's select_related and prefetch_related do:
//
//	l, err := relations.Load(tx, posts,
//		PostAuthor.Forward(),                          // each post's author
//		CommentPost.Reverse(CommentAuthor.Forward()))  // its comments, and their authors
//	author, _ := PostAuthor.LoadedParent(l, post)
//	for _, c := range CommentPost.LoadedChildren(l, post.ID) { ... }
//
// It returns an error, and loads nothing, if a path does not start from
// rows of type T or uses a relation that is not in the DB's schema (a nil
// path, or a path of a nil relation or of one Open refuses, included: the
// error names the path and wraps store.ErrUnknownTable).
func Load[T any](tx *store.Tx, rows []T, paths ...Path) (*Loaded, error) {
	l := &Loaded{data: map[loadKey]any{}}
	objs := make([]any, len(rows))
	for i := range rows {
		objs[i] = &rows[i]
	}
	if err := checkPaths(tx, reflect.TypeFor[T](), paths, ""); err != nil {
		return nil, err
	}
	for _, p := range paths {
		if err := p.run(tx, l, objs); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// checkPaths checks that paths can be followed from rows of type t; parent
// names the path they are nested in ("" at the top), for messages.
func checkPaths(tx *store.Tx, t reflect.Type, paths []Path, parent string) error {
	rt, _ := eng.HooksOf(tx.DB()).(*runtime)
	for i, p := range paths {
		where := fmt.Sprintf("path %d", i)
		if parent != "" {
			where = fmt.Sprintf("path %d nested in %s", i, parent)
		}
		if p == nil {
			return fmt.Errorf("memrel: load: %s is nil: %w", where, store.ErrUnknownTable)
		}
		if err := p.problem(); err != nil {
			return fmt.Errorf("memrel: load: %s (%s): %w: %w", where, p.name(), err, store.ErrUnknownTable)
		}
		if p.from() != t {
			return fmt.Errorf("memrel: load: path %s starts from rows of type %v, not %v", p.name(), p.from(), t)
		}
		if rt == nil || !rt.has(p.def()) {
			return &store.TableError{Table: p.def().child.Name(), Err: fmt.Errorf("%w: relation %s is not in the schema", store.ErrUnknownTable, p.name())}
		}
	}
	return nil
}

func (rt *runtime) has(d *fkDef) bool {
	for _, f := range rt.fks {
		if f == d {
			return true
		}
	}
	return false
}

// forwardData holds the parents loaded through a foreign key.
type forwardData[P any, K comparable] struct{ parents map[K]*P }

// reverseData holds the children loaded through a foreign key, per parent.
type reverseData[C any, K comparable] struct{ children map[K][]*C }

// m2mData holds the targets loaded through a many-to-many side, per source.
type m2mData[T any, SK comparable] struct{ targets map[SK][]*T }

// loadKey names what a path loaded: the relation and the direction (the
// same foreign key can be followed forward, backward, and as a side of a
// many-to-many relation in one Load).
type loadKey struct {
	d    *fkDef
	kind uint8
}

const (
	loadForward uint8 = iota
	loadReverse
	loadM2M
)

func dataOf[D any](l *Loaded, key loadKey, init func() *D) *D {
	if d, ok := l.data[key].(*D); ok {
		return d
	}
	d := init()
	l.data[key] = d
	return d
}

type fkPath[C, P any, K store.Key] struct {
	fk      *FK[C, P, K]
	reverse bool
	nested  []Path
}

// Forward is the eager-load path from child rows to their parents (Django's
// select_related); nested paths start from the parents.
func (fk *FK[C, P, K]) Forward(nested ...Path) Path {
	return &fkPath[C, P, K]{fk: fk, nested: nested}
}

// Reverse is the eager-load path from parent rows to their children
// (Django's prefetch_related); nested paths start from the children.
func (fk *FK[C, P, K]) Reverse(nested ...Path) Path {
	return &fkPath[C, P, K]{fk: fk, reverse: true, nested: nested}
}

func (p *fkPath[C, P, K]) from() reflect.Type {
	if p.reverse {
		return reflect.TypeFor[P]()
	}
	return reflect.TypeFor[C]()
}

func (p *fkPath[C, P, K]) def() *fkDef { return p.fk.d }

func (p *fkPath[C, P, K]) problem() error {
	switch {
	case p.fk == nil || p.fk.d == nil:
		return errNilRelation
	case p.fk.d.err != nil:
		return p.fk.d.err
	}
	return nil
}

// errNilRelation is the problem of a path built on a nil relation.
var errNilRelation = errors.New("its relation is nil")

func (p *fkPath[C, P, K]) name() string {
	if p.fk == nil || p.fk.d == nil {
		return "nil foreign key"
	}
	if p.reverse {
		return p.fk.Name() + " (reverse)"
	}
	return p.fk.Name()
}

func (p *fkPath[C, P, K]) run(tx *store.Tx, l *Loaded, rows []any) error {
	// The rows reached, each once, are gathered only for nested paths.
	nested := len(p.nested) > 0
	var next []any
	var key, prefix []byte
	if p.reverse {
		d := dataOf(l, loadKey{p.fk.d, loadReverse}, func() *reverseData[C, K] {
			return &reverseData[C, K]{children: make(map[K][]*C, len(rows))}
		})
		// Each parent's children are a capped window of one backing slice:
		// a few allocations for the whole load, not a few per parent.
		var all []*C
		var seen map[K]struct{}
		if nested {
			seen = make(map[K]struct{}, len(rows))
		}
		for _, r := range rows {
			k := p.fk.parent.Key(*r.(*P))
			if nested {
				if _, dup := seen[k]; dup {
					continue
				}
				seen[k] = struct{}{}
			}
			kids, done := d.children[k]
			if !done {
				key, _ = p.fk.enc.Append(key[:0], k)
				prefix = p.fk.d.prefix(prefix[:0], key)
				start := len(all)
				it := p.fk.d.scan(tx, prefix)
				for obj := it.Next(); obj != nil; obj = it.Next() {
					all = append(all, obj.(*C))
				}
				if len(all) > start {
					kids = all[start:len(all):len(all)]
				}
				d.children[k] = kids
			}
			if nested {
				for _, c := range kids {
					next = append(next, c)
				}
			}
		}
		return runNested(tx, l, reflect.TypeFor[C](), p.name(), p.nested, next)
	}
	d := dataOf(l, loadKey{p.fk.d, loadForward}, func() *forwardData[P, K] {
		return &forwardData[P, K]{parents: make(map[K]*P, len(rows))}
	})
	var seen map[K]struct{}
	if nested {
		seen = make(map[K]struct{}, len(rows))
	}
	for _, r := range rows {
		k, ok := p.fk.get(r.(*C))
		if !ok {
			continue
		}
		if nested {
			if _, dup := seen[k]; dup {
				continue
			}
			seen[k] = struct{}{}
		}
		parent, done := d.parents[k]
		if !done {
			key, _ = p.fk.enc.Append(key[:0], k)
			if obj := eng.Lookup(tx, p.fk.d.parent, key); obj != nil {
				parent = obj.(*P)
			}
			d.parents[k] = parent // nil: a dangling DoNothing key, reported as absent
		}
		if parent != nil && nested {
			next = append(next, parent)
		}
	}
	return runNested(tx, l, reflect.TypeFor[P](), p.name(), p.nested, next)
}

func runNested(tx *store.Tx, l *Loaded, t reflect.Type, parent string, nested []Path, rows []any) error {
	if len(nested) == 0 {
		return nil
	}
	if err := checkPaths(tx, t, nested, parent); err != nil {
		return err
	}
	for _, n := range nested {
		if err := n.run(tx, l, rows); err != nil {
			return err
		}
	}
	return nil
}

// LoadedParent returns the parent of child that Load fetched through this
// relation's Forward path (comma-ok: false when the key is empty, the parent
// is missing, or the path was not loaded, l nil included).
func (fk *FK[C, P, K]) LoadedParent(l *Loaded, child C) (P, bool) {
	var zero P
	if l == nil {
		return zero, false
	}
	d, ok := l.data[loadKey{fk.d, loadForward}].(*forwardData[P, K])
	if !ok {
		return zero, false
	}
	k, ok := fk.get(&child)
	if !ok {
		return zero, false
	}
	p := d.parents[k]
	if p == nil {
		return zero, false
	}
	return *p, true
}

// LoadedChildren returns the children of the parent with key k that Load
// fetched through this relation's Reverse path, in key order (nil when none
// or not loaded, l nil included).
func (fk *FK[C, P, K]) LoadedChildren(l *Loaded, k K) []C {
	if l == nil {
		return nil
	}
	d, ok := l.data[loadKey{fk.d, loadReverse}].(*reverseData[C, K])
	if !ok {
		return nil
	}
	return copies(d.children[k])
}

type m2mPath[S any, SK store.Key, T any, TK store.Key, L any, LK store.Key] struct {
	side   *M2MSide[S, SK, T, TK, L, LK]
	nested []Path
}

// Path is the eager-load path from source rows to the rows they are linked
// to; nested paths start from those rows.
func (s *M2MSide[S, SK, T, TK, L, LK]) Path(nested ...Path) Path {
	return &m2mPath[S, SK, T, TK, L, LK]{side: s, nested: nested}
}

func (p *m2mPath[S, SK, T, TK, L, LK]) from() reflect.Type { return reflect.TypeFor[S]() }
func (p *m2mPath[S, SK, T, TK, L, LK]) def() *fkDef        { return p.side.src.d }
func (p *m2mPath[S, SK, T, TK, L, LK]) name() string {
	if p.side == nil || p.side.d == nil {
		return "nil many-to-many side"
	}
	return p.side.Name()
}

func (p *m2mPath[S, SK, T, TK, L, LK]) problem() error {
	switch {
	case p.side == nil || p.side.d == nil:
		return errNilRelation
	case p.side.d.err != nil:
		return p.side.d.err
	case p.side.src == nil || p.side.dst == nil:
		return errNilRelation
	}
	return nil
}

func (p *m2mPath[S, SK, T, TK, L, LK]) run(tx *store.Tx, l *Loaded, rows []any) error {
	s := p.side
	d := dataOf(l, loadKey{s.src.d, loadM2M}, func() *m2mData[T, SK] { return &m2mData[T, SK]{targets: map[SK][]*T{}} })
	seenSrc := map[SK]bool{}
	seenDst := map[*T]bool{}
	var next []any
	for _, r := range rows {
		sk := s.src.parent.Key(*r.(*S))
		if seenSrc[sk] {
			continue
		}
		seenSrc[sk] = true
		ts, done := d.targets[sk]
		if !done {
			ts = s.targets(tx, sk)
			d.targets[sk] = ts
		}
		for _, t := range ts {
			if !seenDst[t] {
				seenDst[t] = true
				next = append(next, t)
			}
		}
	}
	return runNested(tx, l, reflect.TypeFor[T](), p.name(), p.nested, next)
}

// LoadedList returns the rows linked to a that Load fetched through this
// side's Path, in key order (nil when none or not loaded, l nil included).
func (s *M2MSide[S, SK, T, TK, L, LK]) LoadedList(l *Loaded, a SK) []T {
	if l == nil {
		return nil
	}
	d, ok := l.data[loadKey{s.src.d, loadM2M}].(*m2mData[T, SK])
	if !ok {
		return nil
	}
	return copies(d.targets[a])
}

// copies returns copies of stored rows (nil for none): a Loaded never hands
// out the store's own rows.
func copies[T any](rows []*T) []T {
	if len(rows) == 0 {
		return nil
	}
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = *r
	}
	return out
}
