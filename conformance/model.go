package conformance

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// OpKind is the kind of an operation.
type OpKind int

// The operations.
const (
	OpInsert OpKind = iota
	OpUpdate
	OpDelete
	OpCommit // ends the transaction the operations before it opened
)

// Op is one operation on one table.
type Op struct {
	Kind  OpKind
	Table int
	Row   Row     // insert, update
	Keys  []int64 // delete
}

// Format prints op readably, with the schema's table names.
func (op Op) Format(s *Schema) string {
	switch op.Kind {
	case OpCommit:
		return "commit"
	case OpDelete:
		return fmt.Sprintf("delete %s %v", s.Tables[op.Table], op.Keys)
	case OpInsert:
		return fmt.Sprintf("insert %s %s", s.Tables[op.Table], FormatRow(s, op.Table, op.Row))
	}
	return fmt.Sprintf("update %s %s", s.Tables[op.Table], FormatRow(s, op.Table, op.Row))
}

// FormatRow prints the used columns of r.
func FormatRow(s *Schema, t int, r Row) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{id=%d", r.ID)
	used := map[Col]bool{}
	for _, f := range s.Out(t) {
		used[f.Col] = true
	}
	for _, c := range allCols[1 : 1+NN+NR] {
		v, ok := c.Get(&r)
		switch {
		case ok && (c.Kind == 'n' || v != 0 || used[c]):
			fmt.Fprintf(&b, " %s=%d", c, v)
		case !ok && used[c]:
			fmt.Fprintf(&b, " %s=NULL", c)
		}
	}
	fmt.Fprintf(&b, " a=%d b=%d", r.A, r.B)
	if r.C.Valid {
		fmt.Fprintf(&b, " c=%d}", r.C.V)
	} else {
		b.WriteString(" c=NULL}")
	}
	return b.String()
}

// Outcome kinds.
const (
	KOK         = "ok"
	KInvalid    = "invalid"
	KNotFound   = "not found"
	KProtected  = "protected"
	KRestricted = "restricted"
	KCheck      = "check"
	KUnique     = "unique"
	KFK         = "foreign key"
)

// Outcome is what an operation did. For the reference model, Names is the
// set of acceptable constraint or relation names (more than one where the
// order in which several violations are found is not specified); for an
// implementation, the one it named.
type Outcome struct {
	Kind    string
	Names   []string
	Keys    []string // not found: the missing keys; protected, restricted: the blocking rows
	Rels    []string // protected, restricted: the relations named
	Deleted map[string]int
	Updated map[string]int
	Err     string // the implementation's message
	// Rewrites is set by the reference model on a delete that scheduled
	// SetNull, SetDefault or Set updates (even ones dropped because their
	// row is deleted).
	Rewrites bool
	// Inter names the check and unique constraints that some intermediate
	// state of a row-by-row application of those rewrites breaks (SQLite's
	// way): a rewritten row (deleted or not) against the original and the
	// rewritten values of the other rows.
	Inter []string
	// Features of a delete that the model saw (for the figures): restricting
	// rows all removed by the same delete, a protecting row that the delete
	// also removes, a rewrite skipped because its row is deleted.
	Exempt, ProtectCollected, SkippedRewrite bool
	// Dangling is, for SQLite's COMMIT, the number of rows that PRAGMA
	// foreign_key_check reported just before it.
	Dangling int
	// ProtectSurvivor: some protecting row is not removed by the delete, so
	// it would dangle (SQLite's NO ACTION refuses too).
	ProtectSurvivor bool
}

func (o *Outcome) norm() {
	o.Keys = sortedSet(o.Keys)
	o.Rels = sortedSet(o.Rels)
	o.Names = sortedSet(o.Names)
}

func sortedSet(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	ss = slices.Clone(ss)
	sort.Strings(ss)
	return slices.Compact(ss)
}

func (o Outcome) String() string {
	var b strings.Builder
	b.WriteString(o.Kind)
	if len(o.Names) > 0 {
		fmt.Fprintf(&b, " %v", o.Names)
	}
	if len(o.Keys) > 0 {
		fmt.Fprintf(&b, " rows %v", o.Keys)
	}
	if len(o.Rels) > 0 {
		fmt.Fprintf(&b, " relations %v", o.Rels)
	}
	if o.Deleted != nil {
		fmt.Fprintf(&b, " deleted %v", o.Deleted)
	}
	if o.Updated != nil {
		fmt.Fprintf(&b, " updated %v", o.Updated)
	}
	if o.Err != "" {
		fmt.Fprintf(&b, " (%s)", o.Err)
	}
	return b.String()
}

// State is the content of every table, rows in key order.
type State [][]Row

// Model is the reference model: plain maps of rows and Django's rules,
// written from the specification, independent of memrel's code.
type Model struct {
	s    *Schema
	rows []map[int64]Row
	snap []map[int64]Row // the state when the open transaction began; nil if none
}

