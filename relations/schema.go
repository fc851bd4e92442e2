package relations

import (
	"errors"
	"fmt"
	"slices"

	"github.com/memrel-go/memrel/internal/ident"
	"github.com/memrel-go/memrel/store"
)

// runtime is a schema's relations, built once by Build: the store's Hooks.
// It is immutable and shared by a DB and its snapshots.
type runtime struct {
	tables map[*store.TableInfo]*tableRels
	fks    []*fkDef
	checks []*checkDef
	rank   map[*store.TableInfo]int // deletion order: referencing tables first
	order  []*store.TableInfo
	via    map[*fkDef]*uniqueDef // the relations answered from a unique constraint's index (see fkDef.shared)

	// Every declaration of the schema, as listed, to freeze at Opened.
	fkList []*fkDef
	m2ms   []*m2mDef
	cons   []Constraint
}

// Opened freezes the declarations: from now on their rules are in force
// in a DB, and their builder methods refuse to change them.
func (rt *runtime) Opened() {
	for _, d := range rt.fkList {
		d.frozen.Store(true)
	}
	for _, m := range rt.m2ms {
		m.frozen.Store(true)
	}
	for _, c := range rt.cons {
		if u, ch := c.constraint(); u != nil {
			u.frozen.Store(true)
		} else if ch != nil {
			ch.frozen.Store(true)
		}
	}
}

type tableRels struct {
	out     []*fkDef // relations whose child is this table
	in      []*fkDef // relations whose parent is this table
	uniques []*uniqueDef
	checks  []*checkDef
	// blockers are the Protect and Restrict relations that can refuse a
	// delete of this table's rows, when they can be looked at before the
	// graph is walked (see planRefusals); nil otherwise.
	blockers []*fkDef
}

