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
	SQLiteOps               int // operations also played on SQLite
	SQLiteSkipped           int // operations SQLite cannot judge (invalid input, Protect by rows the delete removes)
	SQLiteRefusals          int // Protect and Restrict refusals that SQLite must refuse too (any kind)
	OutcomeKinds            map[string]int
	Divergences             []Divergence
	// MemrelStopped counts sequences cut short by a memrel divergence.
	MemrelStopped int
}

func opName(k OpKind) string { return [...]string{"insert", "update", "delete"}[k] }

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
func explainSQLite(op Op, want, got Outcome) string {
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

// Sequence plays one sequence (schema and operations from seed) and returns
// its figures. ops limits the operations; only the first memrel divergence
// of a sequence is recorded (the states may differ afterwards).
func Sequence(seed int64, nops int, st *Stats) error {
	s := GenSchema(seed)
	ops := make([]Op, 0, nops)
	gen := NewGen(s, seed*7919+13)
	return play(s, nops, func(m *Model) Op {
		op := gen.Next(m)
		ops = append(ops, op)
		return op
	}, seed, st)
}

// play runs up to nops operations drawn by next.
func play(s *Schema, nops int, next func(*Model) Op, seed int64, st *Stats) error {
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
	lite, err := NewLite(s)
	if err != nil {
		return fmt.Errorf("seed %d: SQLite: %w", seed, err)
	}
	defer lite.Close()
	model := NewModel(s)
	var ops []Op
	seen := map[string]bool{}
	for i := range nops {
		op := next(model)
		ops = append(ops, op)
		st.Ops++
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
		if want.Kind == KInvalid || want.Kind == KProtected && !want.ProtectSurvivor {
			st.SQLiteSkipped++
			continue
		}
		if want.Kind == KProtected || want.Kind == KRestricted {
			// A row that stays references a deleted one: SQLite's NO ACTION
			// refuses the delete at the end of the statement. It names no
			// key, and may first meet a CHECK or UNIQUE failure.
			st.SQLiteRefusals++
			gotL := lite.Apply(op)
			ls, err := lite.State()
			if err != nil {
				return fmt.Errorf("seed %d: SQLite state: %w", seed, err)
			}
			var sig, why string
			switch {
			case (gotL.Kind == KCheck || gotL.Kind == KUnique) && len(gotL.Names) == 1 && slices.Contains(want.Inter, gotL.Names[0]):
				sig = opName(op.Kind) + ": " + want.Kind + " -> " + gotL.Kind
				why = "order: Django refuses Protect and Restrict before writing anything; SQLite checks NO ACTION keys at the end of the statement, after the CHECK and UNIQUE constraints of the rows it rewrote (the constraint named is broken by a rewritten row)"
			case gotL.Kind != KFK:
				sig = opName(op.Kind) + ": " + want.Kind + " -> " + gotL.Kind
			case stateDiff(s, ws, ls) != "":
				sig = opName(op.Kind) + ": state after " + want.Kind
			}
			if sig != "" {
				st.Divergences = append(st.Divergences, Divergence{Seed: seed, Op: i, Oracle: "sqlite",
					Signature: sig,
					Detail:    fmt.Sprintf("%s\n  model:  %s\n  sqlite: %s\n%s", op.Format(s), want, gotL, stateDiff(s, ws, ls)),
					Explained: why, Ops: slices.Clone(ops), Schema: s})
				if err := lite.Load(ws); err != nil {
					return fmt.Errorf("seed %d: SQLite resync: %w", seed, err)
				}
			}
			continue
		}
		st.SQLiteOps++
		gotL := lite.Apply(op)
		sig, _ = compare(want, gotL, false)
		ls, err := lite.State()
		if err != nil {
			return fmt.Errorf("seed %d: SQLite state: %w", seed, err)
		}
		if sig == "" {
			if d := stateDiff(s, ws, ls); d != "" {
				sig = "state after " + want.Kind
			}
		}
		if sig != "" {
			st.Divergences = append(st.Divergences, Divergence{Seed: seed, Op: i, Oracle: "sqlite",
				Signature: opName(op.Kind) + ": " + sig,
				Detail:    fmt.Sprintf("%s\n  model:  %s\n  sqlite: %s\n%s", op.Format(s), want, gotL, stateDiff(s, ws, ls)),
				Explained: explainSQLite(op, want, gotL),
				Ops:       slices.Clone(ops), Schema: s})
			if err := lite.Load(ws); err != nil {
				return fmt.Errorf("seed %d: SQLite resync: %w", seed, err)
			}
		}
	}
	if err := mem.Check(); err != nil {
		st.Divergences = append(st.Divergences, Divergence{Seed: seed, Op: nops - 1, Oracle: "memrel",
			Signature: "memrel's own Check fails", Detail: err.Error(), Ops: ops, Schema: s})
	}
	return nil
}

// Replay plays ops on a fresh DB of schema s and returns the divergences.
func Replay(s *Schema, ops []Op) []Divergence {
	st := &Stats{}
	i := 0
	_ = play(s, len(ops), func(*Model) Op { op := ops[i]; i++; return op }, s.Seed, st)
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
