package conformance

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/memrel-go/memrel"
)

// three plays ops on the reference model, memrel and SQLite and returns
// the outcomes of each, comparing the states after every operation.
func three(t *testing.T, s *Schema, ops []Op) (model, mem, lite []Outcome) {
	t.Helper()
	m := NewModel(s)
	me, err := NewMem(s)
	if err != nil {
		t.Fatalf("memrel refuses the schema: %v", err)
	}
	l, err := NewLite(s)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	defer me.Close()
	commit := Op{Kind: OpCommit}
	for _, op := range ops {
		model = append(model, m.Apply(op))
		mem = append(mem, me.Apply(op))
		lite = append(lite, l.Apply(op))
		// Each operation is its own transaction.
		if a, b, c := m.Apply(commit), me.Apply(commit), l.Apply(commit); a.Kind != KOK || b.Kind != KOK || c.Kind != KOK {
			t.Errorf("%s: commit: model %v, memrel %v, SQLite %v", op.Format(s), a, b, c)
		}
		ls, err := l.State()
		if err != nil {
			t.Fatal(err)
		}
		if d := stateDiff(s, m.State(), me.State()); d != "" {
			t.Errorf("%s: memrel's state differs:\n%s", op.Format(s), d)
		}
		if d := stateDiff(s, m.State(), ls); d != "" && lite[len(lite)-1].Kind == model[len(model)-1].Kind {
			t.Errorf("%s: SQLite's state differs:\n%s", op.Format(s), d)
		}
		if err := l.Load(m.State()); err != nil {
			t.Fatal(err)
		}
	}
	return model, mem, lite
}

func row(id int64, set func(*Row)) Row {
	r := Row{ID: id}
	if set != nil {
		set(&r)
	}
	return r
}

func n(v int64) memrel.Null[int64] { return memrel.Some(v) }

func ins(t int, r Row) Op       { return Op{Kind: OpInsert, Table: t, Row: r} }
func upd(t int, r Row) Op       { return Op{Kind: OpUpdate, Table: t, Row: r} }
func del(t int, ks ...int64) Op { return Op{Kind: OpDelete, Table: t, Keys: ks} }

func kinds(os []Outcome) []string {
	var ks []string
	for _, o := range os {
		ks = append(ks, o.Kind)
	}
	return ks
}

// TestRestrictDjangoExample is the example of Django's documentation for
// RESTRICT: Artist (t0); Album (t1, artist CASCADE); Song (t2, artist
// CASCADE, album RESTRICT).
func TestRestrictDjangoExample(t *testing.T) {
	s := &Schema{Tables: []string{"t0", "t1", "t2"}, FKs: []*FKSpec{
		{Name: "t1.r0", Child: 1, Parent: 0, Col: Col{'r', 0}, Rule: Cascade},
		{Name: "t2.r0", Child: 2, Parent: 0, Col: Col{'r', 0}, Rule: Cascade},
		{Name: "t2.r1", Child: 2, Parent: 1, Col: Col{'r', 1}, Rule: Restrict},
	}}
	ops := []Op{
		ins(0, row(1, nil)), ins(0, row(2, nil)),
		ins(1, row(1, func(r *Row) { r.R[0] = 1 })),
		ins(2, row(1, func(r *Row) { r.R[0], r.R[1] = 1, 1 })),
		ins(2, row(2, func(r *Row) { r.R[0], r.R[1] = 1, 1 })),
		ins(1, row(2, func(r *Row) { r.R[0] = 2 })),
		ins(2, row(3, func(r *Row) { r.R[0], r.R[1] = 1, 2 })), // a song of artist 1 on the album of artist 2
		del(1, 1), // the album: restricted by songs 1, 2
		del(0, 2), // artist 2: its album is restricted by song 3 (artist 1)
		del(0, 1), // artist 1 owns its album and songs 1, 2, 3
	}
	model, mem, lite := three(t, s, ops)
	want := []string{KOK, KOK, KOK, KOK, KOK, KOK, KOK, KRestricted, KRestricted, KOK}
	if !slices.Equal(kinds(model), want) {
		t.Fatalf("model: %v, want %v", kinds(model), want)
	}
	if got := model[7]; !slices.Equal(got.Keys, []string{"t2:1", "t2:2"}) || !slices.Equal(got.Rels, []string{"t2.r1"}) {
		t.Errorf("model: deleting the album: %v", got)
	}
	if got := model[9]; got.Deleted["t0"] != 1 || got.Deleted["t1"] != 1 || got.Deleted["t2"] != 3 {
		t.Errorf("model: deleting artist 1: %v", got)
	}
	for i := range ops {
		if sig, _ := compare(model[i], mem[i], true); sig != "" {
			t.Errorf("%s: memrel %v, model %v", ops[i].Format(s), mem[i], model[i])
		}
	}
	// SQLite has no Django RESTRICT; the delete it can judge agrees.
	if sig, _ := compare(model[9], lite[9], false); sig != "" {
		t.Errorf("SQLite: %v", lite[9])
	}
}

