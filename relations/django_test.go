package relations_test

// Django's deletion, many-to-one and one-to-one scenarios, played against
// memrel. Each test is named after a scenario of
// shared/reference/django-semantics.md §7 (S01 ... S57) or after a memrel
// decision (DESIGN.md decision 6 and 7) and says in its comment what it
// checks and where memrel's model differs from Django's.
//
// Every test runs in its own DB and write transaction (see env). At the end
// of a test, env's cleanup runs tx.Check and db.Check. Every refused
// operation goes through env.refuse, which asserts the atomicity contract:
// the state (tx.Dump) is unchanged, tx.Check passes, and the transaction is
// still usable (an insert works; the test's final env.commit commits it and
// checks that the committed state is the one the transaction held).

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/relations"
	"github.com/memrel-go/memrel/store"
)

// ---------------------------------------------------------------------------
// Harness

type probeRow struct{ ID int64 }

// env is one scenario's DB and its current write transaction.
type env struct {
	t      *testing.T
	db     *memrel.DB
	tx     *memrel.Tx
	probes *memrel.Table[probeRow, int64]
}

// openEnv opens schema (plus a relation-free "probe" table that refuse uses
// to show the transaction is still usable) and begins a write transaction.
// The cleanup checks the invariants of the transaction and of the DB.
func openEnv(t *testing.T, schema memrel.Schema) *env {
	t.Helper()
	probes := memrel.NewTable("probe", func(p *probeRow) *int64 { return &p.ID })
	schema.Tables = append(slices.Clip(schema.Tables), probes)
	db, err := memrel.Open(schema)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	e := &env{t: t, db: db, probes: probes}
	e.tx = db.BeginWrite()
	t.Cleanup(func() {
		if err := e.tx.Check(); err != nil && !errors.Is(err, memrel.ErrTxClosed) {
			t.Errorf("tx.Check at the end of the scenario: %v", err)
		}
		e.tx.Abort()
		if err := db.Check(); err != nil {
			t.Errorf("db.Check at the end of the scenario: %v", err)
		}
	})
	return e
}

// refuse runs op, which must fail, and asserts that the refusal changed
// nothing: the transaction's Dump is the same, tx.Check passes, and an
// insert right after works. It returns op's error.
func (e *env) refuse(what string, op func() error) error {
	e.t.Helper()
	before := e.tx.Dump()
	err := op()
	if err == nil {
		e.t.Fatalf("%s: succeeded, want it refused", what)
	}
	if after := e.tx.Dump(); after != before {
		e.t.Errorf("%s: refused (%v) but the state changed:\n%s", what, err, lineDiff(before, after))
	}
	if cerr := e.tx.Check(); cerr != nil {
		e.t.Errorf("%s: tx.Check after the refusal: %v", what, cerr)
	}
	p, ierr := e.probes.Insert(e.tx, probeRow{})
	if ierr != nil {
		e.t.Errorf("%s: the transaction is not usable after the refusal: insert: %v", what, ierr)
	} else if !e.probes.Has(e.tx, p.ID) {
		e.t.Errorf("%s: the row inserted after the refusal is not there", what)
	}
	return err
}

// commit commits the transaction, checks that the committed state is the
// one the transaction held, and begins a new write transaction.
func (e *env) commit() {
	e.t.Helper()
	want := e.tx.Dump()
	if err := e.tx.Commit(); err != nil {
		e.t.Fatalf("Commit: %v", err)
	}
	rtx := e.db.BeginRead()
	got := rtx.Dump()
	rtx.Abort()
	if got != want {
		e.t.Errorf("the committed state is not the transaction's:\n%s", lineDiff(want, got))
	}
	e.tx = e.db.BeginWrite()
}

// lineDiff lists the lines only in a (-) and only in b (+).
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for _, l := range al {
		if !slices.Contains(bl, l) {
			out = append(out, "- "+l)
		}
	}
	for _, l := range bl {
		if !slices.Contains(al, l) {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}

func ins[Row any, K memrel.Key](t *testing.T, tx *memrel.Tx, tbl *memrel.Table[Row, K], row Row) Row {
	t.Helper()
	r, err := tbl.Insert(tx, row)
	if err != nil {
		t.Fatalf("insert into %s: %v", tbl.Name(), err)
	}
	return r
}

func upd[Row any, K memrel.Key](t *testing.T, tx *memrel.Tx, tbl *memrel.Table[Row, K], k K, fn func(*Row)) Row {
	t.Helper()
	r, err := tbl.Modify(tx, k, func(r *Row) error { fn(r); return nil })
	if err != nil {
		t.Fatalf("update %s %v: %v", tbl.Name(), k, err)
	}
	return r
}

func get[Row any, K memrel.Key](t *testing.T, tx *memrel.Tx, tbl *memrel.Table[Row, K], k K) Row {
	t.Helper()
	r, ok := tbl.Get(tx, k)
	if !ok {
		t.Fatalf("%s %v is gone, want it to remain", tbl.Name(), k)
	}
	return r
}

func gone[Row any, K memrel.Key](t *testing.T, tx *memrel.Tx, tbl *memrel.Table[Row, K], keys ...K) {
	t.Helper()
	for _, k := range keys {
		if tbl.Has(tx, k) {
			t.Errorf("%s %v remains, want it deleted", tbl.Name(), k)
		}
	}
}

func del[Row any, K memrel.Key](t *testing.T, tx *memrel.Tx, tbl *memrel.Table[Row, K], keys ...K) memrel.DeleteResult {
	t.Helper()
	res, err := tbl.Delete(tx, keys...)
	if err != nil {
		t.Fatalf("delete %s %v: %v", tbl.Name(), keys, err)
	}
	return res
}

func keysOf[Row any, K memrel.Key](tx *memrel.Tx, tbl *memrel.Table[Row, K]) []K {
	var ks []K
	for r := range tbl.All(tx) {
		ks = append(ks, tbl.Key(r))
	}
	return ks
}

// wantResult compares a DeleteResult with the expected per-table counts
// (nil or empty: none).
func wantResult(t *testing.T, res memrel.DeleteResult, deleted, updated map[string]int) {
	t.Helper()
	if !maps.Equal(res.Deleted, deleted) {
		t.Errorf("Deleted = %v, want %v", res.Deleted, deleted)
	}
	if !maps.Equal(res.Updated, updated) {
		t.Errorf("Updated = %v, want %v", res.Updated, updated)
	}
	total := 0
	for _, n := range deleted {
		total += n
	}
	if res.Total() != total {
		t.Errorf("Total() = %d, want %d", res.Total(), total)
	}
}

// asErr extracts the typed error E from err with errors.As.
func asErr[E error](t *testing.T, err error) E {
	t.Helper()
	var target E
	if !errors.As(err, &target) {
		t.Fatalf("error %q (%T) is not a %T", err, err, target)
	}
	return target
}

// isErr checks that err matches sentinel through both imports (the facade
// re-exports store's sentinels).
func isErr(t *testing.T, err error, facade, storeSentinel error) {
	t.Helper()
	if !errors.Is(err, facade) {
		t.Errorf("errors.Is(%q, memrel.%v) = false", err, facade)
	}
	if !errors.Is(err, storeSentinel) {
		t.Errorf("errors.Is(%q, store.%v) = false", err, storeSentinel)
	}
}

// rowsOf formats blocking rows as a sorted list, "A 3 via A.protect".
func rowsOf(rows []memrel.BlockingRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprintf("%s %v via %s", r.Table, r.Key, r.Relation))
	}
	slices.Sort(out)
	return out
}

