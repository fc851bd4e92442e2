package conformance

import (
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/memrel-go/memrel"
)

// Mem is a memrel DB built from a Schema.
type Mem struct {
	s      *Schema
	db     *memrel.DB
	tables []*memrel.Table[Row, int64]
	tx     *memrel.Tx // the open write transaction, if any
}

var rules = map[Rule]memrel.OnDelete{
	Cascade: memrel.Cascade, Protect: memrel.Protect, Restrict: memrel.Restrict,
	SetNull: memrel.SetNull, SetDefault: memrel.SetDefault, SetTo: memrel.Set, DoNothing: memrel.DoNothing,
}

// NewMem opens a memrel DB for s.
func NewMem(s *Schema) (*Mem, error) {
	m := &Mem{s: s}
	var sch memrel.Schema
	for _, name := range s.Tables {
		t := memrel.NewTable(name, func(r *Row) *int64 { return &r.ID }).CallerKeys()
		m.tables = append(m.tables, t)
		sch.Tables = append(sch.Tables, t)
	}
	for _, f := range s.FKs {
		child, parent := m.tables[f.Child], m.tables[f.Parent]
		i := f.Col.I
		field := f.Col.String()
		related := "rev_" + s.Tables[f.Child] + "_" + field
		rule := rules[f.Rule]
		nullRef := func(r *Row) *memrel.Null[int64] { return &r.N[i] }
		reqRef := func(r *Row) *int64 { return &r.R[i] }
		var fk *memrel.FK[Row, Row, int64] // the rule's value is set on it
		var rel memrel.Relation
		switch {
		case f.Nullable() && f.OneToOne:
			o := memrel.OneToOne(child, nullRef, parent, rule).Named(field).Related(related)
			fk, rel = o.FK, o
		case f.OneToOne:
			o := memrel.OneToOne(child, reqRef, parent, rule).Named(field).Related(related)
			fk, rel = o.FK, o
		case f.Nullable():
			fk = memrel.ForeignKey(child, nullRef, parent, rule).Named(field).Related(related)
			rel = fk
		default:
			fk = memrel.ForeignKey(child, reqRef, parent, rule).Named(field).Related(related)
			rel = fk
		}
		switch {
		case f.Rule == SetDefault && f.ValNull && f.Nullable():
			fk.DefaultNull()
		case f.Rule == SetDefault:
			fk.Default(f.Val)
		case f.Rule == SetTo:
			fk.SetTo(f.Val)
		}
		sch.Relations = append(sch.Relations, rel)
	}
	for _, c := range s.Constraints {
		if u := c.Unique; u != nil {
			cols := slices.Clone(u.Cols)
			uc := memrel.UniqueFunc(m.tables[u.Table], u.Name, func(r *Row) [3]memrel.Null[int64] {
				var k [3]memrel.Null[int64]
				for j := range k {
					k[j] = memrel.Some(int64(-1)) // padding, never empty
				}
				for j, col := range cols {
					v, ok := col.Get(r)
					k[j] = memrel.Null[int64]{V: v, Valid: ok}
					if !ok {
						k[j].V = 0
					}
				}
				return k
			})
			if u.Where != nil {
				w := *u.Where
				uc.Where(func(r *Row) bool { return w.Eval(r) == True })
			}
			sch.Constraints = append(sch.Constraints, uc)
		} else {
			cond := c.Check.Cond
			sch.Constraints = append(sch.Constraints, memrel.Check(m.tables[c.Check.Table], c.Check.Name,
				func(r *Row) bool { return cond.Eval(r) != False }))
		}
	}
	db, err := memrel.Open(sch)
	if err != nil {
		return nil, err
	}
	m.db = db
	return m, nil
}

// Apply plays op on memrel: the first operation after a commit opens a
// write transaction, OpCommit commits it.
func (m *Mem) Apply(op Op) Outcome {
	if op.Kind == OpCommit {
		if m.tx == nil {
			return Outcome{Kind: KOK}
		}
		err := m.tx.Commit()
		m.tx = nil
		if err != nil {
			return classifyMem(err)
		}
		return Outcome{Kind: KOK}
	}
	if m.tx == nil {
		m.tx = m.db.BeginWrite()
	}
	var res memrel.DeleteResult
	var err error
	t := m.tables[op.Table]
	switch op.Kind {
	case OpInsert:
		_, err = t.Insert(m.tx, op.Row)
	case OpUpdate:
		_, err = t.Update(m.tx, op.Row)
	case OpDelete:
		res, err = t.Delete(m.tx, op.Keys...)
	}
	if err != nil {
		return classifyMem(err)
	}
	out := Outcome{Kind: KOK}
	if op.Kind == OpDelete {
		out.Deleted = nonZero(res.Deleted)
		out.Updated = nonZero(res.Updated)
	}
	return out
}

