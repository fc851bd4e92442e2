package relations

import (
	"fmt"
	"maps"
	"slices"

	"github.com/memrel-go/memrel/store"
)

// Delete deletes rows (stored rows of t) with Django's collector semantics:
//
//  1. Collect the whole closure first: every row reached through Cascade
//     relations, each once (so diamonds and cycles terminate), noting the
//     rows of Protect, Restrict, SetNull, SetDefault and Set relations, and
//     the DoNothing relations to check at Commit.
//  2. Refuse with a ProtectedError if any row references a collected row
//     through a Protect relation, even a row that is itself collected.
//  3. Refuse with a RestrictedError if a row that is not collected
//     references a collected row through a Restrict relation.
//  4. Judge the updates on the final state: an update to a collected row is
//     dropped, and the values written must satisfy foreign keys, unique and
//     check constraints against the rows that survive.
//  5. Apply: updates, then deletes, referencing tables before referenced
//     ones and keys in order.
//
// Set functions (SetFunc) run before the delete is judged: the first
// collection notes the Set relations whose functions are needed (those with
// referencing rows), each is called once, and if any was called the whole
// collection starts again on the state that includes their writes, exactly
// as if they had run just before the delete. No row the collector holds is
// ever older than the last write of a Set function, and the result does not
// depend on the order in which relations were declared (except that several
// Set functions run in the order the collection reaches their relations).
//
// Everything, including the writes of Set functions, happens inside a
// savepoint: a refused or failed delete changes nothing.
func (rt *runtime) Delete(tx *store.Tx, t *store.TableInfo, rows []any) (res store.DeleteResult, err error) {
	sp := eng.Savepoint(tx)
	done := false
	defer func() {
		if !done {
			eng.RollbackTo(tx, sp) // an error or a panic (re-raised as it goes on)
		}
	}()
	if len(rt.tables[t].blockers) > 0 {
		first := collector{tx: tx, rt: rt} // collects nothing: only its blockers
		if err := first.refuseFirst(t, rows); err != nil {
			return res, err
		}
	}
	c, rows, err := rt.collectAll(tx, t, rows, true)
	if err != nil {
		return res, err
	}
	if err := c.refuse(t, rows); err != nil {
		return res, err
	}
	if err := c.runHooks(); err != nil {
		return res, err
	}
	if err := c.validateUpdates(); err != nil {
		return res, err
	}
	res, err = c.apply()
	if err != nil {
		return res, err
	}
	c.deferDoNothing()
	eng.Release(tx, sp)
	done = true
	return res, nil
}

// collectAll collects the delete of rows (of t) until no Set function is
// left to run (see Delete), and returns the collector and the current
// version of rows. Unless setFuncs, a needed Set function is not run: the
// error then wraps ErrReadOnly.
func (rt *runtime) collectAll(tx *store.Tx, t *store.TableInfo, rows []any, setFuncs bool) (*collector, []any, error) {
	values := map[*fkDef]func(any){} // what each Set rule writes, once per delete
	for {
		c := &collector{tx: tx, rt: rt, values: values,
			del: map[*store.TableInfo]map[string]any{},
			upd: map[*store.TableInfo]map[string]*pending{}}
		if err := c.collect(t, rows); err != nil {
			return nil, nil, err
		}
		if len(c.needed) == 0 {
			return c, rows, nil
		}
		if !setFuncs {
			return nil, nil, fmt.Errorf("memrel: delete preview of %s: the delete needs the Set function of relation %s, which may write: preview it in a write transaction: %w",
				t.Name(), c.needed[0].name(), store.ErrReadOnly)
		}
		for _, d := range c.needed {
			apply, err := d.prepare(tx)
			if err != nil {
				return nil, nil, err
			}
			values[d] = apply
		}
		// The functions may have written anything: read the rows to delete
		// again and collect anew.
		var err error
		if rows, err = reread(tx, t, rows); err != nil {
			return nil, nil, err
		}
	}
}