func row(table string, key any, rel string) string {
	return fmt.Sprintf("%s %v via %s", table, key, rel)
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func wantStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(sorted(got), sorted(want)) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func some(v int64) memrel.Null[int64] { return memrel.Some(v) }

var none = memrel.Null[int64]{}

// ---------------------------------------------------------------------------
// Fixture DEL (tests/delete/models.py), §7.0.
//
// memrel has no multi-table inheritance: RChild is an ordinary table whose
// primary key is a one-to-one r_ptr -> R (Cascade), which gives Django's
// "cascade down" (deleting R deletes the RChild) but not "cascade up"
// (deleting an RChild leaves its R). The scenarios that depend on
// inheritance say so. The M2M table M_m2m is an explicit link table with two
// Cascade keys and a unique pair, which is what Django's auto-created
// through table is. U, RChildChild and the proxy/inheritance-only tables are
// left out.

type pRow struct{ ID int64 }

type rRow struct {
	ID        int64
	IsDefault bool
	P         memrel.Null[int64]
}

type rChildRow struct{ RPtr int64 } // the primary key is the link to R

type sRow struct {
	ID int64
	R  int64
}

type tRow struct {
	ID int64
	S  int64
}

type aRow struct {
	ID              int64
	Name            string
	Auto            int64
	AutoNullable    memrel.Null[int64]
	SetValue        int64
	SetNull         memrel.Null[int64]
	SetDefault      int64
	SetDefaultNone  memrel.Null[int64]
	Cascade         int64
	CascadeNullable memrel.Null[int64]
	Protect         memrel.Null[int64]
	Restrict        memrel.Null[int64]
	DoNothing       memrel.Null[int64]
	Child           int64
	ChildSetNull    memrel.Null[int64]
	CascadeP        memrel.Null[int64]
	O2OSetNull      memrel.Null[int64]
}

type bRow struct {
	ID      int64
	Protect int64
}

type b3Row struct {
	ID       int64
	Restrict int64
}

type mRow struct{ ID int64 }

type mrRow struct {
	ID int64
	M  int64
	R  int64
}

type mrNullRow struct {
	ID int64
	M  int64
	R  memrel.Null[int64]
}

type avatarRow struct {
	ID   int64
	Desc string
}

type userRow struct {
	ID     int64
	Avatar memrel.Null[int64]
}

type hiddenUserRow struct {
	ID int64
	R  int64
}

type hiddenUserProfileRow struct {
	ID   int64
	User int64
}

type baseRow struct{ ID int64 }

type relToBaseRow struct {
	ID   int64
	Base int64
}

// defaultRID is the key of the DEFAULT R row (Django's get_default_r()),
// which A.setdefault's Default names.
const defaultRID int64 = 1

type delFixture struct {
	*env
	P                 *memrel.Table[pRow, int64]
	R                 *memrel.Table[rRow, int64]
	RChild            *memrel.Table[rChildRow, int64]
	S                 *memrel.Table[sRow, int64]
	T                 *memrel.Table[tRow, int64]
	A                 *memrel.Table[aRow, int64]
	B                 *memrel.Table[bRow, int64]
	B3                *memrel.Table[b3Row, int64]
	M                 *memrel.Table[mRow, int64]
	MR                *memrel.Table[mrRow, int64]
	MRNull            *memrel.Table[mrNullRow, int64]
	MM2M              *memrel.Table[mrRow, int64]
	Avatar            *memrel.Table[avatarRow, int64]
	User              *memrel.Table[userRow, int64]
	HiddenUser        *memrel.Table[hiddenUserRow, int64]
	HiddenUserProfile *memrel.Table[hiddenUserProfileRow, int64]
	Base              *memrel.Table[baseRow, int64]
	RelToBase         *memrel.Table[relToBaseRow, int64]

	RChildPtr  *memrel.OneToOneFK[rChildRow, rRow, int64]
	ADoNothing *memrel.FK[aRow, rRow, int64]

	// setCalls counts the calls of A.setvalue's Set function; setFn, when
	// set, replaces its body (get_default_r).
	setCalls int
	setFn    func(tx *memrel.Tx) (int64, error)
}

func newDEL(t *testing.T) *delFixture {
	t.Helper()
	d := &delFixture{
		P:                 memrel.NewTable("P", func(r *pRow) *int64 { return &r.ID }),
		R:                 memrel.NewTable("R", func(r *rRow) *int64 { return &r.ID }),
		RChild:            memrel.NewTable("RChild", func(r *rChildRow) *int64 { return &r.RPtr }),
		S:                 memrel.NewTable("S", func(r *sRow) *int64 { return &r.ID }),
		T:                 memrel.NewTable("T", func(r *tRow) *int64 { return &r.ID }),
		A:                 memrel.NewTable("A", func(r *aRow) *int64 { return &r.ID }),
		B:                 memrel.NewTable("B", func(r *bRow) *int64 { return &r.ID }),
		B3:                memrel.NewTable("B3", func(r *b3Row) *int64 { return &r.ID }),
		M:                 memrel.NewTable("M", func(r *mRow) *int64 { return &r.ID }),
		MR:                memrel.NewTable("MR", func(r *mrRow) *int64 { return &r.ID }),
		MRNull:            memrel.NewTable("MRNull", func(r *mrNullRow) *int64 { return &r.ID }),
		MM2M:              memrel.NewTable("M_m2m", func(r *mrRow) *int64 { return &r.ID }),
		Avatar:            memrel.NewTable("Avatar", func(r *avatarRow) *int64 { return &r.ID }),
		User:              memrel.NewTable("User", func(r *userRow) *int64 { return &r.ID }),
		HiddenUser:        memrel.NewTable("HiddenUser", func(r *hiddenUserRow) *int64 { return &r.ID }),
		HiddenUserProfile: memrel.NewTable("HiddenUserProfile", func(r *hiddenUserProfileRow) *int64 { return &r.ID }),
		Base:              memrel.NewTable("Base", func(r *baseRow) *int64 { return &r.ID }),
		RelToBase:         memrel.NewTable("RelToBase", func(r *relToBaseRow) *int64 { return &r.ID }),
	}
	getDefaultR := func(tx *memrel.Tx) (int64, error) {
		d.setCalls++
		if d.setFn != nil {
			return d.setFn(tx)
		}
		for r := range d.R.All(tx) {
			if r.IsDefault {
				return r.ID, nil
			}
		}
		r, err := d.R.Insert(tx, rRow{IsDefault: true})
		return r.ID, err
	}
	d.RChildPtr = memrel.OneToOne(d.RChild, func(c *rChildRow) *int64 { return &c.RPtr }, d.R, memrel.Cascade)
	d.ADoNothing = memrel.ForeignKey(d.A, func(a *aRow) *memrel.Null[int64] { return &a.DoNothing }, d.R, memrel.DoNothing).Named("donothing").Related("donothing_set")
	A, R := d.A, d.R
	rels := []memrel.Relation{
		memrel.ForeignKey(R, func(r *rRow) *memrel.Null[int64] { return &r.P }, d.P, memrel.Cascade),
		d.RChildPtr,
		memrel.ForeignKey(d.S, func(s *sRow) *int64 { return &s.R }, R, memrel.Cascade),
		memrel.ForeignKey(d.T, func(x *tRow) *int64 { return &x.S }, d.S, memrel.Cascade),

		memrel.ForeignKey(A, func(a *aRow) *int64 { return &a.Auto }, R, memrel.Cascade).Related("auto_set"),
		memrel.ForeignKey(A, func(a *aRow) *memrel.Null[int64] { return &a.AutoNullable }, R, memrel.Cascade).Related("auto_nullable_set"),
		memrel.ForeignKey(A, func(a *aRow) *int64 { return &a.SetValue }, R, memrel.Set).Named("setvalue").SetFunc(getDefaultR).Related("setvalue"),
		memrel.ForeignKey(A, func(a *aRow) *memrel.Null[int64] { return &a.SetNull }, R, memrel.SetNull).Named("setnull").Related("setnull_set"),
		memrel.ForeignKey(A, func(a *aRow) *int64 { return &a.SetDefault }, R, memrel.SetDefault).Named("setdefault").Default(defaultRID).Related("setdefault_set"),
		memrel.ForeignKey(A, func(a *aRow) *memrel.Null[int64] { return &a.SetDefaultNone }, R, memrel.SetDefault).Named("setdefault_none").DefaultNull().Related("setnull_nullable_set"),
		memrel.ForeignKey(A, func(a *aRow) *int64 { return &a.Cascade }, R, memrel.Cascade).Related("cascade_set"),
		memrel.ForeignKey(A, func(a *aRow) *memrel.Null[int64] { return &a.CascadeNullable }, R, memrel.Cascade).Related("cascade_nullable_set"),
		memrel.ForeignKey(A, func(a *aRow) *memrel.Null[int64] { return &a.Protect }, R, memrel.Protect).Related("protect_set"),
		memrel.ForeignKey(A, func(a *aRow) *memrel.Null[int64] { return &a.Restrict }, R, memrel.Restrict).Related("restrict_set"),
		d.ADoNothing,
		memrel.ForeignKey(A, func(a *aRow) *int64 { return &a.Child }, d.RChild, memrel.Cascade).Related("child_set"),
		memrel.ForeignKey(A, func(a *aRow) *memrel.Null[int64] { return &a.ChildSetNull }, d.RChild, memrel.SetNull).Named("child_setnull").Related("child_setnull_set"),
		memrel.ForeignKey(A, func(a *aRow) *memrel.Null[int64] { return &a.CascadeP }, d.P, memrel.Cascade).Related("cascade_p_set"),
		// A plain foreign key despite its name, as in Django's fixture.
		memrel.ForeignKey(A, func(a *aRow) *memrel.Null[int64] { return &a.O2OSetNull }, R, memrel.SetNull).Named("o2o_setnull").Related("o2o_nullable_set"),

		memrel.ForeignKey(d.B, func(b *bRow) *int64 { return &b.Protect }, R, memrel.Protect),
		memrel.ForeignKey(d.B3, func(b *b3Row) *int64 { return &b.Restrict }, R, memrel.Restrict),

		memrel.ForeignKey(d.MR, func(x *mrRow) *int64 { return &x.M }, d.M, memrel.Cascade),
		memrel.ForeignKey(d.MR, func(x *mrRow) *int64 { return &x.R }, R, memrel.Cascade),
		memrel.ForeignKey(d.MRNull, func(x *mrNullRow) *int64 { return &x.M }, d.M, memrel.Cascade),
		memrel.ForeignKey(d.MRNull, func(x *mrNullRow) *memrel.Null[int64] { return &x.R }, R, memrel.SetNull),
		memrel.ForeignKey(d.MM2M, func(x *mrRow) *int64 { return &x.M }, d.M, memrel.Cascade),
		memrel.ForeignKey(d.MM2M, func(x *mrRow) *int64 { return &x.R }, R, memrel.Cascade),

		memrel.ForeignKey(d.User, func(u *userRow) *memrel.Null[int64] { return &u.Avatar }, d.Avatar, memrel.Cascade),
		memrel.ForeignKey(d.HiddenUser, func(h *hiddenUserRow) *int64 { return &h.R }, R, memrel.Cascade),
		memrel.ForeignKey(d.HiddenUserProfile, func(h *hiddenUserProfileRow) *int64 { return &h.User }, d.HiddenUser, memrel.Cascade),
		memrel.ForeignKey(d.RelToBase, func(x *relToBaseRow) *int64 { return &x.Base }, d.Base, memrel.DoNothing).Related("rels"),
	}
	d.env = openEnv(t, memrel.Schema{
		Tables: []memrel.AnyTable{d.P, d.R, d.RChild, d.S, d.T, d.A, d.B, d.B3, d.M, d.MR, d.MRNull, d.MM2M,
			d.Avatar, d.User, d.HiddenUser, d.HiddenUserProfile, d.Base, d.RelToBase},
		Relations: rels,
		Constraints: []memrel.Constraint{
			memrel.UniqueFunc(d.MM2M, "M_m2m_pair", func(x *mrRow) [2]int64 { return [2]int64{x.M, x.R} }),
		},
	})
	return d
}

// createDefault creates the DEFAULT R row, as OnDeleteTests.setUp does.
func (d *delFixture) createDefault() rRow {
	d.t.Helper()
	return ins(d.t, d.tx, d.R, rRow{ID: defaultRID, IsDefault: true})
}

func (d *delFixture) newR() int64 { d.t.Helper(); return ins(d.t, d.tx, d.R, rRow{}).ID }

func (d *delFixture) newRChild() int64 {
	d.t.Helper()
	return ins(d.t, d.tx, d.RChild, rChildRow{RPtr: d.newR()}).RPtr
}

// createA is Django's create_a: a fresh R row for each foreign key of A to
// R, a fresh RChild for child and child_setnull, cascade_p empty, then the A
// row. Every key of A points at a different row.
func (d *delFixture) createA(name string) aRow {
	d.t.Helper()
	return ins(d.t, d.tx, d.A, aRow{
		Name:            name,
		Auto:            d.newR(),
		AutoNullable:    some(d.newR()),
		SetValue:        d.newR(),
		SetNull:         some(d.newR()),
		SetDefault:      d.newR(),
		SetDefaultNone:  some(d.newR()),
		Cascade:         d.newR(),
		CascadeNullable: some(d.newR()),
		Protect:         some(d.newR()),
		Restrict:        some(d.newR()),
		DoNothing:       some(d.newR()),
		O2OSetNull:      some(d.newR()),
		Child:           d.newRChild(),
		ChildSetNull:    some(d.newRChild()),
	})
}

// rKeys lists the R rows a references (the RChild links included).
func (a aRow) rKeys() []int64 {
	return []int64{a.Auto, a.AutoNullable.V, a.SetValue, a.SetNull.V, a.SetDefault, a.SetDefaultNone.V,
		a.Cascade, a.CascadeNullable.V, a.Protect.V, a.Restrict.V, a.DoNothing.V, a.O2OSetNull.V,
		a.Child, a.ChildSetNull.V}
}

// otherRsRemain checks that every R row a referenced, except those in
// deleted, remains.
func (d *delFixture) otherRsRemain(a aRow, deleted ...int64) {
	d.t.Helper()
	for _, k := range a.rKeys() {
		if slices.Contains(deleted, k) {
			continue
		}
		if !d.R.Has(d.tx, k) {
			d.t.Errorf("R %d (referenced by a) was deleted, want it to remain", k)
		}
	}
}

// ---------------------------------------------------------------------------
// 7.1 on_delete basics

// S01 (test_auto, test_cascade): deleting the R row of a Cascade key deletes
// a; the other rows a referenced remain.
func TestS01_Cascade(t *testing.T) {
	for _, field := range []string{"auto", "cascade"} {
		t.Run(field, func(t *testing.T) {
			d := newDEL(t)
			d.createDefault()
			a := d.createA(field)
			rid := a.Auto
			if field == "cascade" {
				rid = a.Cascade
			}
			res := del(t, d.tx, d.R, rid)
			wantResult(t, res, map[string]int{"R": 1, "A": 1}, nil)
			gone(t, d.tx, d.A, a.ID)
			d.otherRsRemain(a, rid)
			if n := d.RChild.Len(d.tx); n != 2 {
				t.Errorf("RChild has %d rows, want the 2 that a referenced", n)
			}
			d.commit()
		})
	}
}

// S02 (test_auto_nullable, test_cascade_nullable): a nullable Cascade key
// still deletes the referencing row.
func TestS02_CascadeNullable(t *testing.T) {
	for _, field := range []string{"auto_nullable", "cascade_nullable"} {
		t.Run(field, func(t *testing.T) {
			d := newDEL(t)
			d.createDefault()
			a := d.createA(field)
			rid := a.AutoNullable.V
			if field == "cascade_nullable" {
				rid = a.CascadeNullable.V
			}
			wantResult(t, del(t, d.tx, d.R, rid), map[string]int{"R": 1, "A": 1}, nil)
			gone(t, d.tx, d.A, a.ID)
			d.otherRsRemain(a, rid)
			d.commit()
		})
	}
}

// S03 (test_setvalue): Set with a function (get_default_r) writes the
// DEFAULT row's key.
func TestS03_SetValue(t *testing.T) {
	d := newDEL(t)
	def := d.createDefault()
	a := d.createA("setvalue")
	res := del(t, d.tx, d.R, a.SetValue)
	wantResult(t, res, map[string]int{"R": 1}, map[string]int{"A": 1})
	if got := get(t, d.tx, d.A, a.ID).SetValue; got != def.ID {
		t.Errorf("a.setvalue = %d, want DEFAULT %d", got, def.ID)
	}
	if d.setCalls != 1 {
		t.Errorf("the Set function was called %d times, want 1", d.setCalls)
	}
	d.otherRsRemain(a, a.SetValue)
	d.commit()
}

// S03, the get_or_create half of get_default_r: the Set function may create
// the DEFAULT row in the delete's transaction, and the delete keeps it.
func TestS03_SetValueFunctionCreatesDefault(t *testing.T) {
	d := newDEL(t)
	a := d.createA("setvalue")
	res := del(t, d.tx, d.R, a.SetValue)
	wantResult(t, res, map[string]int{"R": 1}, map[string]int{"A": 1})
	got := get(t, d.tx, d.A, a.ID).SetValue
	if r := get(t, d.tx, d.R, got); !r.IsDefault {
		t.Errorf("a.setvalue = R %d, which is not the DEFAULT row", got)
	}
	d.commit()
	if !d.R.Has(d.tx, got) {
		t.Errorf("the DEFAULT row created by the Set function was not committed")
	}
}

// S04 (test_setnull): SetNull empties the key; a remains.
func TestS04_SetNull(t *testing.T) {
	d := newDEL(t)
	d.createDefault()
	a := d.createA("setnull")
	wantResult(t, del(t, d.tx, d.R, a.SetNull.V), map[string]int{"R": 1}, map[string]int{"A": 1})
	if got := get(t, d.tx, d.A, a.ID).SetNull; got.Valid {
		t.Errorf("a.setnull = %v, want empty", got)
	}
	d.otherRsRemain(a, a.SetNull.V)
	d.commit()
}

// S05 (test_setdefault): SetDefault writes the Default.
func TestS05_SetDefault(t *testing.T) {
	d := newDEL(t)
	def := d.createDefault()
	a := d.createA("setdefault")
	wantResult(t, del(t, d.tx, d.R, a.SetDefault), map[string]int{"R": 1}, map[string]int{"A": 1})
	if got := get(t, d.tx, d.A, a.ID).SetDefault; got != def.ID {
		t.Errorf("a.setdefault = %d, want DEFAULT %d", got, def.ID)
	}
	d.commit()
}

// S06 (test_setdefault_none): SetDefault with DefaultNull empties the key.
func TestS06_SetDefaultNone(t *testing.T) {
	d := newDEL(t)
	d.createDefault()
	a := d.createA("setdefault_none")
	wantResult(t, del(t, d.tx, d.R, a.SetDefaultNone.V), map[string]int{"R": 1}, map[string]int{"A": 1})
	if got := get(t, d.tx, d.A, a.ID).SetDefaultNone; got.Valid {
		t.Errorf("a.setdefault_none = %v, want empty", got)
	}
	d.commit()
}

// S07 (test_protect): Protect refuses the delete; the error names the table,
// the key, the relation (Django's 'A.protect') and the protecting row, and
// nothing changes.
func TestS07_ProtectDirect(t *testing.T) {
	d := newDEL(t)
	d.createDefault()
	a := d.createA("protect")
	rid := a.Protect.V
	err := d.refuse("delete a.protect's R", func() error { _, err := d.R.Delete(d.tx, rid); return err })

	isErr(t, err, memrel.ErrProtected, store.ErrProtected)
	pe := asErr[*memrel.ProtectedError](t, err)
	if pe != asErr[*relations.ProtectedError](t, err) {
		t.Errorf("memrel.ProtectedError and relations.ProtectedError extract different values")
	}
	if pe.Table != "R" || !slices.Equal(pe.Keys, []any{rid}) {
		t.Errorf("ProtectedError names %s %v, want R [%d]", pe.Table, pe.Keys, rid)
	}
	wantStrings(t, "Relations", pe.Relations, []string{"A.protect"})
	wantStrings(t, "Rows", rowsOf(pe.Rows), []string{row("A", a.ID, "A.protect")})
	want := fmt.Sprintf("memrel: cannot delete R %d: protected by A.protect (A %d)", rid, a.ID)
	if err.Error() != want {
		t.Errorf("message = %q, want %q", err, want)
	}
	if errors.Is(err, memrel.ErrRestricted) || errors.Is(err, memrel.ErrForeignKey) {
		t.Errorf("a ProtectedError matches another sentinel: %v", err)
	}
	get(t, d.tx, d.A, a.ID)
	get(t, d.tx, d.R, rid)
	d.commit()
}

// S08 (test_protect_multiple): Protect from two tables: both relations and
// both rows are reported.
func TestS08_ProtectMultiple(t *testing.T) {
	d := newDEL(t)
	d.createDefault()
	a := d.createA("protect")
	rid := a.Protect.V
	b := ins(t, d.tx, d.B, bRow{Protect: rid})
	err := d.refuse("delete the R row", func() error { _, err := d.R.Delete(d.tx, rid); return err })
	pe := asErr[*memrel.ProtectedError](t, err)
	wantStrings(t, "Relations", pe.Relations, []string{"A.protect", "B.protect"})
	wantStrings(t, "Rows", rowsOf(pe.Rows), []string{row("A", a.ID, "A.protect"), row("B", b.ID, "B.protect")})
	for _, s := range []string{"A.protect", "B.protect"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message %q does not name %s", err, s)
		}
	}
	d.commit()
}

