// Package conformance plays random operation sequences on random schemas
// against memrel, against SQLite (:memory:, foreign keys on) and against a
// small reference model of Django's delete collector, and compares them
// after every operation. See README.md.
package conformance

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"

	"github.com/memrel-go/memrel"
)

// NN and NR are the number of nullable and required reference slots of Row.
const (
	NN   = 6
	NR   = 3
	KMax = 8 // keys of every table are drawn from 1..KMax
	VMax = 4 // values of a, b and c are drawn from 0..VMax
)

// Row is the row of every generated table: a key, reference slots (used by
// the table's foreign keys, or left empty), and three plain values.
type Row struct {
	ID   int64
	N    [NN]memrel.Null[int64]
	R    [NR]int64
	A, B int64
	C    memrel.Null[int64]
}

// Rule is an on-delete rule, independent of memrel's type.
type Rule int

// The rules.
const (
	Cascade Rule = iota
	Protect
	Restrict
	SetNull
	SetDefault
	SetTo
	DoNothing
	numRules
)

func (r Rule) String() string {
	return [...]string{"Cascade", "Protect", "Restrict", "SetNull", "SetDefault", "Set", "DoNothing"}[r]
}

// Col names a column of Row.
type Col struct {
	Kind byte // 'i' (id), 'n', 'r', 'a', 'b', 'c'
	I    int
}

func (c Col) String() string {
	switch c.Kind {
	case 'i':
		return "id"
	case 'n', 'r':
		return fmt.Sprintf("%c%d", c.Kind, c.I)
	}
	return string(c.Kind)
}

// Get reads c of r; ok is false for an empty value.
func (c Col) Get(r *Row) (int64, bool) {
	switch c.Kind {
	case 'i':
		return r.ID, true
	case 'n':
		return r.N[c.I].V, r.N[c.I].Valid
	case 'r':
		return r.R[c.I], true
	case 'a':
		return r.A, true
	case 'b':
		return r.B, true
	case 'c':
		return r.C.V, r.C.Valid
	}
	panic("bad column")
}

// Set writes c of r.
func (c Col) Set(r *Row, v int64, ok bool) {
	switch c.Kind {
	case 'n':
		r.N[c.I] = memrel.Null[int64]{V: v, Valid: ok}
		if !ok {
			r.N[c.I].V = 0
		}
	case 'r':
		r.R[c.I] = v
	case 'a':
		r.A = v
	case 'b':
		r.B = v
	case 'c':
		r.C = memrel.Null[int64]{V: v, Valid: ok}
		if !ok {
			r.C.V = 0
		}
	default:
		panic("bad column")
	}
}

// FKSpec is a foreign key (or one-to-one relation) from Child.Col to Parent.
type FKSpec struct {
	Name          string // "t3.n0", memrel's relation name
	Child, Parent int
	Col           Col
	OneToOne      bool
	Rule          Rule
	Val           int64 // the SetDefault or Set value
	ValNull       bool  // SetDefault with DefaultNull
}

// Nullable reports whether the key is a Null.
func (f *FKSpec) Nullable() bool { return f.Col.Kind == 'n' }

// Tri is a three-valued truth value (SQL).
type Tri int

// The truth values.
const (
	False Tri = iota
	Unknown
	True
)

// Cond is a condition over one row, with SQL's three-valued logic.
type Cond struct {
	Op   string // "ne", "gt" (X, Y); "gtk", "ltk" (X, K); "nnor" (X not null or Y > K); "null", "notnull" (X)
	X, Y Col
	K    int64
}

func tri(b bool) Tri {
	if b {
		return True
	}
	return False
}

// Eval evaluates c on r.
func (c Cond) Eval(r *Row) Tri {
	x, xok := c.X.Get(r)
	switch c.Op {
	case "null":
		return tri(!xok)
	case "notnull":
		return tri(xok)
	case "nnor":
		if xok {
			return True
		}
		y, yok := c.Y.Get(r)
		if !yok {
			return Unknown
		}
		return tri(y > c.K)
	}
	if !xok {
		return Unknown
	}
	switch c.Op {
	case "gtk":
		return tri(x > c.K)
	case "ltk":
		return tri(x < c.K)
	}
	y, yok := c.Y.Get(r)
	if !yok {
		return Unknown
	}
	switch c.Op {
	case "ne":
		return tri(x != y)
	case "gt":
		return tri(x > y)
	}
	panic("bad op " + c.Op)
}