// NewModel returns an empty model of s.
func NewModel(s *Schema) *Model {
	m := &Model{s: s}
	for range s.Tables {
		m.rows = append(m.rows, map[int64]Row{})
	}
	return m
}

// State returns the model's content.
func (m *Model) State() State {
	st := make(State, len(m.rows))
	for t, rows := range m.rows {
		for _, k := range slices.Sorted(maps.Keys(rows)) {
			st[t] = append(st[t], rows[k])
		}
	}
	return st
}

// lookup returns the row of table t with key k in view (nil: the stored rows).
type view func(t int, k int64) (Row, bool)

func (m *Model) stored(t int, k int64) (Row, bool) {
	r, ok := m.rows[t][k]
	return r, ok
}

// firstCheck returns the first check of t (in declaration order) that r fails.
func (m *Model) firstCheck(t int, r *Row) string {
	for _, c := range m.s.Checks(t) {
		if c.Cond.Eval(r) == False {
			return c.Name
		}
	}
	return ""
}

// uniqueKeys returns the unique constraints of t in memrel's reporting
// order (one-to-one relations, then declared uniques), with the row's
// value, or ok false if the row takes no part.
type uniq struct {
	name string
	val  func(r *Row) (string, bool)
}

func (m *Model) uniques(t int) []uniq {
	var us []uniq
	for _, f := range m.s.Out(t) {
		if f.OneToOne {
			col := f.Col
			us = append(us, uniq{f.Name, func(r *Row) (string, bool) {
				v, ok := col.Get(r)
				return fmt.Sprint(v), ok
			}})
		}
	}
	for _, u := range m.s.Uniques(t) {
		us = append(us, uniq{u.Name, func(r *Row) (string, bool) {
			if u.Where != nil && u.Where.Eval(r) != True {
				return "", false
			}
			var parts []string
			for _, c := range u.Cols {
				v, ok := c.Get(r)
				if !ok {
					return "", false
				}
				parts = append(parts, fmt.Sprint(v))
			}
			return strings.Join(parts, ","), true
		}})
	}
	return us
}

// collides reports whether another row of t than r (in rows) has r's value of u.
func collides(u uniq, r *Row, rows []Row) bool {
	v, ok := u.val(r)
	if !ok {
		return false
	}
	for i := range rows {
		if rows[i].ID == r.ID {
			continue
		}
		if w, ok := u.val(&rows[i]); ok && w == v {
			return true
		}
	}
	return false
}

// badFK returns the first foreign key of t (declaration order) whose value
// in r names no row of the parent in v (a row may name itself).
func (m *Model) badFKs(t int, r *Row, v view, only func(*FKSpec) bool) []string {
	var bad []string
	for _, f := range m.s.Out(t) {
		if only != nil && !only(f) {
			continue
		}
		k, ok := f.Col.Get(r)
		if !ok {
			continue
		}
		if f.Parent == t && k == r.ID {
			continue
		}
		if _, ok := v(f.Parent, k); !ok {
			bad = append(bad, f.Name)
		}
	}
	return bad
}

func (m *Model) rowsOf(t int) []Row {
	return m.State()[t]
}

// write checks r (a new row of t, or the new value of a stored one) in the
// order check > unique (key first, then one-to-one, then declared) > foreign
// key, and stores it.
func (m *Model) write(t int, r Row, insert bool) Outcome {
	if name := m.firstCheck(t, &r); name != "" {
		return Outcome{Kind: KCheck, Names: []string{name}}
	}
	if insert {
		if _, ok := m.rows[t][r.ID]; ok {
			return Outcome{Kind: KUnique, Names: []string{m.s.Tables[t] + ".id"}}
		}
	}
	rows := m.rowsOf(t)
	for _, u := range m.uniques(t) {
		if collides(u, &r, rows) {
			return Outcome{Kind: KUnique, Names: []string{u.name}}
		}
	}
	// The row itself is visible to its own self-references. An update
	// checks the keys it changes: an unchanged DoNothing key may point at a
	// row deleted earlier in the transaction (it is checked at commit).
	var only func(*FKSpec) bool
	if !insert {
		old := m.rows[t][r.ID]
		only = func(f *FKSpec) bool {
			a, aok := f.Col.Get(&old)
			b, bok := f.Col.Get(&r)
			return a != b || aok != bok
		}
	}
	if bad := m.badFKs(t, &r, m.stored, only); len(bad) > 0 {
		return Outcome{Kind: KFK, Names: bad[:1]}
	}
	m.rows[t][r.ID] = r
	return Outcome{Kind: KOK}
}