// Close aborts the open transaction, if any.
func (m *Mem) Close() {
	if m.tx != nil {
		m.tx.Abort()
		m.tx = nil
	}
}

func nonZero(m map[string]int) map[string]int {
	var r map[string]int
	for k, v := range m {
		if v != 0 {
			if r == nil {
				r = map[string]int{}
			}
			r[k] = v
		}
	}
	return r
}

// keyErrors collects every *memrel.KeyError in err's tree.
func keyErrors(err error, dst []*memrel.KeyError) []*memrel.KeyError {
	if ke, ok := err.(*memrel.KeyError); ok {
		return append(dst, ke)
	}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			dst = keyErrors(e, dst)
		}
	case interface{ Unwrap() error }:
		if e := u.Unwrap(); e != nil {
			dst = keyErrors(e, dst)
		}
	}
	return dst
}

func classifyMem(err error) Outcome {
	var pe *memrel.ProtectedError
	var re *memrel.RestrictedError
	var ce *memrel.CheckError
	var ue *memrel.UniqueError
	var fe *memrel.ForeignKeyError
	switch {
	case errors.Is(err, memrel.ErrInvalidKey):
		return Outcome{Kind: KInvalid, Err: err.Error()}
	case errors.Is(err, memrel.ErrNotFound):
		o := Outcome{Kind: KNotFound, Err: err.Error()}
		for _, ke := range keyErrors(err, nil) {
			if !errors.Is(ke, memrel.ErrNotFound) {
				continue
			}
			if len(ke.Keys) == 0 {
				o.Keys = append(o.Keys, rowRef(ke.Table, ke.Key))
			}
			for _, k := range ke.Keys { // a delete lists every missing key
				o.Keys = append(o.Keys, rowRef(ke.Table, k))
			}
		}
		sort.Strings(o.Keys) // not deduplicated: a key named twice is listed once
		return o
	case errors.As(err, &pe):
		o := Outcome{Kind: KProtected, Err: err.Error(), Rels: slices.Clone(pe.Relations)}
		for _, r := range pe.Rows {
			o.Keys = append(o.Keys, rowRef(r.Table, r.Key))
		}
		o.norm()
		return o
	case errors.As(err, &re):
		o := Outcome{Kind: KRestricted, Err: err.Error(), Rels: slices.Clone(re.Relations)}
		for _, r := range re.Rows {
			o.Keys = append(o.Keys, rowRef(r.Table, r.Key))
		}
		o.norm()
		return o
	case errors.As(err, &ce):
		return Outcome{Kind: KCheck, Names: []string{ce.Constraint}, Err: err.Error()}
	case errors.As(err, &ue):
		return Outcome{Kind: KUnique, Names: []string{ue.Constraint}, Err: err.Error()}
	case errors.Is(err, memrel.ErrExists):
		var ke *memrel.KeyError
		name := "?"
		if errors.As(err, &ke) {
			name = ke.Table + ".id"
		}
		return Outcome{Kind: KUnique, Names: []string{name}, Err: err.Error()}
	case errors.As(err, &fe):
		return Outcome{Kind: KFK, Names: []string{fe.Relation}, Err: err.Error()}
	}
	return Outcome{Kind: "error", Err: err.Error()}
}

func rowRef(table string, key any) string { return fmt.Sprintf("%s:%v", table, key) }

// State reads every table, inside the open transaction if there is one.
func (m *Mem) State() State {
	st := make(State, len(m.tables))
	read := func(tx *memrel.Tx) error {
		for i, t := range m.tables {
			for r := range t.All(tx) {
				st[i] = append(st[i], r)
			}
		}
		return nil
	}
	if m.tx != nil {
		_ = read(m.tx)
	} else {
		_ = m.db.View(read)
	}
	return st
}

// Check runs memrel's own integrity check.
func (m *Mem) Check() error { return m.db.Check() }