// SQL renders c.
func (c Cond) SQL() string {
	switch c.Op {
	case "null":
		return fmt.Sprintf("%s IS NULL", c.X)
	case "notnull":
		return fmt.Sprintf("%s IS NOT NULL", c.X)
	case "nnor":
		return fmt.Sprintf("%s IS NOT NULL OR %s > %d", c.X, c.Y, c.K)
	case "gtk":
		return fmt.Sprintf("%s > %d", c.X, c.K)
	case "ltk":
		return fmt.Sprintf("%s < %d", c.X, c.K)
	case "ne":
		return fmt.Sprintf("%s <> %s", c.X, c.Y)
	case "gt":
		return fmt.Sprintf("%s > %s", c.X, c.Y)
	}
	panic("bad op " + c.Op)
}

// UniqueSpec is a unique constraint, partial if Where is set.
type UniqueSpec struct {
	Name  string
	Table int
	Cols  []Col
	Where *Cond
}

// CheckSpec is a check constraint.
type CheckSpec struct {
	Name  string
	Table int
	Cond  Cond
}

// Schema is a generated schema. Constraints lists uniques and checks in
// declaration order (one of Unique, Check is set in each).
type Schema struct {
	Seed        int64
	Tables      []string
	FKs         []*FKSpec
	Constraints []ConstraintSpec
}

// ConstraintSpec is a unique or a check constraint.
type ConstraintSpec struct {
	Unique *UniqueSpec
	Check  *CheckSpec
}

// Uniques returns the declared unique constraints of table t in order.
func (s *Schema) Uniques(t int) []*UniqueSpec {
	var us []*UniqueSpec
	for _, c := range s.Constraints {
		if c.Unique != nil && c.Unique.Table == t {
			us = append(us, c.Unique)
		}
	}
	return us
}

// Checks returns the check constraints of table t in order.
func (s *Schema) Checks(t int) []*CheckSpec {
	var cs []*CheckSpec
	for _, c := range s.Constraints {
		if c.Check != nil && c.Check.Table == t {
			cs = append(cs, c.Check)
		}
	}
	return cs
}

// Out returns the foreign keys of table t (as child) in declaration order.
func (s *Schema) Out(t int) []*FKSpec {
	var fs []*FKSpec
	for _, f := range s.FKs {
		if f.Child == t {
			fs = append(fs, f)
		}
	}
	return fs
}

// In returns the foreign keys to table t in declaration order.
func (s *Schema) In(t int) []*FKSpec {
	var fs []*FKSpec
	for _, f := range s.FKs {
		if f.Parent == t {
			fs = append(fs, f)
		}
	}
	return fs
}

// GenSchema generates a schema from seed.
func GenSchema(seed int64) *Schema {
	rng := rand.New(rand.NewSource(seed))
	s := &Schema{Seed: seed}
	nt := 3 + rng.Intn(6)
	for i := range nt {
		s.Tables = append(s.Tables, fmt.Sprintf("t%d", i))
	}
	for child := range nt {
		nfk := rng.Intn(5)
		usedN, usedR := 0, 0
		lastParent := -1
		for range nfk {
			parent := rng.Intn(nt)
			if lastParent >= 0 && rng.Intn(3) == 0 {
				parent = lastParent // several keys to one parent
			}
			if rng.Intn(6) == 0 {
				parent = child // self-reference
			}
			// Required keys only point backwards (or at the table itself):
			// a cycle is closed through nullable keys.
			required := parent <= child && usedR < NR && rng.Intn(3) == 0
			if !required && usedN == NN {
				continue
			}
			f := &FKSpec{Child: child, Parent: parent}
			if required {
				f.Col = Col{'r', usedR}
				usedR++
			} else {
				f.Col = Col{'n', usedN}
				usedN++
			}
			lastParent = parent
			f.Name = fmt.Sprintf("%s.%s", s.Tables[child], f.Col)
			f.OneToOne = rng.Intn(5) == 0
			for {
				f.Rule = Rule(rng.Intn(int(numRules)))
				if f.Rule != SetNull || f.Nullable() {
					break
				}
			}
			switch f.Rule {
			case SetDefault:
				if f.Nullable() && rng.Intn(4) == 0 {
					f.ValNull = true
				} else {
					f.Val = 1 + rng.Int63n(KMax)
				}
			case SetTo:
				f.Val = 1 + rng.Int63n(KMax)
			}
			s.FKs = append(s.FKs, f)
		}
	}
	// Constraints, in a random interleaving of uniques and checks.
	nu, nc := 0, 0
	for t := range nt {
		var cols []Col // candidate columns of t
		cols = append(cols, Col{'a', 0}, Col{'b', 0}, Col{'c', 0})
		for _, f := range s.Out(t) {
			cols = append(cols, f.Col)
		}
		taken := map[string]bool{"id": true}
		for _, f := range s.Out(t) {
			if f.OneToOne {
				taken[f.Col.String()] = true
			}
		}
		for range rng.Intn(3) {
			n := 1 + rng.Intn(2)
			var us []Col
			for range n {
				c := cols[rng.Intn(len(cols))]
				if len(cols) > 3 && rng.Intn(2) == 0 {
					c = cols[3+rng.Intn(len(cols)-3)]
				}
				if !slices.Contains(us, c) {
					us = append(us, c)
				}
			}
			if taken[colsKey(us)] {
				continue // SQLite names a unique violation by its columns
			}
			taken[colsKey(us)] = true
			u := &UniqueSpec{Name: fmt.Sprintf("uq%d_%s", nu, s.Tables[t]), Table: t, Cols: us}
			nu++
			if rng.Intn(3) == 0 {
				u.Where = randCond(rng, cols, true)
			}
			s.Constraints = append(s.Constraints, ConstraintSpec{Unique: u})
		}
		for range rng.Intn(3) {
			c := &CheckSpec{Name: fmt.Sprintf("ck%d_%s", nc, s.Tables[t]), Table: t, Cond: *randCond(rng, cols, false)}
			nc++
			s.Constraints = append(s.Constraints, ConstraintSpec{Check: c})
		}
	}
	rng.Shuffle(len(s.Constraints), func(i, j int) { s.Constraints[i], s.Constraints[j] = s.Constraints[j], s.Constraints[i] })
	return s
}