// TestProtectEvenIfCascaded: Protect refuses a delete even when the
// protecting row is removed by the same delete through a Cascade path;
// SQLite (NO ACTION) would allow it, which is why Protect is compared
// against the model only.
func TestProtectEvenIfCascaded(t *testing.T) {
	s := &Schema{Tables: []string{"t0", "t1"}, FKs: []*FKSpec{
		{Name: "t1.n0", Child: 1, Parent: 0, Col: Col{'n', 0}, Rule: Cascade},
		{Name: "t1.n1", Child: 1, Parent: 0, Col: Col{'n', 1}, Rule: Protect},
	}}
	ops := []Op{
		ins(0, row(1, nil)),
		ins(1, row(5, func(r *Row) { r.N[0], r.N[1] = n(1), n(1) })),
		del(0, 1),
	}
	model, mem, lite := three(t, s, ops)
	if model[2].Kind != KProtected || !slices.Equal(model[2].Keys, []string{"t1:5"}) {
		t.Fatalf("model: %v", model[2])
	}
	if sig, _ := compare(model[2], mem[2], true); sig != "" {
		t.Errorf("memrel: %v", mem[2])
	}
	if lite[2].Kind != KOK {
		t.Errorf("SQLite: %v, want ok (NO ACTION is checked at the end of the statement)", lite[2])
	}
}

// TestSQLiteRowByRow: a SET DEFAULT that would collide with a unique value
// is harmless when the rewritten row is removed by the same delete. memrel
// and the model judge the final state and accept it. SQLite fires the
// actions of the keys last declared first (its lists of keys are built by
// prepending): when the cascade fires first the row is gone before the SET
// DEFAULT, otherwise SQLite rewrites it and refuses.
func TestSQLiteRowByRow(t *testing.T) {
	for _, setFirst := range []bool{true, false} {
		set, cascade := 0, 1 // the reference slots: declaration order in SQL
		if !setFirst {
			set, cascade = 1, 0
		}
		s := &Schema{Tables: []string{"t0", "t1"}, FKs: []*FKSpec{
			{Name: fmt.Sprintf("t1.n%d", set), Child: 1, Parent: 0, Col: Col{'n', set}, Rule: SetDefault, Val: 2},
			{Name: fmt.Sprintf("t1.n%d", cascade), Child: 1, Parent: 0, Col: Col{'n', cascade}, Rule: Cascade},
		}, Constraints: []ConstraintSpec{
			{Unique: &UniqueSpec{Name: "uq_t1", Table: 1, Cols: []Col{{'n', set}}}},
		}}
		ops := []Op{
			ins(0, row(1, nil)), ins(0, row(2, nil)),
			ins(1, row(10, func(r *Row) { r.N[set], r.N[cascade] = n(1), n(1) })),
			ins(1, row(11, func(r *Row) { r.N[set] = n(2) })),
			del(0, 1),
		}
		model, mem, lite := three(t, s, ops)
		if model[4].Kind != KOK || model[4].Deleted["t1"] != 1 {
			t.Fatalf("SET DEFAULT declared first %v: model %v", setFirst, model[4])
		}
		if sig, _ := compare(model[4], mem[4], true); sig != "" {
			t.Errorf("SET DEFAULT declared first %v: memrel %v", setFirst, mem[4])
		}
		got := lite[4]
		if setFirst {
			if got.Kind != KOK {
				t.Errorf("SET DEFAULT declared first: SQLite %v, want ok (the cascade fires first)", got)
			}
		} else if got.Kind != KUnique || explainSQLite(s, ops[4], model[4], got) == "" {
			t.Errorf("SET DEFAULT declared last: SQLite %v, want the row-by-row unique failure", got)
		}
	}
}

