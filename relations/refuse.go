package relations

import "github.com/memrel-go/memrel/store"

// planRefusals finds, for each table, whether a delete of its rows can be
// refused before the graph is walked, with the very error the walk would
// give: a Protect or Restrict relation can then be looked at directly, and
// a delete that it refuses costs one index lookup per relation instead of
// a walk of everything the rows cascade to.
//
// That holds when every Protect and Restrict relation into a table the
// delete can reach (the table itself, and those its Cascade relations
// reach) points at the table itself, when no Cascade path leads back to
// the table (so the rows given are its only rows deleted), when no
// Restrict relation's child table can be reached (so no restricting row is
// deleted by the same delete), and when no Set function can run (it could
// write anything before the delete is judged). The walk then meets no
// blocker beyond the table's own relations, and finds their rows in the
// order this check does.
func (rt *runtime) planRefusals() {
	for t, tr := range rt.tables {
		reach := map[*store.TableInfo]bool{t: true}
		back := false
		queue := []*store.TableInfo{t}
		for len(queue) > 0 {
			p := queue[0]
			queue = queue[1:]
			for _, d := range rt.tables[p].in {
				if d.action != Cascade {
					continue
				}
				if d.child == t {
					back = true
				}
				if !reach[d.child] {
					reach[d.child] = true
					queue = append(queue, d.child)
				}
			}
		}
		if back {
			continue
		}
		var blockers []*fkDef
		ok := true
		for p := range reach {
			for _, d := range rt.tables[p].in {
				switch {
				case d.setFunc:
					ok = false
				case d.action == Protect || d.action == Restrict:
					if p != t || (d.action == Restrict && reach[d.child]) {
						ok = false
					}
				}
			}
		}
		if !ok {
			continue
		}
		for _, d := range tr.in {
			if d.action == Protect || d.action == Restrict {
				blockers = append(blockers, d)
			}
		}
		tr.blockers = blockers
	}
}

// refuseFirst looks at t's blocking relations (see planRefusals) before
// anything is collected, and returns the error the whole collection would
// give, or nil when they refuse nothing.
func (c *collector) refuseFirst(t *store.TableInfo, rows []any) error {
	// A refusal is the usual case where this runs: its rows and hits stay
	// on the stack, and the error copies what it keeps.
	var refBuf [4]any
	var hitBuf [4]hit
	hits := hitBuf[:0]
	for _, d := range c.rt.tables[t].blockers {
		for _, r := range c.childrenInto(refBuf[:0], d, rows) {
			hits = append(hits, hit{hop: d, leaf: d, row: r})
		}
	}
	var protBuf [4]hit
	protected := protBuf[:0]
	for _, h := range hits {
		if h.leaf.action == Protect {
			protected = append(protected, h)
		}
	}
	restricted := hits // refused looks at them only when none protects
	// planRefusals made sure that no restricting row is deleted with rows.
	return refused(t, rows, protected, restricted)
}
