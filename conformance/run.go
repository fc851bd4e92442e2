package conformance

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Divergence is a difference between memrel (or SQLite) and the reference
// model on one operation.
type Divergence struct {
	Seed      int64
	Op        int    // index of the operation in the sequence
	Oracle    string // "memrel" (memrel vs the reference model) or "sqlite" (SQLite vs the reference model)
	Signature string // what differs, without the particulars: groups divergences
	Detail    string
	Explained string // why it is a legitimate difference; empty if it is not
	Ops       []Op   // the sequence up to and including the operation
	Schema    *Schema
}

// Stats are the figures of a run.
type Stats struct {
	Schemas, Sequences, Ops int
	Commits                 int // commits (not counted in Ops)
	SQLiteOps               int // operations also played on SQLite
	SQLiteSkipped           int // operations SQLite cannot judge (invalid input, Protect by rows the delete removes)
	SQLiteRefusals          int // Protect and Restrict refusals that SQLite must refuse too (any kind)
	OutcomeKinds            map[string]int
	Divergences             []Divergence
	// MemrelStopped counts sequences cut short by a memrel divergence.
	MemrelStopped int
}

func opName(k OpKind) string { return [...]string{"insert", "update", "delete", "commit"}[k] }

func eqMap(a, b map[string]int) bool { return maps.Equal(a, b) }

// compare returns what differs between want (the reference model) and got,
// or "" if they agree. withNames compares the names of the constraint or
// relation (SQLite does not name foreign keys).
func compare(want, got Outcome, counts bool) (sig, detail string) {
	if want.Kind != got.Kind {
		return want.Kind + " -> " + got.Kind, ""
	}
	switch want.Kind {
	case KCheck, KUnique, KFK:
		if len(got.Names) == 0 {
			return "", "" // not named
		}
		if !slices.Contains(want.Names, got.Names[0]) {
			return want.Kind + ": other name", ""
		}
	case KNotFound:
		if !slices.Equal(want.Keys, got.Keys) {
			return "not found: other keys", ""
		}
	case KProtected, KRestricted:
		if !slices.Equal(want.Keys, got.Keys) {
			return want.Kind + ": other rows", ""
		}
		if !slices.Equal(want.Rels, got.Rels) {
			return want.Kind + ": other relations", ""
		}
	case KOK:
		if counts {
			if !eqMap(want.Deleted, got.Deleted) || !eqMap(want.Updated, got.Updated) {
				return "ok: other counts", ""
			}
		}
	}
	return "", ""
}