// S09 (test_protect_path): Protect behind a Cascade. The relation reported
// is the first hop from the table being deleted ('R.p'), the rows are the
// leaves (a, through A.protect); p, the R row and a all remain.
func TestS09_ProtectBehindCascade(t *testing.T) {
	d := newDEL(t)
	d.createDefault()
	a := d.createA("protect")
	p := ins(t, d.tx, d.P, pRow{})
	upd(t, d.tx, d.R, a.Protect.V, func(r *rRow) { r.P = some(p.ID) })
	err := d.refuse("delete p", func() error { _, err := d.P.Delete(d.tx, p.ID); return err })
	isErr(t, err, memrel.ErrProtected, store.ErrProtected)
	pe := asErr[*memrel.ProtectedError](t, err)
	if pe.Table != "P" || !slices.Equal(pe.Keys, []any{p.ID}) {
		t.Errorf("ProtectedError names %s %v, want P [%d]", pe.Table, pe.Keys, p.ID)
	}
	wantStrings(t, "Relations", pe.Relations, []string{"R.p"})
	wantStrings(t, "Rows", rowsOf(pe.Rows), []string{row("A", a.ID, "A.protect")})
	get(t, d.tx, d.P, p.ID)
	get(t, d.tx, d.R, a.Protect.V)
	get(t, d.tx, d.A, a.ID)
	d.commit()
}

// S09 variant (§1.3 "All PROTECT violations reachable in the collection are
// gathered"): two protecting rows behind two different first hops.
func TestS09_ProtectGathersEveryPath(t *testing.T) {
	d := newDEL(t)
	d.createDefault()
	a := d.createA("protect")
	p := ins(t, d.tx, d.P, pRow{})
	upd(t, d.tx, d.R, a.Protect.V, func(r *rRow) { r.P = some(p.ID) })
	upd(t, d.tx, d.A, a.ID, func(x *aRow) { x.CascadeP = some(p.ID) }) // a is also cascaded from p
	r2 := ins(t, d.tx, d.R, rRow{P: some(p.ID)})
	b := ins(t, d.tx, d.B, bRow{Protect: r2.ID})
	err := d.refuse("delete p", func() error { _, err := d.P.Delete(d.tx, p.ID); return err })
	pe := asErr[*memrel.ProtectedError](t, err)
	wantStrings(t, "Relations", pe.Relations, []string{"R.p"})
	wantStrings(t, "Rows", rowsOf(pe.Rows), []string{row("A", a.ID, "A.protect"), row("B", b.ID, "B.protect")})
	d.commit()
}

// DESIGN decision 6: PROTECT is raised even when the protecting row is also
// deleted by the same delete through a Cascade.
func TestProtectEvenWhenProtectingRowIsCascaded(t *testing.T) {
	d := newDEL(t)
	d.createDefault()
	a := d.createA("protect")
	rid := a.Auto
	upd(t, d.tx, d.A, a.ID, func(x *aRow) { x.Protect = some(rid) }) // a.auto and a.protect: the same R
	err := d.refuse("delete the R row", func() error { _, err := d.R.Delete(d.tx, rid); return err })
	pe := asErr[*memrel.ProtectedError](t, err)
	wantStrings(t, "Rows", rowsOf(pe.Rows), []string{row("A", a.ID, "A.protect")})

	// The same when the protecting row is reached by another path of the
	// same delete: p cascades to an R row (R.p) and to a (A.cascade_p), and
	// a protects that R row.
	p := ins(t, d.tx, d.P, pRow{})
	r := ins(t, d.tx, d.R, rRow{P: some(p.ID)})
	upd(t, d.tx, d.A, a.ID, func(x *aRow) { x.Protect = some(r.ID); x.CascadeP = some(p.ID) })
	err = d.refuse("delete p", func() error { _, err := d.P.Delete(d.tx, p.ID); return err })
	pe = asErr[*memrel.ProtectedError](t, err)
	wantStrings(t, "Rows", rowsOf(pe.Rows), []string{row("A", a.ID, "A.protect")})
	d.commit()
}

// §1.4: PROTECT takes precedence over RESTRICT.
func TestProtectTakesPrecedenceOverRestrict(t *testing.T) {
	d := newDEL(t)
	d.createDefault()
	a := d.createA("protect")
	rid := a.Protect.V
	ins(t, d.tx, d.B3, b3Row{Restrict: rid})
	err := d.refuse("delete the R row", func() error { _, err := d.R.Delete(d.tx, rid); return err })
	isErr(t, err, memrel.ErrProtected, store.ErrProtected)
	if errors.Is(err, memrel.ErrRestricted) {
		t.Errorf("error %v matches ErrRestricted too", err)
	}
	d.commit()
}

// S10 (test_do_nothing): the delete leaves a alone; re-pointing a.donothing
// to a replacement inside the same transaction lets Commit succeed.
func TestS10_DoNothingRepointedBeforeCommit(t *testing.T) {
	d := newDEL(t)
	d.createDefault()
	a := d.createA("do_nothing")
	replacement := ins(t, d.tx, d.R, rRow{})
	rid := a.DoNothing.V
	res := del(t, d.tx, d.R, rid)
	wantResult(t, res, map[string]int{"R": 1}, nil)
	if got := get(t, d.tx, d.A, a.ID); got != a {
		t.Errorf("the delete changed a: %+v, want %+v", got, a)
	}
	// The Django test's pre_delete hook, done by hand.
	for child := range d.ADoNothing.Children(d.tx, rid) {
		upd(t, d.tx, d.A, child.ID, func(x *aRow) { x.DoNothing = some(replacement.ID) })
	}
	d.commit()
	if got := get(t, d.tx, d.A, a.ID).DoNothing; got != some(replacement.ID) {
		t.Errorf("a.donothing = %v, want the replacement %d", got, replacement.ID)
	}
	gone(t, d.tx, d.R, rid)
}

// S10, the other half (DESIGN decision 7, SQL NO ACTION): if a still points
// at the deleted row at Commit, Commit fails with a ForeignKeyError
// (AtCommit) and the whole transaction is discarded, including a row
// inserted before the delete.
func TestS10_DoNothingDanglingFailsCommit(t *testing.T) {
	d := newDEL(t)
	d.createDefault()
	a := d.createA("do_nothing")
	d.commit()
	committed := d.tx.Dump()

	marker := ins(t, d.tx, d.P, pRow{})
	rid := a.DoNothing.V
	wantResult(t, del(t, d.tx, d.R, rid), map[string]int{"R": 1}, nil)
	err := d.tx.Commit()
	if err == nil {
		t.Fatalf("Commit succeeded with A %d still pointing at the deleted R %d", a.ID, rid)
	}
	isErr(t, err, memrel.ErrForeignKey, store.ErrForeignKey)
	fe := asErr[*memrel.ForeignKeyError](t, err)
	if !fe.AtCommit || fe.Relation != "A.donothing" || fe.Field != "donothing" ||
		fe.Row != (memrel.RowRef{Table: "A", Key: a.ID}) || fe.Parent != (memrel.RowRef{Table: "R", Key: rid}) {
		t.Errorf("ForeignKeyError = %+v, want AtCommit A.donothing from A %d to R %d", *fe, a.ID, rid)
	}
	if !strings.Contains(err.Error(), "at commit") {
		t.Errorf("message %q does not say the error was raised at commit", err)
	}
	// The transaction is closed and discarded.
	if _, err := d.P.Insert(d.tx, pRow{}); !errors.Is(err, memrel.ErrTxClosed) {
		t.Errorf("insert after the failed Commit: %v, want ErrTxClosed", err)
	}
	rtx := d.db.BeginRead()
	if rtx.Dump() != committed {
		t.Errorf("the failed Commit left writes behind:\n%s", lineDiff(committed, rtx.Dump()))
	}
	if d.P.Has(rtx, marker.ID) {
		t.Errorf("P %d, inserted before the failed Commit, is visible", marker.ID)
	}
	if !d.R.Has(rtx, rid) {
		t.Errorf("R %d, deleted in the failed transaction, is gone", rid)
	}
	rtx.Abort()

	// The same through Update: its error is Commit's, and nothing stays.
	err = d.db.Update(func(tx *memrel.Tx) error {
		if _, err := d.P.Insert(tx, pRow{}); err != nil {
			return err
		}
		_, err := d.R.Delete(tx, rid)
		return err
	})
	if fe := asErr[*memrel.ForeignKeyError](t, err); !fe.AtCommit {
		t.Errorf("Update: %+v, want AtCommit", *fe)
	}
	d.tx = d.db.BeginWrite()
	if d.tx.Dump() != committed {
		t.Errorf("the failed Update left writes behind:\n%s", lineDiff(committed, d.tx.Dump()))
	}
}

// S10 variants: deleting the referencing row, or creating a row again with
// the deleted key, before Commit also satisfies the DoNothing relation.
func TestS10_DoNothingResolvedByDeleteOrRecreate(t *testing.T) {
	d := newDEL(t)
	d.createDefault()
	a1 := d.createA("deleted")
	a2 := d.createA("recreated")
	del(t, d.tx, d.R, a1.DoNothing.V)
	del(t, d.tx, d.A, a1.ID)
	del(t, d.tx, d.R, a2.DoNothing.V)
	ins(t, d.tx, d.R, rRow{ID: a2.DoNothing.V})
	d.commit()
	if got := get(t, d.tx, d.A, a2.ID).DoNothing; got != a2.DoNothing {
		t.Errorf("a2.donothing = %v, want %v", got, a2.DoNothing)
	}
}

// S10: a DoNothing row reached behind a Cascade is judged at Commit too.
func TestS10_DoNothingBehindCascadeFailsCommit(t *testing.T) {
	d := newDEL(t)
	d.createDefault()
	a := d.createA("do_nothing")
	p := ins(t, d.tx, d.P, pRow{})
	upd(t, d.tx, d.R, a.DoNothing.V, func(r *rRow) { r.P = some(p.ID) })
	d.commit()
	wantResult(t, del(t, d.tx, d.P, p.ID), map[string]int{"P": 1, "R": 1}, nil)
	err := d.tx.Commit()
	if fe := asErr[*memrel.ForeignKeyError](t, err); !fe.AtCommit || fe.Relation != "A.donothing" {
		t.Errorf("Commit: %+v, want AtCommit A.donothing", *fe)
	}
	d.tx = d.db.BeginWrite()
	get(t, d.tx, d.P, p.ID)
}

// S11 and S34 (test_do_nothing_qscount, test_fast_delete_aggregation): a
// table whose only incoming relation is DoNothing deletes a row nothing
// references; the count is 1 and Commit succeeds.
func TestS11_DoNothingNoChildren(t *testing.T) {
	d := newDEL(t)
	b := ins(t, d.tx, d.Base, baseRow{})
	res := del(t, d.tx, d.Base, b.ID)
	wantResult(t, res, map[string]int{"Base": 1}, nil)
	if res.Total() != 1 {
		t.Errorf("Total = %d, want 1", res.Total())
	}
	d.commit()
	if n := d.Base.Len(d.tx); n != 0 {
		t.Errorf("Base has %d rows, want 0", n)
	}
}

// S12 (test_restrict): Restrict refuses the delete, naming the relation and
// the restricting row; nothing changes.
func TestS12_RestrictDirect(t *testing.T) {
	d := newDEL(t)
	d.createDefault()
	a := d.createA("restrict")
	rid := a.Restrict.V
	err := d.refuse("delete a.restrict's R", func() error { _, err := d.R.Delete(d.tx, rid); return err })
	isErr(t, err, memrel.ErrRestricted, store.ErrRestricted)
	re := asErr[*memrel.RestrictedError](t, err)
	if re != asErr[*relations.RestrictedError](t, err) {
		t.Errorf("memrel.RestrictedError and relations.RestrictedError extract different values")
	}
	if re.Table != "R" || !slices.Equal(re.Keys, []any{rid}) {
		t.Errorf("RestrictedError names %s %v, want R [%d]", re.Table, re.Keys, rid)
	}
	wantStrings(t, "Relations", re.Relations, []string{"A.restrict"})
	wantStrings(t, "Rows", rowsOf(re.Rows), []string{row("A", a.ID, "A.restrict")})
	want := fmt.Sprintf("memrel: cannot delete R %d: restricted by A.restrict (A %d)", rid, a.ID)
	if err.Error() != want {
		t.Errorf("message = %q, want %q", err, want)
	}
	if errors.Is(err, memrel.ErrProtected) {
		t.Errorf("a RestrictedError matches ErrProtected: %v", err)
	}
	d.commit()
}

// S13 (test_restrict_multiple): Restrict from two tables.
func TestS13_RestrictMultiple(t *testing.T) {
	d := newDEL(t)
	d.createDefault()
	a := d.createA("restrict")
	rid := a.Restrict.V
	b3 := ins(t, d.tx, d.B3, b3Row{Restrict: rid})
	err := d.refuse("delete the R row", func() error { _, err := d.R.Delete(d.tx, rid); return err })
	re := asErr[*memrel.RestrictedError](t, err)
	wantStrings(t, "Relations", re.Relations, []string{"A.restrict", "B3.restrict"})
	wantStrings(t, "Rows", rowsOf(re.Rows), []string{row("A", a.ID, "A.restrict"), row("B3", b3.ID, "B3.restrict")})
	d.commit()
}