// PreviewDelete is Delete without its writes (see store.Table.DeletePreview):
// the same collection, the same refusals and the same judgment of the
// updates, reported as a plan. In a write transaction it runs inside a
// savepoint that is always rolled back, so the Set functions the delete
// needs run and leave nothing behind; in a read transaction a needed Set
// function is an error wrapping ErrReadOnly.
func (rt *runtime) PreviewDelete(tx *store.Tx, t *store.TableInfo, rows []any) (plan store.DeletePlan, err error) {
	write := tx.IsWrite()
	if write {
		sp := eng.Savepoint(tx)
		defer eng.RollbackTo(tx, sp) // always: a preview writes nothing
	}
	c, rows, err := rt.collectAll(tx, t, rows, write)
	if err != nil {
		return plan, err
	}
	if plan.Refused = c.refuse(t, rows); plan.Refused == nil {
		plan.Refused = c.validateUpdates()
	} else {
		c.dropMoot()
	}
	plan.Updated = planned(c, c.upd)
	plan.Deleted = planned(c, c.del)
	return plan, nil
}

// planned lists the rows of m (c.del or c.upd) as the delete applies them:
// tables in deletion order, keys in order.
func planned[V any](c *collector, m map[*store.TableInfo]map[string]V) []store.PlannedRows {
	var out []store.PlannedRows
	for _, t := range tablesOf(c.rt, m) {
		if len(m[t]) == 0 {
			continue
		}
		p := store.PlannedRows{Table: t.Name()}
		for _, k := range slices.Sorted(maps.Keys(m[t])) {
			var row any
			switch v := any(m[t][k]).(type) {
			case *pending:
				row = v.old
			default:
				row = v
			}
			p.Keys = append(p.Keys, eng.KeyOf(t, row))
		}
		out = append(out, p)
	}
	return out
}

// reread returns the current version of each of rows, or a KeyError
// listing those that a Set function deleted.
func reread(tx *store.Tx, t *store.TableInfo, rows []any) ([]any, error) {
	cur := make([]any, len(rows))
	var missing []any
	for i, r := range rows {
		if cur[i] = eng.Lookup(tx, t, eng.KeyBytes(t, nil, r)); cur[i] == nil {
			missing = append(missing, eng.KeyOf(t, r))
		}
	}
	if len(missing) > 0 {
		return nil, &store.KeyError{Table: t.Name(), Key: missing[0], Keys: missing, Err: store.ErrNotFound}
	}
	return cur, nil
}

type collector struct {
	tx  *store.Tx
	rt  *runtime
	del map[*store.TableInfo]map[string]any // table -> encoded key -> row
	upd map[*store.TableInfo]map[string]*pending

	protected  []hit
	restricted []hit
	doNothing  []dangling

	values map[*fkDef]func(any) // the value each SetNull, SetDefault or Set rule writes
	needed []*fkDef             // Set relations whose function has not run yet
}

// hit is a row found through a Protect or Restrict relation (leaf); hop is
// the relation of the root table through which it was reached.
type hit struct {
	hop, leaf *fkDef
	row       any
}

// pending is a row that SetNull, SetDefault or Set rules change.
type pending struct {
	old, new any
}

// dangling is a DoNothing relation whose parent (by encoded key) is deleted.
type dangling struct {
	d   *fkDef
	key []byte
}

type work struct {
	t    *store.TableInfo
	rows []any
	hop  *fkDef
}

// collect walks the graph depth first, as Django's collector does: the
// rows a Cascade reaches are collected, with everything behind them, before
// the next relation of their parent is looked at. So a row reached by two
// paths is attributed to the first path in declaration order, which is the
// relation a ProtectedError names. The walk keeps its own stack (one frame
// per Cascade level), so a deep chain costs memory, never Go's stack.
func (c *collector) collect(root *store.TableInfo, rows []any) error {
	type frame struct {
		w     work
		fresh []any // the rows of w.t this frame collected
		next  int   // the next relation of w.t to follow
	}
	var stack []frame
	push := func(w work) {
		if fresh := c.add(w.t, w.rows); len(fresh) > 0 {
			stack = append(stack, frame{w: w, fresh: fresh})
		}
	}
	push(work{t: root, rows: rows})
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		in := c.rt.tables[f.w.t].in
		if f.next == len(in) {
			stack = stack[:len(stack)-1]
			continue
		}
		d := in[f.next]
		f.next++
		child, err := c.follow(f.w, f.fresh, d)
		if err != nil {
			return err
		}
		if child != nil {
			push(*child) // f may move: it is not used after this
		}
	}
	return nil
}