// Build validates the relations and constraints of a schema whose tables are
// given, as Django's system checks do, and returns the hooks to wire into
// the store, the tables the relations add (automatic many-to-many link
// tables) and the indexes they need. Every problem is reported, joined, each
// wrapping store.ErrSchema.
func build(tables []store.AnyTable, rels []Relation, cons []Constraint) (hooksOf, []store.AnyTable, []*store.IndexDef, error) {
	rt := &runtime{tables: map[*store.TableInfo]*tableRels{}, rank: map[*store.TableInfo]int{}}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("memrel: schema: %s: %w", fmt.Sprintf(format, args...), store.ErrSchema))
	}
	rels, cons = withAttached(tables, rels, cons)
	// Relations may bring tables, foreign keys and constraints of their own.
	var added []store.AnyTable
	var m2ms []*m2mDef
	var fkList []*fkDef
	cons = slices.Clone(cons)
	for i, r := range rels {
		if r == nil {
			bad("relation %d is nil", i)
			continue
		}
		p := r.parts()
		added = append(added, p.tables...)
		fkList = append(fkList, p.fks...)
		cons = append(cons, p.cons...)
		if p.m2m != nil {
			m2ms = append(m2ms, p.m2m)
		}
	}
	var order []*store.TableInfo
	for _, t := range slices.Concat(tables, added) {
		if t == nil || t.Info() == nil {
			continue // store.Open reports it
		}
		if _, ok := rt.tables[t.Info()]; !ok {
			rt.tables[t.Info()] = &tableRels{}
			order = append(order, t.Info())
		}
	}
	var indexes []*store.IndexDef

	var indexed []*fkDef // the relations whose lookups need an index
	seenFK := map[*fkDef]bool{}
	fields := map[*store.TableInfo]map[string]bool{}
	{
		for _, d := range fkList {
			if seenFK[d] {
				bad("relation %s is listed twice", d.name())
				continue
			}
			seenFK[d] = true
			if d.err != nil {
				bad("%v", d.err)
				continue
			}
			ok := true
			for _, t := range []*store.TableInfo{d.child, d.parent} {
				if _, in := rt.tables[t]; !in {
					bad("relation %s refers to table %s, which is not in the schema", d.name(), t.Name())
					ok = false
				}
			}
			if !d.action.valid() {
				bad("relation %s: on-delete rule %v is not a rule (use Cascade, Protect, Restrict, SetNull, SetDefault, Set or DoNothing)", d.name(), d.action)
				ok = false
			}
			if d.action == SetNull && !d.nullable {
				bad("relation %s: on-delete rule SetNull, but the key cannot be empty (use a nullable relation, or another rule)", d.name())
				ok = false
			}
			if d.action == SetDefault && !d.hasDefault {
				bad("relation %s: on-delete rule SetDefault, but the relation has no Default", d.name())
				ok = false
			}
			if d.defaultNull && !d.nullable {
				bad("relation %s: DefaultNull, but the key cannot be empty", d.name())
				ok = false
			}
			if d.setNull && !d.nullable {
				bad("relation %s: SetToNull, but the key cannot be empty (use a nullable relation, or SetTo)", d.name())
				ok = false
			}
			if d.action == Set && !d.hasSet {
				bad("relation %s: on-delete rule Set, but no value (use SetTo or SetFunc)", d.name())
				ok = false
			}
			if !ident.Valid(d.field) {
				bad("relation %s: field name %q is not an identifier", d.name(), d.field)
				ok = false
			}
			if fields[d.child] == nil {
				fields[d.child] = map[string]bool{}
			}
			if fields[d.child][d.field] {
				bad("table %s has two relations named %s", d.child.Name(), d.field)
				ok = false
			}
			fields[d.child][d.field] = true
			if !ok {
				continue
			}
			rt.fks = append(rt.fks, d)
			rt.tables[d.child].out = append(rt.tables[d.child].out, d)
			rt.tables[d.parent].in = append(rt.tables[d.parent].in, d)
			indexed = append(indexed, d)
			if d.unique {
				rt.tables[d.child].uniques = append(rt.tables[d.child].uniques, &uniqueDef{
					name: d.name(), table: d.child, index: d.index, key: d.ref, value: d.refValue, fk: d,
				})
			}
		}
	}
	// Many-to-many relations.
	type reverse struct{ table, name, owner string }
	var reverses []reverse
	for _, m := range m2ms {
		if m.err != nil {
			bad("%v", m.err)
			continue
		}
		for _, d := range []*fkDef{m.from, m.to} {
			if !seenFK[d] {
				bad("many-to-many %s: relation %s is not in the schema (list its table %s in Tables)", m.name(), d.name(), d.child.Name())
			}
		}
		if m.from.child != m.link || m.to.child != m.link {
			bad("many-to-many %s: relations %s and %s must both be on the link table %s", m.name(), m.from.name(), m.to.name(), m.link.Name())
		}
		if m.symmetrical && m.relatedSet {
			bad("many-to-many %s: a symmetrical relation has no reverse side, so Related(%q) has no effect", m.name(), m.related)
		}
		if !ident.Valid(m.field) {
			bad("many-to-many %s: field name %q is not an identifier", m.name(), m.field)
		}
		reverses = append(reverses, reverse{m.from.parent.Name(), m.field, "many-to-many field " + m.name()})
		if !m.symmetrical {
			reverses = append(reverses, reverse{m.to.parent.Name(), m.related, "many-to-many " + m.name()})
		}
	}
	// The names that relations give a table (its foreign keys' fields, its
	// many-to-many fields, and the reverse names of what points at it) must
	// be unique on that table (Django's fields.E302 and E304).
	for _, t := range order {
		for _, d := range rt.tables[t].out {
			reverses = append(reverses, reverse{t.Name(), d.field, "field of relation " + d.name()})
		}
		for _, d := range rt.tables[t].in {
			reverses = append(reverses, reverse{t.Name(), d.related, "reverse name of relation " + d.name()})
		}
	}
	byName := map[[2]string]string{}
	for _, r := range reverses {
		if !ident.Valid(r.name) {
			bad("%s: reverse name %q is not an identifier", r.owner, r.name)
			continue
		}
		if o, clash := byName[[2]string{r.table, r.name}]; clash {
			bad("name %s.%s of the %s clashes with that of the %s (give one of them another name)", r.table, r.name, r.owner, o)
			continue
		}
		byName[[2]string{r.table, r.name}] = r.owner
	}

	names := map[string]bool{}
	for i, c := range cons {
		if c == nil {
			bad("constraint %d is nil", i)
			continue
		}
		u, ch := c.constraint()
		name, table, err := "", (*store.TableInfo)(nil), error(nil)
		if u != nil {
			name, table, err = u.name, u.table, u.err
		} else {
			name, table, err = ch.name, ch.table, ch.err
		}
		if err != nil {
			bad("%v", err) // it names the constraint
			continue
		}
		if !ident.Valid(name) {
			bad("constraint name %q is not an identifier", name)
			continue
		}
		if names[name] {
			bad("two constraints are named %s (constraint names are unique in a schema)", name)
			continue
		}
		names[name] = true
		tr, ok := rt.tables[table]
		if !ok {
			bad("constraint %s is on table %s, which is not in the schema", name, table.Name())
			continue
		}
		if u != nil {
			tr.uniques = append(tr.uniques, u)
			indexes = append(indexes, eng.NewIndex(table, u.index, u.key))
		} else {
			tr.checks = append(tr.checks, ch)
			rt.checks = append(rt.checks, ch)
		}
	}
	// A relation whose field leads a unique constraint's fields is answered
	// from that constraint's index (one radix tree less to write per row);
	// the others have an index of their own.
	// The choice is this DB's (its runtime's), whatever other schemas with
	// the same declarations chose.
	rt.via = map[*fkDef]*uniqueDef{}
	for _, d := range indexed {
		if u := d.leadingUnique(rt.tables[d.child].uniques); u != nil {
			rt.via[d] = u
			d.shared.Store(true) // before the DB can be used: its scans look rt.via up
			continue
		}
		indexes = append(indexes, eng.NewIndex(d.child, d.index, d.indexValue))
	}
	if len(errs) > 0 {
		// The added tables go back anyway, so that store.Open can report
		// their own problems (a link table named like another table).
		return nil, added, nil, errors.Join(errs...)
	}
	rt.order = order
	rt.rankTables(order)
	rt.planRefusals()
	rt.fkList, rt.m2ms, rt.cons = fkList, m2ms, cons
	return rt, added, indexes, nil
}