func colsKey(cols []Col) string {
	var ss []string
	for _, c := range cols {
		ss = append(ss, c.String())
	}
	slices.Sort(ss)
	return strings.Join(ss, ",")
}

func randCond(rng *rand.Rand, cols []Col, where bool) *Cond {
	pick := func() Col {
		if len(cols) > 3 && rng.Intn(2) == 0 {
			return cols[3+rng.Intn(len(cols)-3)] // a reference column
		}
		return cols[rng.Intn(len(cols))]
	}
	withID := append(slices.Clip(cols), Col{'i', 0})
	switch rng.Intn(7) {
	case 0:
		x, y := withID[rng.Intn(len(withID))], pick()
		if x == y {
			y = Col{'a', 0}
			if x == y {
				y = Col{'b', 0}
			}
		}
		return &Cond{Op: "ne", X: x, Y: y}
	case 1:
		x := pick()
		if x.Kind == 'a' {
			x = Col{'b', 0}
		}
		return &Cond{Op: "gt", X: x, Y: Col{'a', 0}}
	case 2:
		return &Cond{Op: "gtk", X: pick(), K: rng.Int63n(3)}
	case 3:
		return &Cond{Op: "ltk", X: pick(), K: 2 + rng.Int63n(KMax)}
	case 4:
		return &Cond{Op: "nnor", X: pick(), Y: Col{'b', 0}, K: rng.Int63n(3)}
	case 5:
		if where {
			return &Cond{Op: "notnull", X: pick()}
		}
		return &Cond{Op: "ne", X: Col{'i', 0}, Y: pick()}
	default:
		if where {
			return &Cond{Op: "null", X: pick()}
		}
		return &Cond{Op: "ltk", X: Col{'b', 0}, K: VMax}
	}
}

// String describes the schema, one declaration a line.
func (s *Schema) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "schema seed %d: tables %s\n", s.Seed, strings.Join(s.Tables, ", "))
	for _, f := range s.FKs {
		kind := "fk"
		if f.OneToOne {
			kind = "o2o"
		}
		null := "required"
		if f.Nullable() {
			null = "nullable"
		}
		val := ""
		switch {
		case f.Rule == SetDefault && f.ValNull:
			val = " default NULL"
		case f.Rule == SetDefault || f.Rule == SetTo:
			val = fmt.Sprintf(" value %d", f.Val)
		}
		fmt.Fprintf(&b, "  %s %s -> %s %s %s%s\n", kind, f.Name, s.Tables[f.Parent], null, f.Rule, val)
	}
	for _, c := range s.Constraints {
		if u := c.Unique; u != nil {
			fmt.Fprintf(&b, "  unique %s on %s(%s)", u.Name, s.Tables[u.Table], colsKey(u.Cols))
			if u.Where != nil {
				fmt.Fprintf(&b, " where %s", u.Where.SQL())
			}
			b.WriteString("\n")
		} else {
			fmt.Fprintf(&b, "  check %s on %s: %s\n", c.Check.Name, s.Tables[c.Check.Table], c.Check.Cond.SQL())
		}
	}
	return b.String()
}