// follow looks at the rows that reference fresh (rows of w.t) through d and
// notes what d's rule does to them; for a Cascade it returns the work of
// collecting them, which the caller does before d's next sibling.
func (c *collector) follow(w work, fresh []any, d *fkDef) (*work, error) {
	hop := w.hop
	if hop == nil {
		hop = d
	}
	if d.action == DoNothing {
		// Django looks nothing up for DO_NOTHING; memrel only notes the
		// parents, to check at Commit that nothing dangles (unless the key
		// is NoConstraint, which may dangle).
		if d.unchecked {
			return nil, nil
		}
		for _, p := range fresh {
			c.doNothing = append(c.doNothing, dangling{d: d, key: eng.KeyBytes(w.t, nil, p)})
		}
		return nil, nil
	}
	refs := c.children(d, fresh)
	if len(refs) == 0 {
		return nil, nil // SetDefault and Set functions are not called
	}
	switch d.action {
	case Cascade:
		return &work{t: d.child, rows: refs, hop: hop}, nil
	case Protect:
		for _, r := range refs {
			c.protected = append(c.protected, hit{hop: hop, leaf: d, row: r})
		}
	case Restrict:
		for _, r := range refs {
			c.restricted = append(c.restricted, hit{hop: hop, leaf: d, row: r})
		}
	case SetNull, SetDefault, Set:
		apply, ok := c.values[d]
		if !ok && d.setFunc {
			// Its function runs once this collection is over; the delete
			// is then collected again.
			if !slices.Contains(c.needed, d) {
				c.needed = append(c.needed, d)
			}
			return nil, nil
		}
		if !ok {
			var err error
			if apply, err = d.prepare(c.tx); err != nil {
				return nil, err
			}
			c.values[d] = apply
		}
		for _, r := range refs {
			c.update(d.child, r, apply)
		}
	}
	return nil, nil
}

// add marks rows of t for deletion and returns those not marked before.
func (c *collector) add(t *store.TableInfo, rows []any) []any {
	m := c.del[t]
	if m == nil {
		m = map[string]any{}
		c.del[t] = m
	}
	fresh := rows[:0:0]
	for _, r := range rows {
		k := string(eng.KeyBytes(t, nil, r))
		if _, seen := m[k]; !seen {
			m[k] = r
			fresh = append(fresh, r)
		}
	}
	return fresh
}

func (c *collector) deleted(t *store.TableInfo, row any) bool {
	_, ok := c.del[t][string(eng.KeyBytes(t, nil, row))]
	return ok
}

// children returns the rows that reference any of parents through d.
func (c *collector) children(d *fkDef, parents []any) []any {
	return c.childrenInto(nil, d, parents)
}

// childrenInto appends to refs the rows that reference any of parents
// through d.
func (c *collector) childrenInto(refs []any, d *fkDef, parents []any) []any {
	var key, prefix []byte
	for _, p := range parents {
		key = eng.KeyBytes(d.parent, key[:0], p)
		prefix = d.prefix(prefix[:0], key)
		it := d.scan(c.tx, prefix)
		for obj := it.Next(); obj != nil; obj = it.Next() {
			refs = append(refs, obj)
		}
	}
	return refs
}

func (c *collector) update(t *store.TableInfo, row any, apply func(any)) {
	m := c.upd[t]
	if m == nil {
		m = map[string]*pending{}
		c.upd[t] = m
	}
	k := string(eng.KeyBytes(t, nil, row))
	p := m[k]
	if p == nil {
		p = &pending{old: row, new: eng.Clone(t, row)}
		m[k] = p
	}
	apply(p.new)
}

// refuse raises PROTECT, then RESTRICT for restricting rows that are not
// themselves deleted.
func (c *collector) refuse(root *store.TableInfo, rows []any) error {
	left := c.restricted
	if len(c.protected) == 0 {
		left = c.restricted[:0] // refuse ends the collection: filtered in place
		for _, h := range c.restricted {
			if !c.deleted(h.leaf.child, h.row) {
				left = append(left, h)
			}
		}
	}
	return refused(root, rows, c.protected, left)
}