// withAttached adds to the relations and constraints listed those declared
// on the listed tables and not listed (Django's model owns its fields), so
// that no rule between tables of a DB can be left out of it: a foreign key
// or one-to-one whose child table is listed, a unique or check constraint
// on a listed table, a many-to-many whose tables are all listed. (A foreign
// key whose parent is not listed comes in too, and Open refuses it, naming
// the table; a many-to-many to a table that is not listed stays out: its
// rows live in its own link table, and no row of the DB goes unchecked.)
// What is listed comes first, as listed; the rest follows in declaration
// order.
func withAttached(tables []store.AnyTable, rels []Relation, cons []Constraint) ([]Relation, []Constraint) {
	listed := map[*store.TableInfo]bool{}
	for _, t := range tables {
		if t != nil && t.Info() != nil {
			listed[t.Info()] = true
		}
	}
	fks := map[*fkDef]bool{}
	m2ms := map[*m2mDef]bool{}
	defs := map[any]bool{}
	has := func(p parts) bool {
		if p.m2m != nil {
			return m2ms[p.m2m]
		}
		for _, d := range p.fks {
			if !fks[d] {
				return false
			}
		}
		return true
	}
	note := func(p parts) {
		if p.m2m != nil {
			m2ms[p.m2m] = true
		}
		for _, d := range p.fks {
			fks[d] = true
		}
	}
	def := func(c Constraint) any {
		u, ch := c.constraint()
		if u != nil {
			return u
		}
		return ch
	}
	for _, r := range rels {
		if r != nil {
			note(r.parts())
		}
	}
	for _, c := range cons {
		if c != nil {
			defs[def(c)] = true
		}
	}
	rels, cons = slices.Clip(rels), slices.Clip(cons)
	for _, t := range tables {
		if t == nil || t.Info() == nil {
			continue
		}
		for _, a := range eng.Attached(t.Info()) {
			switch a := a.(type) {
			case Relation:
				p := a.parts()
				if has(p) {
					continue
				}
				if m := p.m2m; m != nil && m.err == nil &&
					(!listed[m.from.parent] || !listed[m.to.parent]) {
					continue // a many-to-many to a table this DB does not hold
				}
				note(p)
				rels = append(rels, a)
			case Constraint:
				if d := def(a); !defs[d] {
					defs[d] = true
					cons = append(cons, a)
				}
			}
		}
	}
	return rels, cons
}