// S14 (test_restrict_path_cascade_indirect): Restrict behind a Cascade. The
// error names the table deleted ('P') and the leaf relation ('A.restrict'),
// unlike Protect's first hop.
func TestS14_RestrictBehindCascade(t *testing.T) {
	d := newDEL(t)
	d.createDefault()
	a := d.createA("restrict")
	p := ins(t, d.tx, d.P, pRow{})
	upd(t, d.tx, d.R, a.Restrict.V, func(r *rRow) { r.P = some(p.ID) })
	err := d.refuse("delete p", func() error { _, err := d.P.Delete(d.tx, p.ID); return err })
	re := asErr[*memrel.RestrictedError](t, err)
	if re.Table != "P" || !slices.Equal(re.Keys, []any{p.ID}) {
		t.Errorf("RestrictedError names %s %v, want P [%d]", re.Table, re.Keys, p.ID)
	}
	wantStrings(t, "Relations", re.Relations, []string{"A.restrict"})
	wantStrings(t, "Rows", rowsOf(re.Rows), []string{row("A", a.ID, "A.restrict")})
	d.commit()
}

// S15 (test_restrict_path_cascade_direct): the restricting row a is itself
// deleted through a direct Cascade (a.cascade_p), so the delete succeeds.
func TestS15_RestrictReleasedByDirectCascade(t *testing.T) {
	d := newDEL(t)
	d.createDefault()
	a := d.createA("restrict")
	p := ins(t, d.tx, d.P, pRow{})
	rr := upd(t, d.tx, d.R, a.Restrict.V, func(r *rRow) { r.P = some(p.ID) })
	upd(t, d.tx, d.A, a.ID, func(x *aRow) { x.CascadeP = some(p.ID) })
	res := del(t, d.tx, d.P, p.ID)
	wantResult(t, res, map[string]int{"P": 1, "R": 1, "A": 1}, nil)
	gone(t, d.tx, d.A, a.ID)
	gone(t, d.tx, d.R, rr.ID)
	gone(t, d.tx, d.P, p.ID)
	d.otherRsRemain(a, rr.ID)
	d.commit()
}

// §1.4's example (docs/ref/models/fields.txt): Artist; Album(artist ->
// Artist CASCADE); Song(artist -> Artist CASCADE, album -> Album RESTRICT).

type artistRow struct {
	ID   int64
	Name string
}

type albumRow struct {
	ID     int64
	Artist int64
}

type songRow struct {
	ID     int64
	Artist int64
	Album  int64
}

func TestRestrictArtistAlbumSong(t *testing.T) {
	Artist := memrel.NewTable("Artist", func(r *artistRow) *int64 { return &r.ID })
	Album := memrel.NewTable("Album", func(r *albumRow) *int64 { return &r.ID })
	Song := memrel.NewTable("Song", func(r *songRow) *int64 { return &r.ID })
	e := openEnv(t, memrel.Schema{
		Tables: []memrel.AnyTable{Artist, Album, Song},
		Relations: []memrel.Relation{
			memrel.ForeignKey(Album, func(r *albumRow) *int64 { return &r.Artist }, Artist, memrel.Cascade),
			memrel.ForeignKey(Song, func(r *songRow) *int64 { return &r.Artist }, Artist, memrel.Cascade).Related("songs"),
			memrel.ForeignKey(Song, func(r *songRow) *int64 { return &r.Album }, Album, memrel.Restrict),
		},
	})
	tx := e.tx
	one := ins(t, tx, Artist, artistRow{Name: "one"})
	two := ins(t, tx, Artist, artistRow{Name: "two"})
	albumOne := ins(t, tx, Album, albumRow{Artist: one.ID})
	albumTwo := ins(t, tx, Album, albumRow{Artist: two.ID})
	songOne := ins(t, tx, Song, songRow{Artist: one.ID, Album: albumOne.ID})
	songTwo := ins(t, tx, Song, songRow{Artist: one.ID, Album: albumTwo.ID})

	// Deleting an album a song references is refused.
	err := e.refuse("delete album_one", func() error { _, err := Album.Delete(tx, albumOne.ID); return err })
	re := asErr[*memrel.RestrictedError](t, err)
	wantStrings(t, "Relations", re.Relations, []string{"Song.album"})
	wantStrings(t, "Rows", rowsOf(re.Rows), []string{row("Song", songOne.ID, "Song.album")})

	// Deleting artist_two cascades to album_two, which song_two (of
	// artist_one, not deleted) references: refused.
	err = e.refuse("delete artist_two", func() error { _, err := Artist.Delete(tx, two.ID); return err })
	re = asErr[*memrel.RestrictedError](t, err)
	if re.Table != "Artist" {
		t.Errorf("RestrictedError.Table = %s, want Artist", re.Table)
	}
	wantStrings(t, "Relations", re.Relations, []string{"Song.album"})
	wantStrings(t, "Rows", rowsOf(re.Rows), []string{row("Song", songTwo.ID, "Song.album")})

	// Deleting artist_one removes both songs, so album_one may go too.
	res := del(t, tx, Artist, one.ID)
	wantResult(t, res, map[string]int{"Song": 2, "Album": 1, "Artist": 1}, nil)
	if res.Total() != 4 {
		t.Errorf("Total = %d, want 4", res.Total())
	}
	get(t, tx, Artist, two.ID)
	get(t, tx, Album, albumTwo.ID)
	e.commit()
}

// §7.0's restrict diamond (test_restrict_path_cascade_indirect_diamond):
// DeleteTop; B1(delete_top CASCADE); B2(delete_top CASCADE);
// DeleteBottom(b1 -> B1 RESTRICT, b2 -> B2 CASCADE). Deleting b1 alone is
// refused; deleting DeleteTop succeeds because DeleteBottom is also reached
// through B2's cascade, whatever order the branches are visited in.

type topRow struct{ ID int64 }

type midRow struct {
	ID        int64
	DeleteTop int64
}

type bottomRow struct {
	ID int64
	B1 int64
	B2 int64
}

func TestRestrictDiamond(t *testing.T) {
	for _, restrictFirst := range []bool{true, false} {
		t.Run(fmt.Sprintf("restrictFirst=%v", restrictFirst), func(t *testing.T) {
			Top := memrel.NewTable("DeleteTop", func(r *topRow) *int64 { return &r.ID })
			B1 := memrel.NewTable("B1", func(r *midRow) *int64 { return &r.ID })
			B2 := memrel.NewTable("B2", func(r *midRow) *int64 { return &r.ID })
			Bottom := memrel.NewTable("DeleteBottom", func(r *bottomRow) *int64 { return &r.ID })
			b1Top := memrel.ForeignKey(B1, func(r *midRow) *int64 { return &r.DeleteTop }, Top, memrel.Cascade)
			b2Top := memrel.ForeignKey(B2, func(r *midRow) *int64 { return &r.DeleteTop }, Top, memrel.Cascade)
			tables := []memrel.AnyTable{Top, B1, B2, Bottom}
			rels := []memrel.Relation{b1Top, b2Top}
			if !restrictFirst {
				tables = []memrel.AnyTable{Top, B2, B1, Bottom}
				rels = []memrel.Relation{b2Top, b1Top}
			}
			rels = append(rels,
				memrel.ForeignKey(Bottom, func(r *bottomRow) *int64 { return &r.B1 }, B1, memrel.Restrict),
				memrel.ForeignKey(Bottom, func(r *bottomRow) *int64 { return &r.B2 }, B2, memrel.Cascade))
			e := openEnv(t, memrel.Schema{Tables: tables, Relations: rels})
			tx := e.tx
			top := ins(t, tx, Top, topRow{})
			b1 := ins(t, tx, B1, midRow{DeleteTop: top.ID})
			b2 := ins(t, tx, B2, midRow{DeleteTop: top.ID})
			bottom := ins(t, tx, Bottom, bottomRow{B1: b1.ID, B2: b2.ID})

			err := e.refuse("delete b1", func() error { _, err := B1.Delete(tx, b1.ID); return err })
			re := asErr[*memrel.RestrictedError](t, err)
			if re.Table != "B1" {
				t.Errorf("RestrictedError.Table = %s, want B1", re.Table)
			}
			wantStrings(t, "Relations", re.Relations, []string{"DeleteBottom.b1"})
			wantStrings(t, "Rows", rowsOf(re.Rows), []string{row("DeleteBottom", bottom.ID, "DeleteBottom.b1")})

			res := del(t, tx, Top, top.ID)
			wantResult(t, res, map[string]int{"DeleteTop": 1, "B1": 1, "B2": 1, "DeleteBottom": 1}, nil)
			for _, n := range []int{Top.Len(tx), B1.Len(tx), B2.Len(tx), Bottom.Len(tx)} {
				if n != 0 {
					t.Errorf("a table of the diamond still has %d rows", n)
				}
			}
			e.commit()
		})
	}
}

// S17, S18, S19 (inheritance). memrel has no multi-table inheritance;
// RChild stands for Django's child table with a one-to-one r_ptr -> R
// (Cascade) as its primary key. That gives "cascade down" (deleting R
// deletes its RChild and what references the RChild) but not "cascade up":
// in memrel deleting an RChild leaves its R row, where Django deletes the
// parent row too. S17's "up" half is therefore not expressible and not
// tested; the "from child" halves of S18/S19 check the RChild side only.

// S17 down (test_inheritance_cascade_down).
func TestS17_OneToOneCascadeDown(t *testing.T) {
	d := newDEL(t)
	c := d.newRChild()
	wantResult(t, del(t, d.tx, d.R, c), map[string]int{"R": 1, "RChild": 1}, nil)
	gone(t, d.tx, d.RChild, c)
	d.commit()
}

// S18 (test_cascade_from_child, test_cascade_from_parent): a Cascade key to
// RChild deletes a whether the RChild or its R row is deleted.
func TestS18_CascadeToChildTable(t *testing.T) {
	t.Run("from child", func(t *testing.T) {
		d := newDEL(t)
		d.createDefault()
		a := d.createA("child")
		wantResult(t, del(t, d.tx, d.RChild, a.Child), map[string]int{"RChild": 1, "A": 1}, nil)
		gone(t, d.tx, d.A, a.ID)
		get(t, d.tx, d.R, a.Child) // no cascade up in memrel (Django deletes it)
		d.commit()
	})
	t.Run("from parent", func(t *testing.T) {
		d := newDEL(t)
		d.createDefault()
		a := d.createA("child")
		wantResult(t, del(t, d.tx, d.R, a.Child), map[string]int{"R": 1, "RChild": 1, "A": 1}, nil)
		gone(t, d.tx, d.A, a.ID)
		gone(t, d.tx, d.RChild, a.Child)
		d.commit()
	})
}

// S19 (test_setnull_from_child, test_setnull_from_parent): a SetNull key to
// RChild is emptied whether the RChild or its R row is deleted; a remains.
func TestS19_SetNullToChildTable(t *testing.T) {
	t.Run("from child", func(t *testing.T) {
		d := newDEL(t)
		d.createDefault()
		a := d.createA("child_setnull")
		wantResult(t, del(t, d.tx, d.RChild, a.ChildSetNull.V), map[string]int{"RChild": 1}, map[string]int{"A": 1})
		if got := get(t, d.tx, d.A, a.ID).ChildSetNull; got.Valid {
			t.Errorf("a.child_setnull = %v, want empty", got)
		}
		d.commit()
	})
	t.Run("from parent", func(t *testing.T) {
		d := newDEL(t)
		d.createDefault()
		a := d.createA("child_setnull")
		wantResult(t, del(t, d.tx, d.R, a.ChildSetNull.V), map[string]int{"R": 1, "RChild": 1}, map[string]int{"A": 1})
		gone(t, d.tx, d.RChild, a.ChildSetNull.V)
		if got := get(t, d.tx, d.A, a.ID).ChildSetNull; got.Valid {
			t.Errorf("a.child_setnull = %v, want empty", got)
		}
		d.commit()
	})
}

// S20 (test_o2o_setnull): SetNull on A.o2o_setnull (a plain foreign key).
func TestS20_O2OSetNull(t *testing.T) {
	d := newDEL(t)
	d.createDefault()
	a := d.createA("o2o_setnull")
	wantResult(t, del(t, d.tx, d.R, a.O2OSetNull.V), map[string]int{"R": 1}, map[string]int{"A": 1})
	if got := get(t, d.tx, d.A, a.ID).O2OSetNull; got.Valid {
		t.Errorf("a.o2o_setnull = %v, want empty", got)
	}
	d.commit()
}

// ---------------------------------------------------------------------------
// 7.2 Deletion mechanics