// refused returns the error refusing the delete of rows (of root) that
// protected rows protect, or else that restricted rows restrict, or nil.
func refused(root *store.TableInfo, rows []any, protected, restricted []hit) error {
	if len(protected) == 0 && len(restricted) == 0 {
		return nil
	}
	// Each error and its parts are one allocation (see blockedOne).
	if len(protected) > 0 {
		b := new(struct {
			e   ProtectedError
			one blockedOne
		})
		b.e.Table, b.e.Keys, b.e.Relations, b.e.Rows = b.one.fill(root, rows, protected, func(h hit) *fkDef { return h.hop })
		return &b.e
	}
	b := new(struct {
		e   RestrictedError
		one blockedOne
	})
	b.e.Table, b.e.Keys, b.e.Relations, b.e.Rows = b.one.fill(root, rows, restricted, func(h hit) *fkDef { return h.leaf })
	return &b.e
}

// fill returns the parts of the error refusing the delete of rows (of
// root) that hits block, the relations named by name: the table, the keys
// (in one's array when there is one row), and those blocking gives.
func (one *blockedOne) fill(root *store.TableInfo, rows []any, hits []hit, name func(hit) *fkDef) (string, []any, []string, []BlockingRow) {
	keys := one.key[:0]
	if len(rows) > len(one.key) {
		keys = make([]any, 0, len(rows))
	}
	for _, r := range rows {
		keys = append(keys, eng.KeyOf(root, r))
	}
	rels, brows := blocking(one, hits, name)
	return root.Name(), keys, rels, brows
}

// blockedOne holds a refused delete's key, relation and blocking row when
// there is one of each (the usual refusal), in the error's allocation;
// more spill over.
type blockedOne struct {
	key [1]any
	rel [1]string
	row [1]BlockingRow
}

// blocking lists the distinct relations (as named by name) and rows of hits,
// starting in one's arrays. A few hits (a refused delete's usual case) are
// told apart without maps.
func blocking(one *blockedOne, hits []hit, name func(hit) *fkDef) (rels []string, rows []BlockingRow) {
	const few = 16
	var seenRow map[RowRef]bool
	if len(hits) > few {
		seenRow = make(map[RowRef]bool, len(hits))
	}
	rels, rows = one.rel[:0], one.row[:0]
	for _, h := range hits {
		if n := name(h).name(); !slices.Contains(rels, n) { // relations are few
			rels = append(rels, n)
		}
		r := ref(h.leaf.child, h.row)
		seen := false
		if seenRow != nil {
			seen, seenRow[r] = seenRow[r], true
		} else {
			seen = slices.ContainsFunc(rows, func(b BlockingRow) bool { return b.RowRef == r })
		}
		if !seen {
			rows = append(rows, BlockingRow{RowRef: r, Relation: h.leaf.name()})
		}
	}
	return rels, rows
}

// view is the final state of the delete, as checkRow needs it.
func (c *collector) view(t *store.TableInfo, obj any) any {
	k := eng.KeyBytes(t, nil, obj)
	if _, gone := c.del[t][string(k)]; gone {
		return nil
	}
	if p, ok := c.upd[t][string(k)]; ok {
		return p.new
	}
	return obj
}

// tables returns the tables of m in deletion order.
func tablesOf[V any](rt *runtime, m map[*store.TableInfo]V) []*store.TableInfo {
	ts := slices.Collect(maps.Keys(m))
	slices.SortFunc(ts, func(a, b *store.TableInfo) int { return rt.rank[a] - rt.rank[b] })
	return ts
}

// dropMoot drops the updates of rows that are deleted.
func (c *collector) dropMoot() {
	for t, m := range c.upd {
		for k := range m {
			if _, gone := c.del[t][k]; gone {
				delete(m, k) // the row is deleted: its update is moot
			}
		}
	}
}