// Apply plays op on the model. The first operation after a commit opens a
// transaction.
func (m *Model) Apply(op Op) Outcome {
	if op.Kind == OpCommit {
		return m.commit()
	}
	if m.snap == nil {
		m.snap = make([]map[int64]Row, len(m.rows))
		for t, rows := range m.rows {
			m.snap[t] = maps.Clone(rows)
		}
	}
	t := op.Table
	switch op.Kind {
	case OpInsert:
		if op.Row.ID == 0 {
			return Outcome{Kind: KInvalid}
		}
		return m.write(t, op.Row, true)
	case OpUpdate:
		if _, ok := m.rows[t][op.Row.ID]; !ok {
			return Outcome{Kind: KNotFound, Keys: []string{rowRef(m.s.Tables[t], op.Row.ID)}}
		}
		return m.write(t, op.Row, false)
	}
	return m.delete(t, op.Keys)
}

type rowID struct {
	t int
	k int64
}

type blocker struct {
	rel string // the relation named (first hop for Protect, leaf for Restrict)
	row rowID
}

type collector struct {
	m          *Model
	del        map[rowID]bool
	upd        map[rowID]*Row
	cols       map[rowID]map[Col]bool // the columns SET_* rules wrote
	protected  []blocker
	restricted []blocker
	rewrites   bool
}

// collect is Django's Collector.collect, depth first, for rows of table t
// reached through hop (nil at the root).
func (c *collector) collect(t int, keys []int64, hop *FKSpec) {
	var fresh []int64
	for _, k := range keys {
		id := rowID{t, k}
		if !c.del[id] {
			c.del[id] = true
			fresh = append(fresh, k)
		}
	}
	if len(fresh) == 0 {
		return
	}
	isFresh := map[int64]bool{}
	for _, k := range fresh {
		isFresh[k] = true
	}
	for _, f := range c.m.s.In(t) {
		if f.Rule == DoNothing {
			continue
		}
		var refs []int64
		for _, k := range slices.Sorted(maps.Keys(c.m.rows[f.Child])) {
			r := c.m.rows[f.Child][k]
			if v, ok := f.Col.Get(&r); ok && isFresh[v] {
				refs = append(refs, k)
			}
		}
		if len(refs) == 0 {
			continue
		}
		h := hop
		if h == nil {
			h = f
		}
		switch f.Rule {
		case Cascade:
			c.collect(f.Child, refs, h)
		case Protect:
			for _, k := range refs {
				c.protected = append(c.protected, blocker{h.Name, rowID{f.Child, k}})
			}
		case Restrict:
			for _, k := range refs {
				c.restricted = append(c.restricted, blocker{f.Name, rowID{f.Child, k}})
			}
		case SetNull, SetDefault, SetTo:
			c.rewrites = true
			for _, k := range refs {
				id := rowID{f.Child, k}
				r := c.upd[id]
				if r == nil {
					cp := c.m.rows[f.Child][k]
					r = &cp
					c.upd[id] = r
					c.cols[id] = map[Col]bool{}
				}
				c.cols[id][f.Col] = true
				if f.Rule == SetNull || f.ValNull {
					f.Col.Set(r, 0, false)
				} else {
					f.Col.Set(r, f.Val, true)
				}
			}
		}
	}
}

func (m *Model) ref(id rowID) string { return rowRef(m.s.Tables[id.t], id.k) }

func blocked(m *Model, kind string, bs []blocker) Outcome {
	o := Outcome{Kind: kind}
	for _, b := range bs {
		o.Rels = append(o.Rels, b.rel)
		o.Keys = append(o.Keys, m.ref(b.row))
	}
	o.norm()
	return o
}