func stateDiff(s *Schema, want, got State) string {
	var b strings.Builder
	for t := range s.Tables {
		var w, g []Row
		if t < len(want) {
			w = want[t]
		}
		if t < len(got) {
			g = got[t]
		}
		if slices.Equal(w, g) {
			continue
		}
		fmt.Fprintf(&b, "  %s: want", s.Tables[t])
		for _, r := range w {
			fmt.Fprintf(&b, " %s", FormatRow(s, t, r))
		}
		b.WriteString("\n      got ")
		for _, r := range g {
			fmt.Fprintf(&b, " %s", FormatRow(s, t, r))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// explainSQLite says why SQLite may legitimately differ from the reference
// model (and memrel) on op, or "".
func explainSQLite(s *Schema, op Op, want, got Outcome) string {
	if (op.Kind == OpInsert || op.Kind == OpUpdate) && want.Kind == KFK && got.Kind == KOK && len(want.Names) == 1 {
		for _, f := range s.FKs {
			if f.Name == want.Names[0] && f.Rule == DoNothing {
				return "deferred: memrel checks a DoNothing key when a row is written; SQLite's DEFERRABLE INITIALLY DEFERRED key only at COMMIT"
			}
		}
	}
	if op.Kind == OpCommit && want.Kind == KOK && got.Kind == KFK && got.Dangling == 0 {
		return "SQLite: COMMIT fails with FOREIGN KEY constraint failed although PRAGMA foreign_key_check finds no violating row: a statement of the transaction that failed an immediate key had counted a deferred violation, which its rollback did not undo (SQLite 3.54.1; depends on the order in which the keys are declared)"
	}
	if op.Kind != OpDelete || !want.Rewrites {
		return ""
	}
	// SQLite applies ON DELETE SET NULL / SET DEFAULT row by row, checking
	// CHECK and UNIQUE constraints on each intermediate row, while a delete
	// is judged on its final state (updates to rows the same delete removes
	// are skipped; written values are checked against surviving rows).
	if (got.Kind == KCheck || got.Kind == KUnique) && len(got.Names) == 1 && slices.Contains(want.Inter, got.Names[0]) {
		return "row-by-row: SQLite checks CHECK/UNIQUE on each intermediate row of a delete's SET NULL / SET DEFAULT rewrites, memrel and the model check the final state"
	}
	return ""
}

// Sequence plays one sequence (schema and operations from seed): nops
// operations, with a commit after each with probability 1/2 (so that
// transactions hold one or several operations), and a last commit. Only
// the first memrel divergence of each kind is recorded; the sequence stops
// if memrel's state differs from the model's.
func Sequence(seed int64, nops int, st *Stats) error {
	s := GenSchema(seed)
	gen := NewGen(s, seed*7919+13)
	n, open := 0, false
	return play(s, func(m *Model) (Op, bool) {
		if open && (n == nops || gen.rng.Intn(2) == 0) {
			open = false
			return Op{Kind: OpCommit}, true
		}
		if n == nops {
			return Op{}, false
		}
		n++
		open = true
		return gen.Next(m), true
	}, seed, st)
}

// play runs the operations next returns.
func play(s *Schema, next func(*Model) (Op, bool), seed int64, st *Stats) error {
	st.Schemas++
	st.Sequences++
	if st.OutcomeKinds == nil {
		st.OutcomeKinds = map[string]int{}
	}
	mem, err := NewMem(s)
	if err != nil {
		st.Divergences = append(st.Divergences, Divergence{Seed: seed, Oracle: "memrel",
			Signature: "memrel refuses the schema", Detail: err.Error()})
		return nil
	}
	defer mem.Close()
	lite, err := NewLite(s)
	if err != nil {
		return fmt.Errorf("seed %d: SQLite: %w", seed, err)
	}
	defer lite.Close()
	model := NewModel(s)
	var ops []Op
	seen := map[string]bool{}
	// liteOff: SQLite diverged inside the open transaction; it is compared
	// again once the model commits, from the model's state.
	liteOff := false
	for i := 0; ; i++ {
		op, ok := next(model)
		if !ok {
			break
		}
		ops = append(ops, op)
		if op.Kind == OpCommit {
			st.Commits++
		} else {
			st.Ops++
		}
		want := model.Apply(op)
		st.OutcomeKinds[opName(op.Kind)+" "+want.Kind]++
		if want.Exempt {
			st.OutcomeKinds["(delete with Restrict rows all removed by a Cascade)"]++
		}
		if want.ProtectCollected {
			st.OutcomeKinds["(delete protected by a row it also removes)"]++
		}
		if want.SkippedRewrite {
			st.OutcomeKinds["(delete skipping a SET_* update of a row it removes)"]++
		}
		if want.Rewrites && want.Kind != KProtected && want.Kind != KRestricted {
			st.OutcomeKinds["(delete with SET_* rewrites)"]++
		}
		got := mem.Apply(op)
		sig, _ := compare(want, got, true)
		ws := model.State()
		diff := stateDiff(s, ws, mem.State())
		if sig == "" && diff != "" {
			sig = "state after " + want.Kind
		}
		if sig != "" && !seen[sig] {
			// Recorded once per sequence; the sequence goes on while the
			// states agree.
			seen[sig] = true
			st.Divergences = append(st.Divergences, Divergence{Seed: seed, Op: i, Oracle: "memrel",
				Signature: opName(op.Kind) + ": " + sig,
				Detail:    fmt.Sprintf("%s\n  model:  %s\n  memrel: %s\n%s", op.Format(s), want, got, diff),
				Ops:       slices.Clone(ops), Schema: s})
		}
		if diff != "" {
			st.MemrelStopped++
			return nil
		}
		if liteOff {
			if op.Kind == OpCommit {
				if err := lite.Load(ws); err != nil {
					return fmt.Errorf("seed %d: SQLite resync: %w", seed, err)
				}
				liteOff = false
			}
			st.SQLiteSkipped++
			continue
		}
		if want.Kind == KInvalid || want.Kind == KProtected && !want.ProtectSurvivor {
			st.SQLiteSkipped++
			continue
		}
		diverged := func(sig, why string, gotL Outcome, ls State) {
			st.Divergences = append(st.Divergences, Divergence{Seed: seed, Op: i, Oracle: "sqlite",
				Signature: sig,
				Detail:    fmt.Sprintf("%s\n  model:  %s\n  sqlite: %s\n%s", op.Format(s), want, gotL, stateDiff(s, ws, ls)),
				Explained: why, Ops: slices.Clone(ops), Schema: s})
		}
		gotL := lite.Apply(op)
		ls, err := lite.State()
		if err != nil {
			return fmt.Errorf("seed %d: SQLite state: %w", seed, err)
		}
		sig, why := "", ""
		if want.Kind == KProtected || want.Kind == KRestricted {
			// A row that stays references a deleted one: SQLite's NO ACTION
			// refuses the delete at the end of the statement. It names no
			// key, and may first meet a CHECK or UNIQUE failure.
			st.SQLiteRefusals++
			switch {
			case (gotL.Kind == KCheck || gotL.Kind == KUnique) && len(gotL.Names) == 1 && slices.Contains(want.Inter, gotL.Names[0]):
				sig = opName(op.Kind) + ": " + want.Kind + " -> " + gotL.Kind
				why = "order: Django refuses Protect and Restrict before writing anything; SQLite checks NO ACTION keys at the end of the statement, after the CHECK and UNIQUE constraints of the rows it rewrote (the constraint named is broken by a rewritten row)"
			case gotL.Kind != KFK:
				sig = opName(op.Kind) + ": " + want.Kind + " -> " + gotL.Kind
			case stateDiff(s, ws, ls) != "":
				sig = opName(op.Kind) + ": state after " + want.Kind
			}
		} else {
			st.SQLiteOps++
			if sig, _ = compare(want, gotL, false); sig == "" && stateDiff(s, ws, ls) != "" {
				sig = "state after " + want.Kind
			}
			if sig != "" {
				sig = opName(op.Kind) + ": " + sig
				why = explainSQLite(s, op, want, gotL)
			}
		}
		if sig != "" {
			diverged(sig, why, gotL, ls)
			if op.Kind == OpCommit || model.snap == nil {
				if err := lite.Load(ws); err != nil {
					return fmt.Errorf("seed %d: SQLite resync: %w", seed, err)
				}
			} else {
				liteOff = true
			}
		}
	}
	if err := mem.Check(); err != nil {
		st.Divergences = append(st.Divergences, Divergence{Seed: seed, Op: len(ops) - 1, Oracle: "memrel",
			Signature: "memrel's own Check fails", Detail: err.Error(), Ops: ops, Schema: s})
	}
	return nil
}

// Replay plays ops on a fresh DB of schema s and returns the divergences.
func Replay(s *Schema, ops []Op) []Divergence {
	st := &Stats{}
	i := 0
	_ = play(s, func(*Model) (Op, bool) {
		if i == len(ops) {
			return Op{}, false
		}
		i++
		return ops[i-1], true
	}, s.Seed, st)
	return st.Divergences
}

// Shrink removes foreign keys, constraints and operations from d's schema
// and sequence while the last operation still diverges with the same
// signature.
func Shrink(d Divergence) (*Schema, []Op) {
	s, ops := d.Schema, slices.Clone(d.Ops)
	same := func(s *Schema, try []Op) bool {
		for _, e := range Replay(s, try) {
			if e.Oracle == d.Oracle && e.Signature == d.Signature && e.Op == len(try)-1 {
				return true
			}
		}
		return false
	}
	for changed := true; changed; {
		changed = false
		for j := len(s.FKs) - 1; j >= 0; j-- {
			try := *s
			try.FKs = slices.Delete(slices.Clone(s.FKs), j, j+1)
			if same(&try, ops) {
				s, changed = &try, true
			}
		}
		for j := len(s.Constraints) - 1; j >= 0; j-- {
			try := *s
			try.Constraints = slices.Delete(slices.Clone(s.Constraints), j, j+1)
			if same(&try, ops) {
				s, changed = &try, true
			}
		}
		for j := len(ops) - 2; j >= 0; j-- {
			try := slices.Delete(slices.Clone(ops), j, j+1)
			if same(s, try) {
				ops, changed = try, true
			}
		}
	}
	// Empty the reference slots that no key or constraint of the shrunk
	// schema reads, so that the reproduction shows only what matters.
	used := map[[2]int]bool{}
	mark := func(t int, c Col) { used[[2]int{t, int(c.Kind)<<8 | c.I}] = true }
	for _, f := range s.FKs {
		mark(f.Child, f.Col)
	}
	for _, c := range s.Constraints {
		if u := c.Unique; u != nil {
			for _, col := range u.Cols {
				mark(u.Table, col)
			}
			if u.Where != nil {
				mark(u.Table, u.Where.X)
				mark(u.Table, u.Where.Y)
			}
		} else {
			mark(c.Check.Table, c.Check.Cond.X)
			mark(c.Check.Table, c.Check.Cond.Y)
		}
	}
	try := slices.Clone(ops)
	for i := range try {
		for _, c := range allCols[1 : 1+NN+NR] {
			if !used[[2]int{try[i].Table, int(c.Kind)<<8 | c.I}] {
				c.Set(&try[i].Row, 0, false)
			}
		}
	}
	if same(s, try) {
		ops = try
	}
	return s, ops
}

// Repro prints a shrunk divergence: the schema, the operations with the
// model's outcome of each, and the divergence.
func Repro(d Divergence) string {
	s, ops := Shrink(d)
	var b strings.Builder
	b.WriteString(s.String())
	m := NewModel(s)
	for i, op := range ops {
		want := m.Apply(op)
		fmt.Fprintf(&b, "  op %d: %s => %s\n", i, op.Format(s), want.Kind)
	}
	for _, e := range Replay(s, ops) {
		if e.Op == len(ops)-1 && e.Signature == d.Signature {
			b.WriteString(e.Detail)
			break
		}
	}
	return b.String()
}