// S22 (test_m2m), the blocks that need only foreign keys: MR(m CASCADE, r
// CASCADE), the explicit link table M_m2m (what Django's auto-created
// through table is), and MRNull(m CASCADE, r SET_NULL).
func TestS22_LinkTables(t *testing.T) {
	d := newDEL(t)
	tx := d.tx
	m := ins(t, tx, d.M, mRow{})
	r := d.newR()
	ins(t, tx, d.MR, mrRow{M: m.ID, R: r})
	wantResult(t, del(t, tx, d.R, r), map[string]int{"R": 1, "MR": 1}, nil)
	if d.MR.Len(tx) != 0 || !d.M.Has(tx, m.ID) {
		t.Errorf("block 1: MR has %d rows (want 0), m remains = %v (want true)", d.MR.Len(tx), d.M.Has(tx, m.ID))
	}

	r2 := d.newR()
	ins(t, tx, d.MR, mrRow{M: m.ID, R: r2})
	wantResult(t, del(t, tx, d.M, m.ID), map[string]int{"M": 1, "MR": 1}, nil)
	if d.MR.Len(tx) != 0 || !d.R.Has(tx, r2) {
		t.Errorf("block 2: MR has %d rows (want 0), r2 remains = %v (want true)", d.MR.Len(tx), d.R.Has(tx, r2))
	}

	m = ins(t, tx, d.M, mRow{})
	r3 := d.newR()
	ins(t, tx, d.MM2M, mrRow{M: m.ID, R: r3})
	wantResult(t, del(t, tx, d.R, r3), map[string]int{"R": 1, "M_m2m": 1}, nil)
	r4 := d.newR()
	ins(t, tx, d.MM2M, mrRow{M: m.ID, R: r4})
	wantResult(t, del(t, tx, d.M, m.ID), map[string]int{"M": 1, "M_m2m": 1}, nil)
	if d.MM2M.Len(tx) != 0 || !d.R.Has(tx, r4) {
		t.Errorf("blocks 3-4: M_m2m has %d rows (want 0), r4 remains = %v (want true)", d.MM2M.Len(tx), d.R.Has(tx, r4))
	}

	m2 := ins(t, tx, d.M, mRow{})
	r5 := d.newR()
	link := ins(t, tx, d.MRNull, mrNullRow{M: m2.ID, R: some(r5)})
	wantResult(t, del(t, tx, d.R, r5), map[string]int{"R": 1}, map[string]int{"MRNull": 1})
	if got := get(t, tx, d.MRNull, link.ID); got.R.Valid {
		t.Errorf("block 5: MRNull.r = %v, want empty", got.R)
	}
	d.commit()
}

// S23 (test_instance_update): the SetNull of a delete is persisted; a row
// deleted by cascade is gone from the store. (memrel returns values, so
// Django's "pk becomes None" has no counterpart.)
func TestS23_SetNullPersisted(t *testing.T) {
	d := newDEL(t)
	d.createDefault()
	a := d.createA("update_setnull")
	a2 := d.createA("update_cascade")
	ins(t, d.tx, d.A, aRow{Name: "second setnull", Auto: d.newR(), SetValue: d.newR(), SetDefault: d.newR(),
		Cascade: d.newR(), Child: d.newRChild(), SetNull: a.SetNull})
	res := del(t, d.tx, d.R, a.SetNull.V)
	wantResult(t, res, map[string]int{"R": 1}, map[string]int{"A": 2})
	wantResult(t, del(t, d.tx, d.R, a2.Cascade), map[string]int{"R": 1, "A": 1}, nil)
	d.commit()
	for x := range d.A.All(d.tx) {
		if x.SetNull == a.SetNull {
			t.Errorf("A %d still has setnull = %v after commit", x.ID, x.SetNull)
		}
	}
	gone(t, d.tx, d.A, a2.ID)
}

// S24 (test_deletion_order) without signals, which memrel does not have: a
// cascade through S and T and the RChild deletes each row once.
func TestS24_CascadeChain(t *testing.T) {
	d := newDEL(t)
	r := d.newR()
	s1 := ins(t, d.tx, d.S, sRow{R: r})
	s2 := ins(t, d.tx, d.S, sRow{R: r})
	ins(t, d.tx, d.T, tRow{S: s1.ID})
	ins(t, d.tx, d.T, tRow{S: s2.ID})
	ins(t, d.tx, d.RChild, rChildRow{RPtr: r})
	res := del(t, d.tx, d.R, r)
	wantResult(t, res, map[string]int{"R": 1, "S": 2, "T": 2, "RChild": 1}, nil)
	d.commit()
}

// S26, S31 (test_fast_delete_fk, nullable cascade): deleting the avatar
// deletes the user that references it through a nullable Cascade key.
func TestS31_CascadeThroughNullableKey(t *testing.T) {
	d := newDEL(t)
	av := ins(t, d.tx, d.Avatar, avatarRow{Desc: "a"})
	ins(t, d.tx, d.User, userRow{Avatar: some(av.ID)})
	wantResult(t, del(t, d.tx, d.Avatar, av.ID), map[string]int{"Avatar": 1, "User": 1}, nil)
	if d.User.Len(d.tx) != 0 || d.Avatar.Len(d.tx) != 0 {
		t.Errorf("User has %d rows and Avatar %d, want both empty", d.User.Len(d.tx), d.Avatar.Len(d.tx))
	}
	d.commit()
}

// S27 (test_hidden_related): a relation nobody reads from the parent's side
// still cascades. memrel has no hidden ("+") reverse name (README, "Where
// memrel differs from Django": reverse names only name relations in errors;
// TestOpen_E306_NoHiddenReverseName pins that "+" is refused), so the
// Django fixture's related_name="+" becomes plain reverse names here; what
// S27 checks, that the collector follows every relation into a table
// whatever its reverse name, is the same. Several relations into R from
// different tables, two levels deep.
func TestS27_HiddenReverseRelationsCascade(t *testing.T) {
	R := memrel.NewTable("R", func(r *rRow) *int64 { return &r.ID })
	HiddenUser := memrel.NewTable("HiddenUser", func(r *hiddenUserRow) *int64 { return &r.ID })
	Profile := memrel.NewTable("HiddenUserProfile", func(r *hiddenUserProfileRow) *int64 { return &r.ID })
	Other := memrel.NewTable("OtherHidden", func(r *hiddenUserRow) *int64 { return &r.ID })
	e := openEnv(t, memrel.Schema{
		Tables: []memrel.AnyTable{R, HiddenUser, Profile, Other},
		Relations: []memrel.Relation{
			memrel.ForeignKey(HiddenUser, func(h *hiddenUserRow) *int64 { return &h.R }, R, memrel.Cascade).Related("hidden_1"),
			memrel.ForeignKey(Other, func(h *hiddenUserRow) *int64 { return &h.R }, R, memrel.Cascade).Related("hidden_2"),
			memrel.ForeignKey(Profile, func(h *hiddenUserProfileRow) *int64 { return &h.User }, HiddenUser, memrel.Cascade).Related("hidden_3"),
		},
	})
	r := ins(t, e.tx, R, rRow{})
	h := ins(t, e.tx, HiddenUser, hiddenUserRow{R: r.ID})
	ins(t, e.tx, Profile, hiddenUserProfileRow{User: h.ID})
	ins(t, e.tx, Other, hiddenUserRow{R: r.ID})
	wantResult(t, del(t, e.tx, R, r.ID), map[string]int{"R": 1, "HiddenUser": 1, "HiddenUserProfile": 1, "OtherHidden": 1}, nil)
	for _, n := range []int{HiddenUser.Len(e.tx), Profile.Len(e.tx), Other.Len(e.tx)} {
		if n != 0 {
			t.Errorf("a table behind R still has %d rows, want 0", n)
		}
	}
	e.commit()
}

// S29 (test_queryset_delete_returns_num_rows): the counts of a delete of
// several keys, and per table of a cascade.
func TestS29_DeleteCounts(t *testing.T) {
	d := newDEL(t)
	for range 3 {
		ins(t, d.tx, d.Avatar, avatarRow{})
	}
	res := del(t, d.tx, d.Avatar, keysOf(d.tx, d.Avatar)...)
	wantResult(t, res, map[string]int{"Avatar": 3}, nil)

	r := d.newR()
	h1 := ins(t, d.tx, d.HiddenUser, hiddenUserRow{R: r})
	ins(t, d.tx, d.HiddenUser, hiddenUserRow{R: r})
	ins(t, d.tx, d.HiddenUserProfile, hiddenUserProfileRow{User: h1.ID})
	res = del(t, d.tx, d.R, keysOf(d.tx, d.R)...)
	wantResult(t, res, map[string]int{"R": 1, "HiddenUser": 2, "HiddenUserProfile": 1}, nil)
	d.commit()
}

// S30 (test_model_delete_returns_num_rows): link-table rows are counted; the
// rows at the other end of the links remain.
func TestS30_DeleteCountsWithLinkRows(t *testing.T) {
	d := newDEL(t)
	tx := d.tx
	r := d.newR()
	h1 := ins(t, tx, d.HiddenUser, hiddenUserRow{R: r})
	h2 := ins(t, tx, d.HiddenUser, hiddenUserRow{R: r})
	ins(t, tx, d.HiddenUser, hiddenUserRow{R: r})
	ins(t, tx, d.HiddenUserProfile, hiddenUserProfileRow{User: h1.ID})
	ins(t, tx, d.HiddenUserProfile, hiddenUserProfileRow{User: h2.ID})
	m1 := ins(t, tx, d.M, mRow{})
	m2 := ins(t, tx, d.M, mRow{})
	ins(t, tx, d.MR, mrRow{M: m1.ID, R: r})
	ins(t, tx, d.MM2M, mrRow{M: m1.ID, R: r})
	ins(t, tx, d.MM2M, mrRow{M: m2.ID, R: r})
	res := del(t, tx, d.R, r)
	wantResult(t, res, map[string]int{"R": 1, "HiddenUser": 3, "HiddenUserProfile": 2, "MR": 1, "M_m2m": 2}, nil)
	if res.Total() != 9 {
		t.Errorf("Total = %d, want 9", res.Total())
	}
	get(t, tx, d.M, m1.ID)
	get(t, tx, d.M, m2.ID)
	d.commit()
}

// S33 (test_fast_delete_empty_result_set): a delete of no keys does nothing
// and returns a zero result.
func TestS33_EmptyDelete(t *testing.T) {
	d := newDEL(t)
	d.createDefault()
	d.createA("empty")
	before := d.tx.Dump()
	res, err := d.R.Delete(d.tx)
	if err != nil {
		t.Fatalf("Delete with no keys: %v", err)
	}
	wantResult(t, res, nil, nil)
	if len(res.Deleted) != 0 || len(res.Updated) != 0 || res.Total() != 0 {
		t.Errorf("Delete with no keys = %+v, want the zero result", res)
	}
	if d.tx.Dump() != before {
		t.Errorf("Delete with no keys changed the state")
	}
	d.commit()
}

// S35 (test_pk_none) and DESIGN decision 6: deleting a missing key fails
// with ErrNotFound; deleting several keys where one is missing deletes
// nothing.
func TestS35_DeleteMissingKeyDeletesNothing(t *testing.T) {
	d := newDEL(t)
	d.createDefault()
	a := d.createA("a")
	missing := int64(999)
	err := d.refuse("delete a missing R", func() error { _, err := d.R.Delete(d.tx, missing); return err })
	isErr(t, err, memrel.ErrNotFound, store.ErrNotFound)
	ke := asErr[*memrel.KeyError](t, err)
	if ke.Table != "R" || ke.Key != missing {
		t.Errorf("KeyError names %s %v, want R %d", ke.Table, ke.Key, missing)
	}
	err = d.refuse("delete several R keys, one missing", func() error {
		_, err := d.R.Delete(d.tx, a.Auto, a.Cascade, missing, a.SetNull.V)
		return err
	})
	isErr(t, err, memrel.ErrNotFound, store.ErrNotFound)
	get(t, d.tx, d.A, a.ID)
	d.commit()
}

// Deleting the same key twice in one call deletes it once.
func TestDeleteDuplicateKeys(t *testing.T) {
	d := newDEL(t)
	r := d.newR()
	wantResult(t, del(t, d.tx, d.R, r, r), map[string]int{"R": 1}, nil)
	d.commit()
}

// ---------------------------------------------------------------------------
// 7.3 Regression cases

// S37 (test_fk_to_m2m_through): a cascade through a custom link table to a
// row that references the link row.

type childRow struct{ ID int64 }

type toyRow struct {
	ID   int64
	Name string
}

type playedWithRow struct {
	ID    int64
	Child int64
	Toy   int64
}

type playedWithNoteRow struct {
	ID     int64
	Played int64
}

func TestS37_CascadeThroughLinkTable(t *testing.T) {
	Child := memrel.NewTable("Child", func(r *childRow) *int64 { return &r.ID })
	Toy := memrel.NewTable("Toy", func(r *toyRow) *int64 { return &r.ID })
	Played := memrel.NewTable("PlayedWith", func(r *playedWithRow) *int64 { return &r.ID })
	Note := memrel.NewTable("PlayedWithNote", func(r *playedWithNoteRow) *int64 { return &r.ID })
	e := openEnv(t, memrel.Schema{
		Tables: []memrel.AnyTable{Child, Toy, Played, Note},
		Relations: []memrel.Relation{
			memrel.ForeignKey(Played, func(r *playedWithRow) *int64 { return &r.Child }, Child, memrel.Cascade),
			memrel.ForeignKey(Played, func(r *playedWithRow) *int64 { return &r.Toy }, Toy, memrel.Cascade),
			memrel.ForeignKey(Note, func(r *playedWithNoteRow) *int64 { return &r.Played }, Played, memrel.Cascade),
		},
	})
	c := ins(t, e.tx, Child, childRow{})
	toy := ins(t, e.tx, Toy, toyRow{Name: "toy"})
	pw := ins(t, e.tx, Played, playedWithRow{Child: c.ID, Toy: toy.ID})
	ins(t, e.tx, Note, playedWithNoteRow{Played: pw.ID})
	wantResult(t, del(t, e.tx, Toy, toy.ID), map[string]int{"Toy": 1, "PlayedWith": 1, "PlayedWithNote": 1}, nil)
	get(t, e.tx, Child, c.ID)
	e.commit()
}

// S39 (test_set_querycount), adapted: Set to a constant and SetNull on two
// keys of the same row to the same deleted parent. Django's location_value
// has db_constraint=False and dangles at 42; memrel enforces every foreign
// key, so the constant names an existing location.

type locationRow struct{ ID int64 }

type itemRow struct {
	ID            int64
	Location      memrel.Null[int64]
	LocationValue memrel.Null[int64]
}