// TestCompareFails: the comparison flags what differs.
func TestCompareFails(t *testing.T) {
	want := Outcome{Kind: KUnique, Names: []string{"uq0_t1", "uq1_t1"}}
	for _, c := range []struct {
		got Outcome
		sig string
	}{
		{Outcome{Kind: KUnique, Names: []string{"uq1_t1"}}, ""},
		{Outcome{Kind: KUnique, Names: []string{"uq2_t1"}}, "unique: other name"},
		{Outcome{Kind: KCheck, Names: []string{"uq1_t1"}}, "unique -> check"},
	} {
		if sig, _ := compare(want, c.got, true); sig != c.sig {
			t.Errorf("compare(%v, %v) = %q, want %q", want, c.got, sig, c.sig)
		}
	}
	ok := Outcome{Kind: KOK, Deleted: map[string]int{"t0": 1}}
	if sig, _ := compare(ok, Outcome{Kind: KOK, Deleted: map[string]int{"t0": 2}}, true); sig != "ok: other counts" {
		t.Errorf("counts: %q", sig)
	}
	s := &Schema{Tables: []string{"t0"}}
	if d := stateDiff(s, State{{{ID: 1}}}, State{{{ID: 1, A: 1}}}); !strings.Contains(d, "a=1") {
		t.Errorf("stateDiff: %q", d)
	}
}

// TestDDL: the SQLite schema carries every rule as the README says.
func TestDDL(t *testing.T) {
	ddl := strings.Join(DDL(GenSchema(7)), "\n")
	for _, s := range GenSchema(7).FKs {
		if !strings.Contains(ddl, "CONSTRAINT "+fkName(s)+" REFERENCES") {
			t.Errorf("no key %s in\n%s", s.Name, ddl)
		}
	}
	s := &Schema{Tables: []string{"t0", "t1"}, FKs: []*FKSpec{
		{Name: "t1.n0", Child: 1, Parent: 0, Col: Col{'n', 0}, Rule: DoNothing},
		{Name: "t1.n1", Child: 1, Parent: 0, Col: Col{'n', 1}, Rule: SetTo, Val: 3},
	}, Constraints: []ConstraintSpec{{Check: &CheckSpec{Name: "ck", Table: 1, Cond: Cond{Op: "ne", X: Col{'a', 0}, Y: Col{'b', 0}}}},
		{Unique: &UniqueSpec{Name: "uq", Table: 1, Cols: []Col{{'a', 0}}, Where: &Cond{Op: "notnull", X: Col{'c', 0}}}}}}
	ddl = strings.Join(DDL(s), "\n")
	for _, want := range []string{
		"n0 INTEGER CONSTRAINT t1_n0 REFERENCES t0(id) DEFERRABLE INITIALLY DEFERRED",
		"n1 INTEGER DEFAULT 3 CONSTRAINT t1_n1 REFERENCES t0(id) ON DELETE SET DEFAULT",
		"CONSTRAINT ck CHECK (a <> b)",
		"CREATE UNIQUE INDEX uq ON t1(a) WHERE c IS NOT NULL",
		"CREATE INDEX ix_t1_n0 ON t1(n0)",
	} {
		if !strings.Contains(ddl, want) {
			t.Errorf("no %q in\n%s", want, ddl)
		}
	}
}