// validateUpdates judges the rows that SetNull, SetDefault and Set rules
// rewrite on the final state of the delete, kind by kind as an insert is
// judged: every check constraint of every rewritten row first, then every
// unique constraint (against the surviving rows, and between two rewritten
// rows), then every foreign key. Tables go in deletion order, keys in
// order.
func (c *collector) validateUpdates() error {
	type rewrite struct {
		t    *store.TableInfo
		rows []*pending
	}
	var all []rewrite
	c.dropMoot()
	for _, t := range tablesOf(c.rt, c.upd) {
		m := c.upd[t]
		w := rewrite{t: t}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			w.rows = append(w.rows, m[k])
		}
		all = append(all, w)
	}
	for _, w := range all {
		for _, p := range w.rows {
			if err := c.rt.checkChecks(w.t, ref(w.t, p.new), p.new); err != nil {
				return err
			}
		}
	}
	for _, w := range all {
		for _, u := range c.rt.tables[w.t].uniques {
			seen := map[string]any{} // two rewritten rows may now collide
			for _, p := range w.rows {
				if err := c.rt.checkUnique(c.tx, u, ref(w.t, p.new), p.old, p.new, c.view); err != nil {
					return err
				}
				v, ok := u.key(nil, p.new)
				if !ok {
					continue
				}
				if other, dup := seen[string(v)]; dup {
					e := &UniqueError{Constraint: u.name, Table: w.t.Name(), Row: ref(w.t, p.new),
						Conflict: ref(w.t, other), Value: u.value(p.new),
						RowData: eng.RowValue(w.t, p.new, true), ConflictData: eng.RowValue(w.t, other, true), Fields: u.fields}
					if u.fk != nil {
						e.Parent = &RowRef{Table: u.fk.parent.Name(), Key: e.Value}
					}
					return e
				}
				seen[string(v)] = p.new
			}
		}
	}
	for _, w := range all {
		for _, p := range w.rows {
			if err := c.rt.checkFKs(c.tx, w.t, ref(w.t, p.new), p.old, p.new, c.view); err != nil {
				return err
			}
		}
	}
	return nil
}

// runHooks runs the BeforeUpdate functions of the tables whose rows the
// delete rewrites, then the BeforeDelete functions of those whose rows it
// removes, in the order it applies them: before the rewrites are judged,
// so that a function's change to a rewritten row is judged with it.
func (c *collector) runHooks() error {
	for _, t := range tablesOf(c.rt, c.upd) {
		if update, _ := eng.Hooked(t); !update {
			continue
		}
		m := c.upd[t]
		for _, k := range slices.Sorted(maps.Keys(m)) {
			p := m[k]
			if err := eng.BeforeUpdate(c.tx, t, p.old, p.new); err != nil {
				return err
			}
			if string(eng.KeyBytes(t, nil, p.new)) != k {
				return &store.KeyError{Table: t.Name(), Key: eng.KeyOf(t, p.old),
					Err: fmt.Errorf("%w: a BeforeUpdate function cannot change the primary key", store.ErrInvalidKey)}
			}
			p.new = eng.Clone(t, p.new) // the functions were given p.new: store a copy no one holds
		}
	}
	for _, t := range tablesOf(c.rt, c.del) {
		if _, del := eng.Hooked(t); !del {
			continue
		}
		m := c.del[t]
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if err := eng.BeforeDelete(c.tx, t, eng.Clone(t, m[k])); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *collector) apply() (store.DeleteResult, error) {
	res := store.DeleteResult{}
	for _, t := range tablesOf(c.rt, c.upd) {
		m := c.upd[t]
		if len(m) == 0 {
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if err := eng.WriteUnchecked(c.tx, t, m[k].old, m[k].new); err != nil {
				return res, err
			}
		}
		if res.Updated == nil {
			res.Updated = map[string]int{}
		}
		res.Updated[t.Name()] += len(m)
	}
	for _, t := range tablesOf(c.rt, c.del) {
		m := c.del[t]
		if len(m) == 0 {
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if err := eng.WriteUnchecked(c.tx, t, m[k], nil); err != nil {
				return res, err
			}
		}
		if res.Deleted == nil {
			res.Deleted = map[string]int{}
		}
		res.Deleted[t.Name()] += len(m)
	}
	return res, nil
}

// deferDoNothing makes Commit fail if a DoNothing relation still points at
// a deleted row by then.
func (c *collector) deferDoNothing() {
	if len(c.doNothing) == 0 {
		return
	}
	refs := c.doNothing
	eng.OnCommit(c.tx, func(tx *store.Tx) error {
		for _, r := range refs {
			if eng.Lookup(tx, r.d.parent, r.key) != nil {
				continue // re-created in the meantime
			}
			it := r.d.scan(tx, r.d.prefix(nil, r.key))
			if obj := it.Next(); obj != nil {
				return &ForeignKeyError{Relation: r.d.name(), Row: ref(r.d.child, obj), Field: r.d.field,
					Parent: RowRef{Table: r.d.parent.Name(), Key: r.d.refValue(obj)}, AtCommit: true}
			}
		}
		return nil
	})
}