// rankTables orders tables for deletion: a table that references another
// comes before it, ties and cycles in schema order.
func (rt *runtime) rankTables(order []*store.TableInfo) {
	remaining := slices.Clone(order)
	next := 0
	for len(remaining) > 0 {
		picked := -1
		for i, t := range remaining {
			// t can go when no remaining table references it.
			free := true
			for _, d := range rt.tables[t].in {
				if d.child != t && slices.Contains(remaining, d.child) {
					free = false
					break
				}
			}
			if free {
				picked = i
				break
			}
		}
		if picked < 0 {
			picked = 0 // a cycle: break it in schema order
		}
		rt.rank[remaining[picked]] = next
		next++
		remaining = slices.Delete(remaining, picked, picked+1)
	}
}

func ref(t *store.TableInfo, obj any) RowRef { return RowRef{Table: t.Name(), Key: eng.KeyOf(t, obj)} }

// BeforeInsert checks a new row. Errors name it "a new <table> row",
// without its key when the key was drawn from the sequence (which never
// hands it out if the insert is refused).
func (rt *runtime) BeforeInsert(tx *store.Tx, t *store.TableInfo, row any, autoKey bool, taken error) error {
	self := RowRef{Table: t.Name(), Key: eng.KeyOf(t, row), New: true}
	if autoKey {
		self.Key = nil
	}
	return rt.checkRow(tx, t, self, nil, row, taken)
}

// BeforeUpdate checks a changed row: the row does not collide with itself,
// and a foreign key whose value did not change is not looked up again.
func (rt *runtime) BeforeUpdate(tx *store.Tx, t *store.TableInfo, old, row any) error {
	return rt.checkRow(tx, t, ref(t, row), old, row, nil)
}

// checkRow validates row (replacing old, if not nil) for Insert and Update;
// errors name it self. When the row breaks several rules it reports the
// first in the order SQL databases use: check constraints in declaration
// order, then unique constraints (the primary key, taken, first; then
// one-to-one relations, then declared constraints, in declaration order),
// then foreign keys.
func (rt *runtime) checkRow(tx *store.Tx, t *store.TableInfo, self RowRef, old, row any, taken error) error {
	if err := rt.checkChecks(t, self, row); err != nil {
		return err
	}
	if taken != nil {
		return taken
	}
	for _, u := range rt.tables[t].uniques {
		if err := rt.checkUnique(tx, u, self, old, row, nil); err != nil {
			return err
		}
	}
	if tx.ForeignKeysDeferred() {
		return nil // checked at Commit (CheckDeferred)
	}
	return rt.checkFKs(tx, t, self, old, row, nil)
}

func (rt *runtime) checkChecks(t *store.TableInfo, self RowRef, row any) error {
	for _, c := range rt.tables[t].checks {
		if !c.pred(row) {
			return &CheckError{Constraint: c.name, Table: t.Name(), Row: self, RowData: rowData(t, self, row)}
		}
	}
	return nil
}

// viewFunc gives the final state of a delete: for a stored row it returns
// nil if the delete removes it, its new value if the delete updates it, or
// the row itself.
type viewFunc func(t *store.TableInfo, obj any) any