func TestS39_SetConstantAndSetNullOnOneRow(t *testing.T) {
	Location := memrel.NewTable("Location", func(r *locationRow) *int64 { return &r.ID })
	Item := memrel.NewTable("Item", func(r *itemRow) *int64 { return &r.ID })
	const fallback = 42
	e := openEnv(t, memrel.Schema{
		Tables: []memrel.AnyTable{Location, Item},
		Relations: []memrel.Relation{
			memrel.ForeignKey(Item, func(r *itemRow) *memrel.Null[int64] { return &r.Location }, Location, memrel.SetNull),
			memrel.ForeignKey(Item, func(r *itemRow) *memrel.Null[int64] { return &r.LocationValue }, Location, memrel.Set).
				SetTo(fallback).Related("location_value_set"),
		},
	})
	ins(t, e.tx, Location, locationRow{ID: fallback})
	loc := ins(t, e.tx, Location, locationRow{})
	item := ins(t, e.tx, Item, itemRow{Location: some(loc.ID), LocationValue: some(loc.ID)})
	wantResult(t, del(t, e.tx, Location, loc.ID), map[string]int{"Location": 1}, map[string]int{"Item": 1})
	got := get(t, e.tx, Item, item.ID)
	if got.Location.Valid || got.LocationValue != some(fallback) {
		t.Errorf("item = %+v, want location empty and location_value %d", got, fallback)
	}
	e.commit()
}

// S41 (test_to_field), adapted: memrel keys reference primary keys only, so
// the "unique name" is Food's (string) primary key.

type foodRow struct{ Name string }

type eatenRow struct {
	ID   int64
	Food string
	Meal string
}

func TestS41_CascadeOnStringKey(t *testing.T) {
	Food := memrel.NewTable("Food", func(r *foodRow) *string { return &r.Name })
	Eaten := memrel.NewTable("Eaten", func(r *eatenRow) *int64 { return &r.ID })
	e := openEnv(t, memrel.Schema{
		Tables:    []memrel.AnyTable{Food, Eaten},
		Relations: []memrel.Relation{memrel.ForeignKey(Eaten, func(r *eatenRow) *string { return &r.Food }, Food, memrel.Cascade)},
	})
	ins(t, e.tx, Food, foodRow{Name: "apple"})
	ins(t, e.tx, Eaten, eatenRow{Food: "apple", Meal: "lunch"})
	wantResult(t, del(t, e.tx, Food, "apple"), map[string]int{"Food": 1, "Eaten": 1}, nil)
	if Food.Len(e.tx) != 0 || Eaten.Len(e.tx) != 0 {
		t.Errorf("Food has %d rows and Eaten %d, want both empty", Food.Len(e.tx), Eaten.Len(e.tx))
	}
	e.commit()
}

// S43 (SetCallableCollectorDefaultTests.test_set): the Set function is not
// called when no row references the deleted rows. memrel's SetDefault takes
// a value, not a function; here it names a toy that does not exist, which
// must not matter either since no row references the deleted toys.

type collectorRow struct {
	ID       int64
	BestToy  memrel.Null[int64]
	WorstToy memrel.Null[int64]
}

func newToys(t *testing.T, calls *int) (*env, *memrel.Table[toyRow, int64], *memrel.Table[collectorRow, int64]) {
	Toy := memrel.NewTable("Toy", func(r *toyRow) *int64 { return &r.ID })
	Collector := memrel.NewTable("Collector", func(r *collectorRow) *int64 { return &r.ID })
	getWorstToy := func(tx *memrel.Tx) (int64, error) {
		*calls++
		toy, err := Toy.Insert(tx, toyRow{Name: "worst"})
		return toy.ID, err
	}
	e := openEnv(t, memrel.Schema{
		Tables: []memrel.AnyTable{Toy, Collector},
		Relations: []memrel.Relation{
			memrel.ForeignKey(Collector, func(r *collectorRow) *memrel.Null[int64] { return &r.BestToy }, Toy, memrel.SetDefault).
				Default(999).Related("best_of"),
			memrel.ForeignKey(Collector, func(r *collectorRow) *memrel.Null[int64] { return &r.WorstToy }, Toy, memrel.Set).
				SetFunc(getWorstToy).Related("worst_of"),
		},
	})
	return e, Toy, Collector
}

func TestS43_SetFunctionNotCalledWithoutReferences(t *testing.T) {
	calls := 0
	e, Toy, _ := newToys(t, &calls)
	ins(t, e.tx, Toy, toyRow{Name: "test"})
	wantResult(t, del(t, e.tx, Toy, keysOf(e.tx, Toy)...), map[string]int{"Toy": 1}, nil)
	if calls != 0 {
		t.Errorf("the Set function was called %d times, want 0", calls)
	}
	if n := Toy.Len(e.tx); n != 0 {
		t.Errorf("Toy has %d rows, want 0 (no function created a toy)", n)
	}
	e.commit()
}

// S43's complement: with a referencing row the function is called, once.
func TestS43_SetFunctionCalledOnceWithReferences(t *testing.T) {
	calls := 0
	e, Toy, Collector := newToys(t, &calls)
	t1 := ins(t, e.tx, Toy, toyRow{Name: "one"})
	c1 := ins(t, e.tx, Collector, collectorRow{WorstToy: some(t1.ID)})
	c2 := ins(t, e.tx, Collector, collectorRow{WorstToy: some(t1.ID)})
	wantResult(t, del(t, e.tx, Toy, t1.ID), map[string]int{"Toy": 1}, map[string]int{"Collector": 2})
	if calls != 1 {
		t.Errorf("the Set function was called %d times, want 1", calls)
	}
	w1, w2 := get(t, e.tx, Collector, c1.ID).WorstToy, get(t, e.tx, Collector, c2.ID).WorstToy
	if !w1.Valid || w1 != w2 || get(t, e.tx, Toy, w1.V).Name != "worst" {
		t.Errorf("worst_toy = %v and %v, want both the toy the function created", w1, w2)
	}
	e.commit()
}

// ---------------------------------------------------------------------------
// 7.4 Many-to-one (tests/many_to_one, many_to_one_null)

type reporterRow struct {
	ID   int64
	Name string
}

type articleRow struct {
	ID       int64
	Headline string
	Reporter int64
}

type nullArticleRow struct {
	ID       int64
	Headline string
	Reporter memrel.Null[int64]
}

type m2oFixture struct {
	*env
	Reporter    *memrel.Table[reporterRow, int64]
	Article     *memrel.Table[articleRow, int64]
	NullArticle *memrel.Table[nullArticleRow, int64]
	Articles    *memrel.FK[articleRow, reporterRow, int64]
	NullArts    *memrel.FK[nullArticleRow, reporterRow, int64]
}

func newM2O(t *testing.T) *m2oFixture {
	f := &m2oFixture{
		Reporter:    memrel.NewTable("Reporter", func(r *reporterRow) *int64 { return &r.ID }),
		Article:     memrel.NewTable("Article", func(r *articleRow) *int64 { return &r.ID }),
		NullArticle: memrel.NewTable("NullArticle", func(r *nullArticleRow) *int64 { return &r.ID }),
	}
	f.Articles = memrel.ForeignKey(f.Article, func(r *articleRow) *int64 { return &r.Reporter }, f.Reporter, memrel.Cascade).Related("articles")
	f.NullArts = memrel.ForeignKey(f.NullArticle, func(r *nullArticleRow) *memrel.Null[int64] { return &r.Reporter }, f.Reporter, memrel.SetNull).Related("null_articles")
	f.env = openEnv(t, memrel.Schema{
		Tables:    []memrel.AnyTable{f.Reporter, f.Article, f.NullArticle},
		Relations: []memrel.Relation{f.Articles, f.NullArts},
	})
	return f
}

func headlines[Row any](seq func(func(Row) bool), headline func(Row) string) []string {
	var out []string
	for r := range seq {
		out = append(out, headline(r))
	}
	return out
}

// S45 (many_to_one.test_delete): deleting a reporter deletes only its
// articles; deleting the other then empties both tables.
func TestS45_ManyToOneCascadeDelete(t *testing.T) {
	f := newM2O(t)
	r := ins(t, f.tx, f.Reporter, reporterRow{Name: "John"})
	r2 := ins(t, f.tx, f.Reporter, reporterRow{Name: "Paul"})
	for _, h := range []string{"This is a test", "John's second story", "This is a third", "Fourth"} {
		ins(t, f.tx, f.Article, articleRow{Headline: h, Reporter: r.ID})
	}
	ins(t, f.tx, f.Article, articleRow{Headline: "Paul's story", Reporter: r2.ID})
	wantResult(t, del(t, f.tx, f.Reporter, r2.ID), map[string]int{"Reporter": 1, "Article": 1}, nil)
	if n := f.Articles.Count(f.tx, r.ID); n != 4 || f.Article.Len(f.tx) != 4 {
		t.Errorf("r has %d articles of %d, want 4 of 4", n, f.Article.Len(f.tx))
	}
	wantResult(t, del(t, f.tx, f.Reporter, r.ID), map[string]int{"Reporter": 1, "Article": 4}, nil)
	if f.Reporter.Len(f.tx) != 0 || f.Article.Len(f.tx) != 0 {
		t.Errorf("Reporter has %d rows and Article %d, want both empty", f.Reporter.Len(f.tx), f.Article.Len(f.tx))
	}
	f.commit()
}

// S46 and S47 (test_add, test_set), what applies without related managers:
// re-pointing an article moves it between the reporters' children; pointing
// it (or a new article) at a missing reporter is refused with a
// ForeignKeyError and changes nothing.
func TestS46_ManyToOneMoveAndMissingParent(t *testing.T) {
	f := newM2O(t)
	r := ins(t, f.tx, f.Reporter, reporterRow{Name: "John"})
	r2 := ins(t, f.tx, f.Reporter, reporterRow{Name: "Paul"})
	a := ins(t, f.tx, f.Article, articleRow{Headline: "a", Reporter: r.ID})
	n1 := ins(t, f.tx, f.Article, articleRow{Headline: "n1", Reporter: r.ID})
	upd(t, f.tx, f.Article, n1.ID, func(x *articleRow) { x.Reporter = r2.ID })
	title := func(x articleRow) string { return x.Headline }
	wantStrings(t, "r's articles", headlines(f.Articles.Children(f.tx, r.ID), title), []string{"a"})
	wantStrings(t, "r2's articles", headlines(f.Articles.Children(f.tx, r2.ID), title), []string{"n1"})

	err := f.refuse("point a at a missing reporter", func() error {
		_, err := f.Article.Modify(f.tx, a.ID, func(x *articleRow) error { x.Reporter = 999; return nil })
		return err
	})
	isErr(t, err, memrel.ErrForeignKey, store.ErrForeignKey)
	fe := asErr[*memrel.ForeignKeyError](t, err)
	if fe.AtCommit || fe.Relation != "Article.reporter" || fe.Parent != (memrel.RowRef{Table: "Reporter", Key: int64(999)}) {
		t.Errorf("ForeignKeyError = %+v, want Article.reporter to Reporter 999", *fe)
	}
	err = f.refuse("insert an article of a missing reporter", func() error {
		_, err := f.Article.Insert(f.tx, articleRow{Headline: "orphan", Reporter: 999})
		return err
	})
	isErr(t, err, memrel.ErrForeignKey, store.ErrForeignKey)
	f.commit()
}

// S49, S51 (many_to_one_null): on a nullable SetNull key, emptying the key
// keeps the row (it becomes an orphan), and deleting the reporter empties
// the key of every article it had.
func TestS49_NullableManyToOne(t *testing.T) {
	f := newM2O(t)
	r := ins(t, f.tx, f.Reporter, reporterRow{Name: "John"})
	a := ins(t, f.tx, f.NullArticle, nullArticleRow{Headline: "First", Reporter: some(r.ID)})
	a2 := ins(t, f.tx, f.NullArticle, nullArticleRow{Headline: "Second", Reporter: some(r.ID)})
	a3 := ins(t, f.tx, f.NullArticle, nullArticleRow{Headline: "Third"})
	title := func(x nullArticleRow) string { return x.Headline }
	wantStrings(t, "orphans", headlines(f.NullArts.Orphans(f.tx), title), []string{"Third"})
	upd(t, f.tx, f.NullArticle, a3.ID, func(x *nullArticleRow) { x.Reporter = some(r.ID) })
	wantStrings(t, "r's articles", headlines(f.NullArts.Children(f.tx, r.ID), title), []string{"First", "Second", "Third"})
	upd(t, f.tx, f.NullArticle, a3.ID, func(x *nullArticleRow) { x.Reporter = none })
	wantStrings(t, "r's articles", headlines(f.NullArts.Children(f.tx, r.ID), title), []string{"First", "Second"})
	wantResult(t, del(t, f.tx, f.Reporter, r.ID), map[string]int{"Reporter": 1}, map[string]int{"NullArticle": 2})
	wantStrings(t, "orphans", headlines(f.NullArts.Orphans(f.tx), title), []string{"First", "Second", "Third"})
	get(t, f.tx, f.NullArticle, a.ID)
	get(t, f.tx, f.NullArticle, a2.ID)
	f.commit()
}

// ---------------------------------------------------------------------------
// 7.5 One-to-one (tests/one_to_one)

type placeRow struct {
	ID   int64
	Name string
}

type restaurantRow struct{ Place int64 } // the primary key is the link

type barRow struct {
	ID    int64
	Place int64
}

type undergroundBarRow struct {
	ID    int64
	Place memrel.Null[int64]
}

type waiterRow struct {
	ID         int64
	Restaurant int64
}

type manualPKRow struct{ ID string }

type multiModelRow struct {
	ID    int64
	Link1 int64
	Link2 string
}

type targetRow struct {
	ID   int64
	Name string
}

type pointerRow struct{ Other int64 }

type o2oFixture struct {
	*env
	Place          *memrel.Table[placeRow, int64]
	Restaurant     *memrel.Table[restaurantRow, int64]
	Bar            *memrel.Table[barRow, int64]
	UndergroundBar *memrel.Table[undergroundBarRow, int64]
	Waiter         *memrel.Table[waiterRow, int64]
	ManualPK       *memrel.Table[manualPKRow, string]
	MultiModel     *memrel.Table[multiModelRow, int64]
	Target         *memrel.Table[targetRow, int64]
	Pointer        *memrel.Table[pointerRow, int64]

	RestaurantPlace *memrel.OneToOneFK[restaurantRow, placeRow, int64]
	BarPlace        *memrel.OneToOneFK[barRow, placeRow, int64]
	UBarPlace       *memrel.OneToOneFK[undergroundBarRow, placeRow, int64]

	p1, p2 placeRow
	r1     restaurantRow
	b1     barRow
}