// TestProtectFirstHop: Django's ProtectedError names, for each protecting
// row, the relation of the deleted table through which the depth-first
// collection first reached it (the first hop). Deleting t1 3 reaches t0 8
// through t0.n0 (Cascade), then t2 8 through t2.n0 (Cascade), which t0 8
// protects through t0.n2: the hop is t0.n0, although t2 8 is also reached
// directly through t2.r0, a relation declared later.
func TestProtectFirstHop(t *testing.T) {
	s := &Schema{Tables: []string{"t0", "t1", "t2"}, FKs: []*FKSpec{
		{Name: "t0.n0", Child: 0, Parent: 1, Col: Col{'n', 0}, Rule: Cascade},
		{Name: "t0.n2", Child: 0, Parent: 2, Col: Col{'n', 2}, Rule: Protect},
		{Name: "t2.n0", Child: 2, Parent: 0, Col: Col{'n', 0}, Rule: Cascade},
		{Name: "t2.r0", Child: 2, Parent: 1, Col: Col{'r', 0}, Rule: Cascade},
	}}
	ops := []Op{
		ins(1, row(3, nil)),
		ins(0, row(8, func(r *Row) { r.N[0] = n(3) })),
		ins(2, row(8, func(r *Row) { r.N[0], r.R[0] = n(8), 3 })),
		upd(0, row(8, func(r *Row) { r.N[0], r.N[2] = n(3), n(8) })),
		del(1, 3),
	}
	model, mem, _ := three(t, s, ops)
	if got := model[4]; got.Kind != KProtected || !slices.Equal(got.Keys, []string{"t0:8"}) || !slices.Equal(got.Rels, []string{"t0.n0"}) {
		t.Fatalf("model: %v", got)
	}
	if sig, _ := compare(model[4], mem[4], true); sig != "" {
		t.Errorf("memrel: %v, want %v (%s)", mem[4], model[4], sig)
	}
}

// TestSQLiteDeferredCounter pins down a behaviour of SQLite that the suite
// explains: an INSERT that fails an immediate key, in a transaction, after
// counting a violation of a deferred (DoNothing) key declared after it,
// leaves that count behind: COMMIT fails although no row violates a key.
// memrel and the model refuse the insert and commit the transaction.
func TestSQLiteDeferredCounter(t *testing.T) {
	s := &Schema{Tables: []string{"t0", "t1"}, FKs: []*FKSpec{
		{Name: "t1.r0", Child: 1, Parent: 1, Col: Col{'r', 0}, Rule: DoNothing},
		{Name: "t1.n2", Child: 1, Parent: 0, Col: Col{'n', 2}, Rule: Protect},
	}}
	ops := []Op{ins(1, row(4, func(r *Row) { r.N[2], r.R[0] = n(2), 3 })), {Kind: OpCommit}}
	m, me := NewModel(s), must(NewMem(s))
	defer me.Close()
	l := must(NewLite(s))
	defer l.Close()
	for i, op := range ops {
		want, got, gotL := m.Apply(op), me.Apply(op), l.Apply(op)
		if sig, _ := compare(want, got, true); sig != "" {
			t.Errorf("%s: memrel %v, model %v", op.Format(s), got, want)
		}
		switch i {
		case 0:
			if want.Kind != KFK || gotL.Kind != KFK {
				t.Errorf("insert: model %v, SQLite %v, want foreign key from both", want, gotL)
			}
		case 1:
			if want.Kind != KOK || gotL.Kind != KFK || gotL.Dangling != 0 || explainSQLite(s, op, want, gotL) == "" {
				t.Errorf("commit: model %v, SQLite %v (%d dangling), want ok and a foreign key failure with no dangling row", want, gotL, gotL.Dangling)
			}
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
