package conformance

import (
	"maps"
	"math/rand"
	"slices"
)

// Gen draws operations for a schema, looking at the reference model's
// state so that most operations are plausible and many are valid.
type Gen struct {
	s   *Schema
	rng *rand.Rand
}

// NewGen returns a generator seeded with seed.
func NewGen(s *Schema, seed int64) *Gen {
	return &Gen{s: s, rng: rand.New(rand.NewSource(seed))}
}

func (g *Gen) keys(m *Model, t int) []int64 {
	return slices.Sorted(maps.Keys(m.rows[t]))
}

// key returns an existing key of t (mostly) or any key.
func (g *Gen) key(m *Model, t int, existing int) int64 {
	ks := g.keys(m, t)
	if len(ks) > 0 && g.rng.Intn(100) < existing {
		return ks[g.rng.Intn(len(ks))]
	}
	return 1 + g.rng.Int63n(KMax)
}

func (g *Gen) value() int64 { return g.rng.Int63n(VMax + 1) }

func (g *Gen) nullValue() (int64, bool) {
	if g.rng.Intn(4) == 0 {
		return 0, false
	}
	return g.value(), true
}

// ref sets f's column of r: a parent that exists (mostly), the row itself
// for a self-reference, a random key that may be missing, or empty.
func (g *Gen) ref(m *Model, f *FKSpec, r *Row) {
	empty := len(m.rows[f.Parent]) == 0
	if f.Nullable() && (g.rng.Intn(5) == 0 || empty && g.rng.Intn(4) != 0) {
		f.Col.Set(r, 0, false)
		return
	}
	if f.Parent == f.Child && g.rng.Intn(4) == 0 {
		f.Col.Set(r, r.ID, true)
		return
	}
	f.Col.Set(r, g.key(m, f.Parent, 95), true)
}

// Next draws one operation.
func (g *Gen) Next(m *Model) Op {
	t := g.rng.Intn(len(g.s.Tables))
	n := len(m.rows[t])
	p := g.rng.Intn(100)
	if n == 0 && g.rng.Intn(8) != 0 {
		p = 0 // an empty table: mostly insert
	}
	switch {
	case p < 45:
		r := Row{}
		switch q := g.rng.Intn(100); {
		case q < 2:
			r.ID = 0 // invalid for a table whose keys the caller chooses
		case q < 12 && n > 0:
			r.ID = g.key(m, t, 100) // collides with the key of a row
		default:
			r.ID = 1 + g.rng.Int63n(KMax)
		}
		for _, f := range g.s.Out(t) {
			g.ref(m, f, &r)
		}
		r.A, r.B = g.value(), g.value()
		v, ok := g.nullValue()
		r.C.V, r.C.Valid = v, ok
		if !ok {
			r.C.V = 0
		}
		return Op{Kind: OpInsert, Table: t, Row: r}
	case p < 72:
		var r Row
		if n == 0 || g.rng.Intn(15) == 0 {
			r.ID = 1 + g.rng.Int63n(KMax)
			if old, ok := m.rows[t][r.ID]; ok {
				r = old
			}
		} else {
			r = m.rows[t][g.key(m, t, 100)]
		}
		// Change one to three columns.
		cols := []Col{{'a', 0}, {'b', 0}, {'c', 0}}
		for _, f := range g.s.Out(t) {
			cols = append(cols, f.Col, f.Col) // references change twice as often
		}
		for range 1 + g.rng.Intn(3) {
			c := cols[g.rng.Intn(len(cols))]
			switch c.Kind {
			case 'a', 'b':
				c.Set(&r, g.value(), true)
			case 'c':
				v, ok := g.nullValue()
				c.Set(&r, v, ok)
			default:
				for _, f := range g.s.Out(t) {
					if f.Col == c {
						g.ref(m, f, &r)
					}
				}
			}
		}
		return Op{Kind: OpUpdate, Table: t, Row: r}
	default:
		var keys []int64
		for range 1 + g.rng.Intn(3)*g.rng.Intn(2) {
			if g.rng.Intn(12) == 0 || n == 0 {
				keys = append(keys, 1+g.rng.Int63n(KMax))
			} else {
				keys = append(keys, g.key(m, t, 100))
			}
		}
		return Op{Kind: OpDelete, Table: t, Keys: keys}
	}
}