func (m *Model) delete(t int, keys []int64) Outcome {
	name := m.s.Tables[t]
	var missing []string
	var ks []int64
	for _, k := range keys {
		if _, ok := m.rows[t][k]; !ok {
			missing = append(missing, rowRef(name, k))
		} else if !slices.Contains(ks, k) {
			ks = append(ks, k)
		}
	}
	if len(missing) > 0 {
		o := Outcome{Kind: KNotFound, Keys: missing}
		o.norm()
		return o
	}
	c := &collector{m: m, del: map[rowID]bool{}, upd: map[rowID]*Row{}, cols: map[rowID]map[Col]bool{}}
	c.collect(t, ks, nil)
	inter := c.intermediate()
	if len(c.protected) > 0 {
		o := blocked(m, KProtected, c.protected)
		o.Rewrites, o.Inter = c.rewrites, inter
		for _, b := range c.protected {
			o.ProtectCollected = o.ProtectCollected || c.del[b.row]
			o.ProtectSurvivor = o.ProtectSurvivor || !c.del[b.row]
		}
		return o
	}
	var left []blocker
	for _, b := range c.restricted {
		if !c.del[b.row] {
			left = append(left, b)
		}
	}
	if len(left) > 0 {
		o := blocked(m, KRestricted, left)
		o.Rewrites, o.Inter = c.rewrites, inter
		return o
	}
	exempt := len(c.restricted) > 0
	// The final state.
	skipped := false
	for id := range c.upd {
		if c.del[id] {
			delete(c.upd, id)
			skipped = true
		}
	}
	final := make([]map[int64]Row, len(m.rows))
	for tt, rows := range m.rows {
		final[tt] = map[int64]Row{}
		for k, r := range rows {
			id := rowID{tt, k}
			if c.del[id] {
				continue
			}
			if u := c.upd[id]; u != nil {
				r = *u
			}
			final[tt][k] = r
		}
	}
	fv := func(t int, k int64) (Row, bool) {
		r, ok := final[t][k]
		return r, ok
	}
	fail := func(kind string, names []string) Outcome {
		o := Outcome{Kind: kind, Names: names, Rewrites: c.rewrites, Inter: inter, Exempt: exempt, SkippedRewrite: skipped}
		o.norm()
		return o
	}
	// Kind by kind: checks, uniques, foreign keys of the rewritten rows.
	var names []string
	for id, r := range c.upd {
		if n := m.firstCheck(id.t, r); n != "" {
			names = append(names, n)
		}
	}
	if len(names) > 0 {
		return fail(KCheck, names)
	}
	for id, r := range c.upd {
		rows := slices.Collect(maps.Values(final[id.t]))
		for _, u := range m.uniques(id.t) {
			if collides(u, r, rows) {
				names = append(names, u.name)
			}
		}
	}
	if len(names) > 0 {
		return fail(KUnique, names)
	}
	// The keys the rules wrote (other keys of the row are unchanged and
	// were valid; only DoNothing keys may dangle, checked below), even
	// when the value written is the one the row had: the deleted key.
	for id, r := range c.upd {
		names = append(names, m.badFKs(id.t, r, fv, func(f *FKSpec) bool { return c.cols[id][f.Col] })...)
	}
	if len(names) > 0 {
		return fail(KFK, names)
	}
	o := Outcome{Kind: KOK, Rewrites: c.rewrites, Inter: inter, Exempt: exempt, SkippedRewrite: skipped}
	for id := range c.del {
		if o.Deleted == nil {
			o.Deleted = map[string]int{}
		}
		o.Deleted[m.s.Tables[id.t]]++
	}
	for id := range c.upd {
		if o.Updated == nil {
			o.Updated = map[string]int{}
		}
		o.Updated[m.s.Tables[id.t]]++
	}
	m.rows = final
	return o
}

// intermediate returns the constraints that a rewritten row breaks in some
// intermediate state of a row-by-row application (SQLite runs one UPDATE
// per key and row, in an order of its own): any mix of a row's rewritten
// and original columns, against any mix of the other rows'.
func (c *collector) intermediate() []string {
	var names []string
	for id := range c.upd {
		vs := c.variants(id)
		for _, ck := range c.m.s.Checks(id.t) {
			for i := range vs {
				if ck.Cond.Eval(&vs[i]) == False {
					names = append(names, ck.Name)
					break
				}
			}
		}
		var pool []Row
		for k := range c.m.rows[id.t] {
			if k != id.k {
				pool = append(pool, c.variants(rowID{id.t, k})...)
			}
		}
		for _, u := range c.m.uniques(id.t) {
			for i := range vs {
				if collides(u, &vs[i], pool) {
					names = append(names, u.name)
					break
				}
			}
		}
	}
	return sortedSet(names)
}

// variants returns the row id with every subset of its rewritten columns
// applied (the row alone if it is not rewritten).
func (c *collector) variants(id rowID) []Row {
	orig := c.m.rows[id.t][id.k]
	vs := []Row{orig}
	u := c.upd[id]
	if u == nil {
		return vs
	}
	for col := range c.cols[id] {
		v, ok := col.Get(u)
		for _, r := range vs {
			col.Set(&r, v, ok)
			vs = append(vs, r)
		}
	}
	return vs
}

// commit checks the DoNothing keys (no row may point at a missing one: only
// a delete can leave one so, insert and update check their keys) and ends
// the transaction; on failure its writes are undone.
func (m *Model) commit() Outcome {
	if m.snap == nil {
		return Outcome{Kind: KOK}
	}
	var names []string
	for _, f := range m.s.FKs {
		if f.Rule != DoNothing {
			continue
		}
		for _, r := range m.rows[f.Child] {
			if v, ok := f.Col.Get(&r); ok && !(f.Parent == f.Child && v == r.ID) {
				if _, ok := m.rows[f.Parent][v]; !ok {
					names = append(names, f.Name)
				}
			}
		}
	}
	if len(names) > 0 {
		m.rows = m.snap
		m.snap = nil
		o := Outcome{Kind: KFK, Names: names}
		o.norm()
		return o
	}
	m.snap = nil
	return Outcome{Kind: KOK}
}