// checkFKs checks that every foreign key of row names an existing parent
// (in the final state of a delete, when view is not nil).
func (rt *runtime) checkFKs(tx *store.Tx, t *store.TableInfo, self RowRef, old, row any, view viewFunc) error {
	var buf, oldBuf [64]byte
	for _, d := range rt.tables[t].out {
		if d.unchecked {
			continue // NoConstraint: a key may name a missing row
		}
		key, ok := d.ref(buf[:0], row)
		if !ok {
			continue
		}
		if old != nil {
			// An unchanged key was checked when it was written. In a
			// delete's final state it may name a deleted parent, when a
			// SetDefault or Set value is the very key being deleted; only a
			// DoNothing key may dangle (until Commit).
			if oldKey, oldOK := d.ref(oldBuf[:0], old); oldOK && string(oldKey) == string(key) &&
				(view == nil || d.action == DoNothing) {
				continue
			}
		}
		if d.child == d.parent && string(eng.KeyBytes(t, nil, row)) == string(key) {
			continue // a row may reference itself
		}
		parent := eng.Lookup(tx, d.parent, key)
		if parent != nil && view != nil {
			parent = view(d.parent, parent)
		}
		if parent == nil {
			return &ForeignKeyError{Relation: d.name(), Row: self, Field: d.field,
				Parent: RowRef{Table: d.parent.Name(), Key: d.refValue(row)}}
		}
	}
	return nil
}

func (rt *runtime) checkUnique(tx *store.Tx, u *uniqueDef, self RowRef, old, row any, view viewFunc) error {
	other := rt.conflict(tx, u, old, row, view)
	if other == nil {
		return nil
	}
	e := &UniqueError{Constraint: u.name, Table: u.table.Name(), Row: self,
		Conflict: ref(u.table, other), Value: u.value(row),
		RowData: rowData(u.table, self, row), ConflictData: eng.RowValue(u.table, other, true), Fields: u.fields}
	if u.fk != nil {
		e.Parent = &RowRef{Table: u.fk.parent.Name(), Key: e.Value}
	}
	return e
}

// conflict returns the stored row (in the final state of a delete, when
// view is not nil) that row, replacing old, collides with under u, or nil.
func (rt *runtime) conflict(tx *store.Tx, u *uniqueDef, old, row any, view viewFunc) any {
	var buf [64]byte
	val, ok := u.key(buf[:0], row)
	if !ok {
		return nil
	}
	prefix := val
	if u.fk != nil {
		prefix = u.fk.prefix(nil, val)
	}
	it := eng.Scan(tx, u.table, u.index, prefix)
	for other := it.Next(); other != nil; other = it.Next() {
		if other == old {
			continue
		}
		if view != nil {
			if other = view(u.table, other); other == nil {
				continue
			}
			// A row the same delete updates is compared by its new value.
			if v, ok := u.key(nil, other); !ok || string(v) != string(val) {
				continue
			}
		}
		return other
	}
	return nil
}

// Check verifies that every foreign key points at an existing row and that
// no two rows break a unique or check constraint.
func (rt *runtime) Check(tx *store.Tx) error {
	var errs []error
	bad := func(err error) {
		if len(errs) < 50 {
			errs = append(errs, integrityError{err})
		}
	}
	for _, t := range rt.order {
		tr := rt.tables[t]
		if len(tr.out) == 0 && len(tr.uniques) == 0 && len(tr.checks) == 0 {
			continue
		}
		it := eng.ScanFrom(tx, t, "", nil, false)
		for obj := it.Next(); obj != nil; obj = it.Next() {
			for _, c := range tr.checks {
				if !c.pred(obj) {
					bad(&CheckError{Constraint: c.name, Table: t.Name(), Row: ref(t, obj), RowData: eng.RowValue(t, obj, true)})
				}
			}
			for _, d := range tr.out {
				key, ok := d.ref(nil, obj)
				if ok && !d.unchecked && eng.Lookup(tx, d.parent, key) == nil {
					bad(&ForeignKeyError{Relation: d.name(), Row: ref(t, obj), Field: d.field,
						Parent: RowRef{Table: d.parent.Name(), Key: d.refValue(obj)}})
				}
			}
			for _, u := range tr.uniques {
				if err := rt.checkUnique(tx, u, ref(t, obj), obj, obj, nil); err != nil {
					bad(err)
				}
			}
		}
	}
	return errors.Join(errs...)
}