// newO2O builds one_to_one's fixture with rows p1, p2, r1(p1), b1(p1).
func newO2O(t *testing.T) *o2oFixture {
	f := &o2oFixture{
		Place:          memrel.NewTable("Place", func(r *placeRow) *int64 { return &r.ID }),
		Restaurant:     memrel.NewTable("Restaurant", func(r *restaurantRow) *int64 { return &r.Place }),
		Bar:            memrel.NewTable("Bar", func(r *barRow) *int64 { return &r.ID }),
		UndergroundBar: memrel.NewTable("UndergroundBar", func(r *undergroundBarRow) *int64 { return &r.ID }),
		Waiter:         memrel.NewTable("Waiter", func(r *waiterRow) *int64 { return &r.ID }),
		ManualPK:       memrel.NewTable("ManualPrimaryKey", func(r *manualPKRow) *string { return &r.ID }),
		MultiModel:     memrel.NewTable("MultiModel", func(r *multiModelRow) *int64 { return &r.ID }),
		Target:         memrel.NewTable("Target", func(r *targetRow) *int64 { return &r.ID }),
		Pointer:        memrel.NewTable("Pointer", func(r *pointerRow) *int64 { return &r.Other }),
	}
	f.RestaurantPlace = memrel.OneToOne(f.Restaurant, func(r *restaurantRow) *int64 { return &r.Place }, f.Place, memrel.Cascade)
	f.BarPlace = memrel.OneToOne(f.Bar, func(r *barRow) *int64 { return &r.Place }, f.Place, memrel.Cascade)
	f.UBarPlace = memrel.OneToOne(f.UndergroundBar, func(r *undergroundBarRow) *memrel.Null[int64] { return &r.Place }, f.Place, memrel.SetNull)
	f.env = openEnv(t, memrel.Schema{
		Tables: []memrel.AnyTable{f.Place, f.Restaurant, f.Bar, f.UndergroundBar, f.Waiter, f.ManualPK, f.MultiModel, f.Target, f.Pointer},
		Relations: []memrel.Relation{
			f.RestaurantPlace, f.BarPlace, f.UBarPlace,
			memrel.ForeignKey(f.Waiter, func(r *waiterRow) *int64 { return &r.Restaurant }, f.Restaurant, memrel.Cascade),
			memrel.OneToOne(f.MultiModel, func(r *multiModelRow) *int64 { return &r.Link1 }, f.Place, memrel.Cascade),
			memrel.OneToOne(f.MultiModel, func(r *multiModelRow) *string { return &r.Link2 }, f.ManualPK, memrel.Cascade),
			memrel.OneToOne(f.Pointer, func(r *pointerRow) *int64 { return &r.Other }, f.Target, memrel.Cascade),
		},
	})
	f.p1 = ins(t, f.tx, f.Place, placeRow{Name: "Demon Dogs"})
	f.p2 = ins(t, f.tx, f.Place, placeRow{Name: "Ace Hardware"})
	f.r1 = ins(t, f.tx, f.Restaurant, restaurantRow{Place: f.p1.ID})
	f.b1 = ins(t, f.tx, f.Bar, barRow{Place: f.p1.ID})
	return f
}

// S52 (test_getter): the reverse accessor reports false when no row
// references the place, and the row when one does.
func TestS52_OneToOneReverseAccessor(t *testing.T) {
	f := newO2O(t)
	if r, ok := f.RestaurantPlace.Child(f.tx, f.p2.ID); ok {
		t.Errorf("p2.restaurant = %+v, want none", r)
	}
	if r, ok := f.RestaurantPlace.Child(f.tx, f.p1.ID); !ok || r != f.r1 {
		t.Errorf("p1.restaurant = %+v, %v, want r1", r, ok)
	}
	if p, ok := f.RestaurantPlace.Parent(f.tx, f.r1); !ok || p != f.p1 {
		t.Errorf("r1.place = %+v, %v, want p1", p, ok)
	}
	f.commit()
}

// S53 (test_multiple_o2o): a second row for the same target is refused with
// a UniqueError naming the one-to-one relation; nothing changes.
func TestS53_OneToOneIsUnique(t *testing.T) {
	f := newO2O(t)
	o1 := ins(t, f.tx, f.ManualPK, manualPKRow{ID: "o1"})
	x1 := ins(t, f.tx, f.MultiModel, multiModelRow{Link1: f.p1.ID, Link2: o1.ID})
	err := f.refuse("insert MultiModel(p2, o1)", func() error {
		_, err := f.MultiModel.Insert(f.tx, multiModelRow{Link1: f.p2.ID, Link2: o1.ID})
		return err
	})
	isErr(t, err, memrel.ErrUnique, store.ErrUnique)
	ue := asErr[*memrel.UniqueError](t, err)
	if ue != asErr[*relations.UniqueError](t, err) {
		t.Errorf("memrel.UniqueError and relations.UniqueError extract different values")
	}
	if ue.Constraint != "MultiModel.link2" || ue.Table != "MultiModel" || ue.Value != "o1" ||
		ue.Conflict != (memrel.RowRef{Table: "MultiModel", Key: x1.ID}) {
		t.Errorf("UniqueError = %+v, want MultiModel.link2 value o1 conflicting with MultiModel %d", *ue, x1.ID)
	}

	// A second bar for p1, by insert and by update.
	err = f.refuse("insert a second bar for p1", func() error {
		_, err := f.Bar.Insert(f.tx, barRow{Place: f.p1.ID})
		return err
	})
	ue = asErr[*memrel.UniqueError](t, err)
	if ue.Constraint != "Bar.place" || ue.Conflict != (memrel.RowRef{Table: "Bar", Key: f.b1.ID}) || ue.Value != f.p1.ID {
		t.Errorf("UniqueError = %+v, want Bar.place value %d conflicting with Bar %d", *ue, f.p1.ID, f.b1.ID)
	}
	b2 := ins(t, f.tx, f.Bar, barRow{Place: f.p2.ID})
	err = f.refuse("move bar 2 to p1", func() error {
		_, err := f.Bar.Modify(f.tx, b2.ID, func(b *barRow) error { b.Place = f.p1.ID; return nil })
		return err
	})
	isErr(t, err, memrel.ErrUnique, store.ErrUnique)
	f.commit()
}

// S54 (test_foreign_key): deleting the referencing side of a one-to-one
// deletes what references it (the waiter) and leaves the target (the place).
func TestS54_DeleteReferencingSideKeepsTarget(t *testing.T) {
	f := newO2O(t)
	ins(t, f.tx, f.Waiter, waiterRow{Restaurant: f.r1.Place})
	wantResult(t, del(t, f.tx, f.Restaurant, f.r1.Place), map[string]int{"Restaurant": 1, "Waiter": 1}, nil)
	if n := f.Waiter.Len(f.tx); n != 0 {
		t.Errorf("Waiter has %d rows, want 0", n)
	}
	get(t, f.tx, f.Place, f.p1.ID)
	get(t, f.tx, f.Bar, f.b1.ID)
	f.commit()
}

// S55 (test_reverse_relationship_cache_cascade): an underground bar detached
// from p1 stays when p1 goes; p1's restaurant and bar are cascaded.
func TestS55_DetachedOneToOneSurvivesTargetDelete(t *testing.T) {
	f := newO2O(t)
	ub := ins(t, f.tx, f.UndergroundBar, undergroundBarRow{Place: some(f.p1.ID)})
	upd(t, f.tx, f.UndergroundBar, ub.ID, func(x *undergroundBarRow) { x.Place = none })
	wantResult(t, del(t, f.tx, f.Place, f.p1.ID), map[string]int{"Place": 1, "Restaurant": 1, "Bar": 1}, nil)
	wantStrings(t, "places", headlines(f.Place.All(f.tx), func(p placeRow) string { return p.Name }), []string{f.p2.Name})
	if n := f.UndergroundBar.Len(f.tx); n != 1 {
		t.Errorf("UndergroundBar has %d rows, want 1", n)
	}
	f.commit()
}

// S56 (test_nullable_o2o_delete) and O5: a nullable one-to-one with SetNull
// is emptied when its target goes; the row remains.
func TestS56_NullableOneToOneSetNull(t *testing.T) {
	f := newO2O(t)
	ub := ins(t, f.tx, f.UndergroundBar, undergroundBarRow{Place: some(f.p1.ID)})
	wantResult(t, del(t, f.tx, f.Place, f.p1.ID), map[string]int{"Place": 1, "Restaurant": 1, "Bar": 1}, map[string]int{"UndergroundBar": 1})
	if got := get(t, f.tx, f.UndergroundBar, ub.ID).Place; got.Valid {
		t.Errorf("ub.place = %v, want empty", got)
	}
	if _, ok := f.UBarPlace.Child(f.tx, f.p1.ID); ok {
		t.Errorf("p1.undergroundbar is still found")
	}
	f.commit()
}

// O1: empty values of a nullable one-to-one never collide, neither when
// inserted nor when several rows are emptied by one delete.
func TestOneToOneEmptyValuesNeverCollide(t *testing.T) {
	f := newO2O(t)
	ins(t, f.tx, f.UndergroundBar, undergroundBarRow{})
	ins(t, f.tx, f.UndergroundBar, undergroundBarRow{})
	ins(t, f.tx, f.UndergroundBar, undergroundBarRow{Place: some(f.p1.ID)})
	ins(t, f.tx, f.UndergroundBar, undergroundBarRow{Place: some(f.p2.ID)})
	wantResult(t, del(t, f.tx, f.Place, f.p1.ID, f.p2.ID), map[string]int{"Place": 2, "Restaurant": 1, "Bar": 1}, map[string]int{"UndergroundBar": 2})
	if n := len(slices.Collect(f.UBarPlace.Orphans(f.tx))); n != 4 {
		t.Errorf("%d underground bars have no place, want 4", n)
	}
	f.commit()
}

// S57 (test_o2o_primary_key_delete): deleting a row whose primary key is a
// one-to-one deletes that row only.
func TestS57_OneToOnePrimaryKeyDelete(t *testing.T) {
	f := newO2O(t)
	target := ins(t, f.tx, f.Target, targetRow{Name: "name"})
	ptr := ins(t, f.tx, f.Pointer, pointerRow{Other: target.ID})
	res := del(t, f.tx, f.Pointer, ptr.Other)
	wantResult(t, res, map[string]int{"Pointer": 1}, nil)
	get(t, f.tx, f.Target, target.ID)
	f.commit()
}

// ---------------------------------------------------------------------------
// DESIGN decision 6: a delete is judged on its final state.

// A SetDefault value that names a row the same delete removes is a
// ForeignKeyError, and nothing changes (two ways to remove DEFAULT: among
// the keys deleted, and behind a cascade).
func TestFinalState_SetDefaultToDeletedRowRefused(t *testing.T) {
	d := newDEL(t)
	def := d.createDefault()
	a := d.createA("setdefault")
	err := d.refuse("delete a.setdefault's R and DEFAULT", func() error {
		_, err := d.R.Delete(d.tx, a.SetDefault, def.ID)
		return err
	})
	isErr(t, err, memrel.ErrForeignKey, store.ErrForeignKey)
	fe := asErr[*memrel.ForeignKeyError](t, err)
	if fe.AtCommit || fe.Relation != "A.setdefault" || fe.Row != (memrel.RowRef{Table: "A", Key: a.ID}) ||
		fe.Parent != (memrel.RowRef{Table: "R", Key: def.ID}) {
		t.Errorf("ForeignKeyError = %+v, want A.setdefault of A %d to R %d", *fe, a.ID, def.ID)
	}

	p := ins(t, d.tx, d.P, pRow{})
	upd(t, d.tx, d.R, def.ID, func(r *rRow) { r.P = some(p.ID) })
	upd(t, d.tx, d.R, a.SetDefault, func(r *rRow) { r.P = some(p.ID) })
	err = d.refuse("delete p", func() error { _, err := d.P.Delete(d.tx, p.ID); return err })
	fe = asErr[*memrel.ForeignKeyError](t, err)
	if fe.Relation != "A.setdefault" || fe.Parent != (memrel.RowRef{Table: "R", Key: def.ID}) {
		t.Errorf("ForeignKeyError = %+v, want A.setdefault to R %d", *fe, def.ID)
	}
	d.commit()
}

// A SetDefault whose Default is the very row being deleted: the rows that
// reference DEFAULT through A.setdefault would be "set" to DEFAULT, which is
// gone. Django's UPDATE ... SET setdefault_id = DEFAULT then fails on the
// database's foreign key; memrel must refuse with a ForeignKeyError and
// change nothing.
func TestFinalState_SetDefaultToTheDeletedRowItself(t *testing.T) {
	d := newDEL(t)
	def := d.createDefault()
	a := d.createA("setdefault")
	upd(t, d.tx, d.A, a.ID, func(x *aRow) { x.SetDefault = def.ID })
	err := d.refuse("delete DEFAULT while a.setdefault references it", func() error {
		_, err := d.R.Delete(d.tx, def.ID)
		return err
	})
	isErr(t, err, memrel.ErrForeignKey, store.ErrForeignKey)
	if fe := asErr[*memrel.ForeignKeyError](t, err); fe.Relation != "A.setdefault" || fe.Parent != (memrel.RowRef{Table: "R", Key: def.ID}) {
		t.Errorf("ForeignKeyError = %+v, want A.setdefault to R %d", *fe, def.ID)
	}
	get(t, d.tx, d.R, def.ID)
	d.commit()
}

// The same with a Set function that returns the key of the row being
// deleted.
func TestFinalState_SetFunctionReturnsTheDeletedRow(t *testing.T) {
	d := newDEL(t)
	a := d.createA("setvalue")
	d.setFn = func(tx *memrel.Tx) (int64, error) { return a.SetValue, nil }
	err := d.refuse("delete a.setvalue's R (Set to itself)", func() error { _, err := d.R.Delete(d.tx, a.SetValue); return err })
	if fe := asErr[*memrel.ForeignKeyError](t, err); fe.Relation != "A.setvalue" {
		t.Errorf("ForeignKeyError = %+v, want A.setvalue", *fe)
	}
	d.commit()
}

// A Set function whose value names a row the same delete removes, or that
// fails, refuses the delete; a row it inserted is undone with the rest.
func TestFinalState_SetFunctionRefusals(t *testing.T) {
	d := newDEL(t)
	// R 2 first, so that the sequence never hands out R 1 (defaultRID): the
	// last step needs SetDefault's value to name a missing row.
	ins(t, d.tx, d.R, rRow{ID: 2})
	a := d.createA("setvalue")

	// The function returns the key of another row the delete removes.
	other := d.newR()
	d.setFn = func(tx *memrel.Tx) (int64, error) { return other, nil }
	err := d.refuse("delete a.setvalue's R and the R the Set function names", func() error {
		_, err := d.R.Delete(d.tx, a.SetValue, other)
		return err
	})
	if fe := asErr[*memrel.ForeignKeyError](t, err); fe.Relation != "A.setvalue" || fe.Parent != (memrel.RowRef{Table: "R", Key: other}) {
		t.Errorf("ForeignKeyError = %+v, want A.setvalue to R %d", *fe, other)
	}

	// The function fails.
	boom := errors.New("no default today")
	d.setFn = func(tx *memrel.Tx) (int64, error) { return 0, boom }
	err = d.refuse("delete a.setvalue's R (Set function fails)", func() error { _, err := d.R.Delete(d.tx, a.SetValue); return err })
	if !errors.Is(err, boom) {
		t.Errorf("error %v does not wrap the Set function's error", err)
	}

	// The function inserts a row and then fails.
	d.setFn = func(tx *memrel.Tx) (int64, error) {
		if _, err := d.R.Insert(tx, rRow{IsDefault: true}); err != nil {
			return 0, err
		}
		return 0, boom
	}
	err = d.refuse("delete a.setvalue's R (Set function inserts, then fails)", func() error { _, err := d.R.Delete(d.tx, a.SetValue); return err })
	if !errors.Is(err, boom) {
		t.Errorf("error %v does not wrap the Set function's error", err)
	}

	// get_default_r creates DEFAULT, then the delete is refused by Protect.
	d.setFn = nil
	d.setCalls = 0
	b := ins(t, d.tx, d.B, bRow{Protect: a.SetValue})
	err = d.refuse("delete a.setvalue's R (protected after the Set function inserted DEFAULT)", func() error {
		_, err := d.R.Delete(d.tx, a.SetValue)
		return err
	})
	isErr(t, err, memrel.ErrProtected, store.ErrProtected)
	if d.setCalls != 1 {
		t.Errorf("the Set function was called %d times, want 1 (the test needs it to insert before the refusal)", d.setCalls)
	}
	del(t, d.tx, d.B, b.ID)

	// get_default_r creates DEFAULT, then SetDefault's value (R 1, not
	// created) is a ForeignKeyError.
	d.setCalls = 0
	a2 := ins(t, d.tx, d.A, aRow{Name: "both", Auto: d.newR(), SetValue: d.newR(), SetDefault: d.newR(),
		Cascade: d.newR(), Child: d.newRChild()})
	upd(t, d.tx, d.A, a2.ID, func(x *aRow) { x.SetDefault = x.SetValue })
	if d.R.Has(d.tx, defaultRID) {
		t.Fatalf("R %d exists; the test needs SetDefault's value to be missing", defaultRID)
	}
	err = d.refuse("delete a2.setvalue's R (Set inserts DEFAULT, SetDefault names a missing row)", func() error {
		_, err := d.R.Delete(d.tx, a2.SetValue)
		return err
	})
	isErr(t, err, memrel.ErrForeignKey, store.ErrForeignKey)
	if d.setCalls != 1 {
		t.Errorf("the Set function was called %d times, want 1", d.setCalls)
	}
	d.commit()
}

// A SetNull update to a row that the same delete removes is skipped, and
// DeleteResult.Updated does not count it: directly (a.auto and a.setnull
// name the same R) and behind two cascades from P.
func TestFinalState_SetNullOnCascadedRowSkipped(t *testing.T) {
	d := newDEL(t)
	d.createDefault()
	a := d.createA("both")
	upd(t, d.tx, d.A, a.ID, func(x *aRow) { x.SetNull = some(x.Auto) })
	wantResult(t, del(t, d.tx, d.R, a.Auto), map[string]int{"R": 1, "A": 1}, nil)
	gone(t, d.tx, d.A, a.ID)

	a2 := d.createA("behind P")
	p := ins(t, d.tx, d.P, pRow{})
	upd(t, d.tx, d.R, a2.SetNull.V, func(r *rRow) { r.P = some(p.ID) })
	upd(t, d.tx, d.A, a2.ID, func(x *aRow) { x.CascadeP = some(p.ID) })
	wantResult(t, del(t, d.tx, d.P, p.ID), map[string]int{"P": 1, "R": 1, "A": 1}, nil)
	gone(t, d.tx, d.A, a2.ID)
	d.commit()
}

// Seats: a nullable one-to-one Seat.place -> Room with SetDefault (room 0),
// and Seat.owner -> Room (nullable Cascade). Ticket.room -> Room (nullable
// SetNull) with a check constraint that a reserved ticket has a room.

type roomRow struct{ ID int64 }

type seatRow struct {
	ID    int64
	Place memrel.Null[int64]
	Owner memrel.Null[int64]
}

type ticketRow struct {
	ID       int64
	Room     memrel.Null[int64]
	Reserved bool
}

const room0 int64 = 100

func newSeats(t *testing.T) (*env, *memrel.Table[roomRow, int64], *memrel.Table[seatRow, int64], *memrel.Table[ticketRow, int64]) {
	Room := memrel.NewTable("Room", func(r *roomRow) *int64 { return &r.ID })
	Seat := memrel.NewTable("Seat", func(r *seatRow) *int64 { return &r.ID })
	Ticket := memrel.NewTable("Ticket", func(r *ticketRow) *int64 { return &r.ID })
	e := openEnv(t, memrel.Schema{
		Tables: []memrel.AnyTable{Room, Seat, Ticket},
		Relations: []memrel.Relation{
			memrel.OneToOne(Seat, func(r *seatRow) *memrel.Null[int64] { return &r.Place }, Room, memrel.SetDefault).Default(room0),
			memrel.ForeignKey(Seat, func(r *seatRow) *memrel.Null[int64] { return &r.Owner }, Room, memrel.Cascade).Related("owned_seats"),
			memrel.ForeignKey(Ticket, func(r *ticketRow) *memrel.Null[int64] { return &r.Room }, Room, memrel.SetNull),
		},
		Constraints: []memrel.Constraint{
			memrel.Check(Ticket, "reserved_ticket_has_room", func(r *ticketRow) bool { return !r.Reserved || r.Room.Valid }),
		},
	})
	ins(t, e.tx, Room, roomRow{ID: room0})
	return e, Room, Seat, Ticket
}

// Two rows set to the same one-to-one value by one delete are a UniqueError,
// and nothing changes; so is a row set to the value a surviving row holds.
func TestFinalState_OneToOneCollisionRefused(t *testing.T) {
	e, Room, Seat, _ := newSeats(t)
	r1 := ins(t, e.tx, Room, roomRow{})
	r2 := ins(t, e.tx, Room, roomRow{})
	ins(t, e.tx, Seat, seatRow{Place: some(r1.ID)})
	ins(t, e.tx, Seat, seatRow{Place: some(r2.ID)})
	err := e.refuse("delete both rooms", func() error { _, err := Room.Delete(e.tx, r1.ID, r2.ID); return err })
	isErr(t, err, memrel.ErrUnique, store.ErrUnique)
	ue := asErr[*memrel.UniqueError](t, err)
	if ue.Constraint != "Seat.place" || ue.Table != "Seat" || ue.Value != room0 {
		t.Errorf("UniqueError = %+v, want Seat.place value %d", *ue, room0)
	}

	holder := ins(t, e.tx, Seat, seatRow{Place: some(room0)})
	err = e.refuse("delete r1 while a seat holds room 0", func() error { _, err := Room.Delete(e.tx, r1.ID); return err })
	ue = asErr[*memrel.UniqueError](t, err)
	if ue.Constraint != "Seat.place" || ue.Conflict != (memrel.RowRef{Table: "Seat", Key: holder.ID}) {
		t.Errorf("UniqueError = %+v, want Seat.place conflicting with Seat %d", *ue, holder.ID)
	}
	e.commit()
}

// The row that holds the value is removed by the same delete: no collision
// in the final state, so the delete succeeds.
func TestFinalState_OneToOneValueFreedBySameDelete(t *testing.T) {
	e, Room, Seat, _ := newSeats(t)
	r1 := ins(t, e.tx, Room, roomRow{})
	holder := ins(t, e.tx, Seat, seatRow{Place: some(room0), Owner: some(r1.ID)})
	moved := ins(t, e.tx, Seat, seatRow{Place: some(r1.ID)})
	wantResult(t, del(t, e.tx, Room, r1.ID), map[string]int{"Room": 1, "Seat": 1}, map[string]int{"Seat": 1})
	gone(t, e.tx, Seat, holder.ID)
	if got := get(t, e.tx, Seat, moved.ID).Place; got != some(room0) {
		t.Errorf("seat.place = %v, want room %d", got, room0)
	}
	e.commit()
}

// A SetNull value that breaks a check constraint refuses the delete.
func TestFinalState_SetNullBreaksCheckRefused(t *testing.T) {
	e, Room, _, Ticket := newSeats(t)
	r1 := ins(t, e.tx, Room, roomRow{})
	tk := ins(t, e.tx, Ticket, ticketRow{Room: some(r1.ID), Reserved: true})
	err := e.refuse("delete a reserved ticket's room", func() error { _, err := Room.Delete(e.tx, r1.ID); return err })
	isErr(t, err, memrel.ErrCheck, store.ErrCheck)
	ce := asErr[*memrel.CheckError](t, err)
	if ce.Constraint != "reserved_ticket_has_room" || ce.Row != (memrel.RowRef{Table: "Ticket", Key: tk.ID}) {
		t.Errorf("CheckError = %+v, want reserved_ticket_has_room on Ticket %d", *ce, tk.ID)
	}
	e.commit()
}

// ---------------------------------------------------------------------------
// Self-referential relations (§7.12 cycles; DESIGN decision 6).

type nodeRow struct {
	ID     int64
	Parent memrel.Null[int64]
}

func newNodes(t *testing.T, rule memrel.OnDelete) (*env, *memrel.Table[nodeRow, int64]) {
	Node := memrel.NewTable("Node", func(r *nodeRow) *int64 { return &r.ID })
	e := openEnv(t, memrel.Schema{
		Tables: []memrel.AnyTable{Node},
		Relations: []memrel.Relation{
			memrel.ForeignKey(Node, func(r *nodeRow) *memrel.Null[int64] { return &r.Parent }, Node, rule).Related("children"),
		},
	})
	return e, Node
}

// A chain 1 <- 2 <- 3 <- 4 cascades from its root, each row once.
func TestSelfReference_CascadeChain(t *testing.T) {
	e, Node := newNodes(t, memrel.Cascade)
	prev := none
	for range 4 {
		n := ins(t, e.tx, Node, nodeRow{Parent: prev})
		prev = some(n.ID)
	}
	other := ins(t, e.tx, Node, nodeRow{})
	wantResult(t, del(t, e.tx, Node, 1), map[string]int{"Node": 4}, nil)
	if keys := keysOf(e.tx, Node); !slices.Equal(keys, []int64{other.ID}) {
		t.Errorf("Node keys = %v, want [%d]", keys, other.ID)
	}
	e.commit()
}

// A cycle 1 -> 2 -> 3 -> 1 and a row that references itself: the cascade
// terminates and deletes each row once.
func TestSelfReference_CascadeCycle(t *testing.T) {
	e, Node := newNodes(t, memrel.Cascade)
	for range 3 {
		ins(t, e.tx, Node, nodeRow{})
	}
	for i := int64(1); i <= 3; i++ {
		upd(t, e.tx, Node, i, func(n *nodeRow) { n.Parent = some(i%3 + 1) })
	}
	self := ins(t, e.tx, Node, nodeRow{ID: 10, Parent: some(10)})
	wantResult(t, del(t, e.tx, Node, 2), map[string]int{"Node": 3}, nil)
	wantResult(t, del(t, e.tx, Node, self.ID), map[string]int{"Node": 1}, nil)
	if n := Node.Len(e.tx); n != 0 {
		t.Errorf("Node has %d rows, want 0", n)
	}
	e.commit()
}

// Deleting a set of keys that reference each other works for every rule but
// Protect (which refuses even when the protecting row is deleted too).
func TestDeleteKeysThatReferenceEachOther(t *testing.T) {
	for _, rule := range []memrel.OnDelete{memrel.Cascade, memrel.Restrict, memrel.SetNull, memrel.DoNothing, memrel.Protect} {
		t.Run(rule.String(), func(t *testing.T) {
			e, Node := newNodes(t, rule)
			n1 := ins(t, e.tx, Node, nodeRow{})
			n2 := ins(t, e.tx, Node, nodeRow{Parent: some(n1.ID)})
			n3 := ins(t, e.tx, Node, nodeRow{Parent: some(n2.ID)})
			upd(t, e.tx, Node, n1.ID, func(n *nodeRow) { n.Parent = some(n3.ID) }) // a cycle
			if rule == memrel.Protect {
				err := e.refuse("delete the cycle", func() error { _, err := Node.Delete(e.tx, n1.ID, n2.ID, n3.ID); return err })
				isErr(t, err, memrel.ErrProtected, store.ErrProtected)
				e.commit()
				return
			}
			if rule == memrel.Restrict {
				err := e.refuse("delete n1 alone", func() error { _, err := Node.Delete(e.tx, n1.ID); return err })
				re := asErr[*memrel.RestrictedError](t, err)
				wantStrings(t, "Rows", rowsOf(re.Rows), []string{row("Node", n2.ID, "Node.parent")})
			}
			wantResult(t, del(t, e.tx, Node, n3.ID, n1.ID, n2.ID), map[string]int{"Node": 3}, nil)
			e.commit()
		})
	}
}
