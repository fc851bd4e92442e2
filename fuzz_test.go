package memrel_test

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/memrel-go/memrel"
)

// Fuzzing: the bytes of an input are decoded into a sequence of operations
// (inserts, updates, deletes, many-to-many calls, commits and aborts) on a
// fixed schema that holds every on-delete rule, a one-to-one, both kinds of
// many-to-many, and unique (single, composite, partial) and check
// constraints. After every operation the transaction must pass Check; after
// every refused one it must be exactly as before (Dump) and still usable; at
// every commit the DB must pass Check and hold what the transaction held.
//
//	go test -run '^$' -fuzz FuzzOps -fuzztime 3m .
//	go test -run '^$' -fuzz FuzzDeletes -fuzztime 3m .
//
// Plain go test replays the seed corpus in testdata/fuzz, and
// TestFuzzCorpusReachesEveryRule checks that it still reaches every rule.

// The fuzz schema: parents, and a child table per rule.
type (
	fzParent struct { // unique name; check: name not empty, score >= 0
		ID    int64
		Name  string
		Score int64
	}
	fzKid struct { // parent Cascade; unique code where active (partial)
		ID       int64
		ParentID int64
		Code     string
		Active   bool
	}
	fzGuard struct { // parent Protect
		ID       int64
		ParentID int64
	}
	fzClaim struct { // parent Restrict; kid Cascade (the path that allows it)
		ID       int64
		ParentID int64
		KidID    int64
	}
	fzOpt struct { // parent SetNull
		ID       int64
		ParentID memrel.Null[int64]
	}
	fzDef struct { // parent SetDefault, Default(1)
		ID       int64
		ParentID int64
	}
	fzFixed struct { // parent Set, SetTo(2)
		ID       int64
		ParentID int64
	}
	fzFunc struct { // parent Set, SetFunc (the harness's setMode); unique note
		ID       int64
		ParentID int64
		Note     string
	}
	fzNote struct { // parent DoNothing
		ID       int64
		ParentID int64
	}
	fzProfile struct { // parent one-to-one, Cascade
		ID       int64
		ParentID int64
	}
	fzSeat struct { // parent nullable one-to-one, SetNull
		ID       int64
		ParentID memrel.Null[int64]
	}
	fzTag struct { // parents.tags (automatic link table); unique name
		ID   int64
		Name string
	}
	fzGroup struct { // parents.groups through members
		ID   int64
		Name string
	}
	fzMember struct { // parent Cascade, group Cascade; unique (parent, group); check role not empty
		ID       int64
		ParentID int64
		GroupID  int64
		Role     string
	}
)

// The behaviours of the Set function of fz_funcs.parent.
const (
	fzSetSentinel       = iota // get or create the parent named "sentinel" (Django's pattern)
	fzSetCascadeChild          // insert a Cascade child (kid) of the parent being deleted
	fzSetDeleteOwnRow          // delete a row that the rule itself re-points
	fzSetUpdateOwnRow          // update a row that the rule itself re-points
	fzSetReplace               // delete the sentinel and insert a new one with the same name
	fzSetDeleteCascaded        // delete a kid that the same delete cascades to
	fzSetError                 // fail
	fzSetDeletedKey            // return the key being deleted
	fzSetMissingKey            // return a key that does not exist
	fzSetPanic                 // insert the sentinel, then panic
	fzSetNewOwnRow             // insert another fz_funcs row pointing at the parent being deleted
	fzSetPointFixed            // point a fz_fixeds row at the parent being deleted
	fzSetSwap                  // delete a row the rule re-points, insert one with the same unique note
	fzSetModes
)

var fzSetModeNames = []string{"sentinel", "cascade child", "delete own row", "update own row", "replace sentinel",
	"delete cascaded", "error", "deleted key", "missing key", "panic", "new own row", "point fixed", "swap own row"}

// fzSetEffects records what the Set function wrote and returned during one
// top-level delete, to check the delete's result against it.
type fzSetEffects struct {
	calls    int     // top-level calls
	returned []int64 // the keys it returned
	deleted  []int64 // fz_funcs rows it deleted
	touched  []int64 // fz_funcs rows it updated (Note "touched <id>")
	newFuncs []int64 // fz_funcs rows it inserted, pointing at a deleted parent
	newKids  []int64 // kids it inserted, children of a deleted parent
	fixeds   []int64 // fz_fixeds rows it pointed at a deleted parent
}

// fzInjected is the value of the panics the harness injects.
type fzInjected struct{ where string }

// fzTableOps are the operations of one child table, by key and parent.
type fzTableOps struct {
	name   string
	insert func(tx *memrel.Tx, id, parent int64, extra byte) error
	update func(tx *memrel.Tx, id, parent int64, extra byte) error
	delete func(tx *memrel.Tx, keys ...int64) (memrel.DeleteResult, error)
	has    func(tx *memrel.Tx, id int64) bool
}

func fzOps[T any](t *memrel.Table[T, int64], mk func(id, parent int64, extra byte) T) fzTableOps {
	return fzTableOps{
		name: t.Name(),
		insert: func(tx *memrel.Tx, id, parent int64, extra byte) error {
			return ins(t.Insert(tx, mk(id, parent, extra)))
		},
		update: func(tx *memrel.Tx, id, parent int64, extra byte) error {
			return ins(t.Update(tx, mk(id, parent, extra)))
		},
		delete: func(tx *memrel.Tx, keys ...int64) (memrel.DeleteResult, error) { return t.Delete(tx, keys...) },
		has:    func(tx *memrel.Tx, id int64) bool { return t.Has(tx, id) },
	}
}

// fzNullKey is parent as a nullable key: 0 is empty.
func fzNullKey(parent int64) memrel.Null[int64] {
	if parent == 0 {
		return memrel.None[int64]()
	}
	return memrel.Some(parent)
}

type fzHarness struct {
	t  *testing.T
	db *memrel.DB
	tx *memrel.Tx

	start string   // the DB's Dump when tx began
	log   []string // the operations of this input, for failure messages

	setMode  int     // what the Set function of fz_funcs.parent does
	deleting []int64 // the parents the current top-level delete names
	inSet    bool    // the Set function is running (a nested delete calls it again)
	set      fzSetEffects

	hits map[string]int // which rules and refusals the input reached

	parents  *memrel.Table[fzParent, int64]
	kids     *memrel.Table[fzKid, int64]
	funcs    *memrel.Table[fzFunc, int64]
	fixeds   *memrel.Table[fzFixed, int64]
	notes    *memrel.Table[fzNote, int64]
	defs     *memrel.Table[fzDef, int64]
	opts     *memrel.Table[fzOpt, int64]
	seats    *memrel.Table[fzSeat, int64]
	tags     *memrel.Table[fzTag, int64]
	groups   *memrel.Table[fzGroup, int64]
	members  *memrel.Table[fzMember, int64]
	children []fzTableOps

	kidParent  *memrel.FK[fzKid, fzParent, int64]
	funcParent *memrel.FK[fzFunc, fzParent, int64]
	noteRel    string
	sentinel   *memrel.UniqueConstraint[fzParent, string]

	parentTags   *memrel.M2M[fzParent, int64, fzTag, int64, memrel.Link[int64, int64], int64]
	parentGroups *memrel.M2M[fzParent, int64, fzGroup, int64, fzMember, int64]
}

func newFzHarness(t *testing.T) *fzHarness {
	h := &fzHarness{t: t, hits: map[string]int{}}
	h.parents = memrel.NewTable("fz_parents", func(r *fzParent) *int64 { return &r.ID })
	h.kids = memrel.NewTable("fz_kids", func(r *fzKid) *int64 { return &r.ID })
	guards := memrel.NewTable("fz_guards", func(r *fzGuard) *int64 { return &r.ID })
	claims := memrel.NewTable("fz_claims", func(r *fzClaim) *int64 { return &r.ID })
	h.opts = memrel.NewTable("fz_opts", func(r *fzOpt) *int64 { return &r.ID })
	h.defs = memrel.NewTable("fz_defs", func(r *fzDef) *int64 { return &r.ID })
	h.fixeds = memrel.NewTable("fz_fixeds", func(r *fzFixed) *int64 { return &r.ID })
	h.funcs = memrel.NewTable("fz_funcs", func(r *fzFunc) *int64 { return &r.ID })
	h.notes = memrel.NewTable("fz_notes", func(r *fzNote) *int64 { return &r.ID })
	profiles := memrel.NewTable("fz_profiles", func(r *fzProfile) *int64 { return &r.ID })
	h.seats = memrel.NewTable("fz_seats", func(r *fzSeat) *int64 { return &r.ID })
	h.tags = memrel.NewTable("fz_tags", func(r *fzTag) *int64 { return &r.ID })
	h.groups = memrel.NewTable("fz_groups", func(r *fzGroup) *int64 { return &r.ID })
	h.members = memrel.NewTable("fz_members", func(r *fzMember) *int64 { return &r.ID }).
		Defaults(func(m *fzMember) {
			if m.Role == "" {
				m.Role = "member"
			}
		})

	h.kidParent = memrel.ForeignKey(h.kids, func(r *fzKid) *int64 { return &r.ParentID }, h.parents, memrel.Cascade)
	guardParent := memrel.ForeignKey(guards, func(r *fzGuard) *int64 { return &r.ParentID }, h.parents, memrel.Protect)
	claimParent := memrel.ForeignKey(claims, func(r *fzClaim) *int64 { return &r.ParentID }, h.parents, memrel.Restrict)
	claimKid := memrel.ForeignKey(claims, func(r *fzClaim) *int64 { return &r.KidID }, h.kids, memrel.Cascade)
	optParent := memrel.ForeignKey(h.opts, func(r *fzOpt) *memrel.Null[int64] { return &r.ParentID }, h.parents, memrel.SetNull)
	defParent := memrel.ForeignKey(h.defs, func(r *fzDef) *int64 { return &r.ParentID }, h.parents, memrel.SetDefault).Default(1)
	fixedParent := memrel.ForeignKey(h.fixeds, func(r *fzFixed) *int64 { return &r.ParentID }, h.parents, memrel.Set).SetTo(2)
	h.funcParent = memrel.ForeignKey(h.funcs, func(r *fzFunc) *int64 { return &r.ParentID }, h.parents, memrel.Set).
		SetFunc(h.setFunc)
	noteParent := memrel.ForeignKey(h.notes, func(r *fzNote) *int64 { return &r.ParentID }, h.parents, memrel.DoNothing)
	h.noteRel = noteParent.Name()
	profileParent := memrel.OneToOne(profiles, func(r *fzProfile) *int64 { return &r.ParentID }, h.parents, memrel.Cascade)
	seatParent := memrel.OneToOne(h.seats, func(r *fzSeat) *memrel.Null[int64] { return &r.ParentID }, h.parents, memrel.SetNull)
	memberParent := memrel.ForeignKey(h.members, func(r *fzMember) *int64 { return &r.ParentID }, h.parents, memrel.Cascade).Related("memberships")
	memberGroup := memrel.ForeignKey(h.members, func(r *fzMember) *int64 { return &r.GroupID }, h.groups, memrel.Cascade)
	h.parentTags = memrel.ManyToMany(h.parents, "tags", h.tags).Related("parents")
	h.parentGroups = memrel.ManyToManyThrough(h.members, "groups", memberParent, memberGroup).Related("members")
	h.sentinel = memrel.UniqueFunc(h.parents, "fz_uniq_parent_name", func(r *fzParent) string { return r.Name })

	db, err := memrel.Open(memrel.Schema{
		Tables: []memrel.AnyTable{h.parents, h.kids, guards, claims, h.opts, h.defs, h.fixeds, h.funcs, h.notes,
			profiles, h.seats, h.tags, h.groups, h.members},
		Relations: []memrel.Relation{h.kidParent, guardParent, claimParent, claimKid, optParent, defParent,
			fixedParent, h.funcParent, noteParent, profileParent, seatParent, memberParent, memberGroup,
			h.parentTags, h.parentGroups},
		Constraints: []memrel.Constraint{
			h.sentinel,
			memrel.Check(h.parents, "fz_parent_name_not_empty", func(r *fzParent) bool { return r.Name != "" }),
			memrel.Check(h.parents, "fz_parent_score_gte_0", func(r *fzParent) bool { return r.Score >= 0 }),
			memrel.UniqueFunc(h.kids, "fz_uniq_active_code", func(r *fzKid) string { return r.Code }).
				Where(func(r *fzKid) bool { return r.Active }),
			memrel.UniqueFunc(h.funcs, "fz_uniq_func_note", func(r *fzFunc) string { return r.Note }),
			memrel.UniqueFunc(h.tags, "fz_uniq_tag_name", func(r *fzTag) string { return r.Name }),
			memrel.UniqueFunc(h.members, "fz_uniq_membership", func(r *fzMember) [2]int64 { return [2]int64{r.ParentID, r.GroupID} }),
			memrel.Check(h.members, "fz_member_role_not_empty", func(r *fzMember) bool { return r.Role != "" }),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	h.db = db

	// The child tables, in the order of the decoder's table byte.
	h.children = []fzTableOps{
		fzOps(h.kids, func(id, p int64, x byte) fzKid {
			return fzKid{ID: id, ParentID: p, Code: fmt.Sprintf("c%d", x%4), Active: x&4 != 0}
		}),
		fzOps(guards, func(id, p int64, _ byte) fzGuard { return fzGuard{ID: id, ParentID: p} }),
		fzOps(claims, func(id, p int64, x byte) fzClaim { return fzClaim{ID: id, ParentID: p, KidID: int64(x % 12)} }),
		fzOps(h.opts, func(id, p int64, _ byte) fzOpt { return fzOpt{ID: id, ParentID: fzNullKey(p)} }),
		fzOps(h.defs, func(id, p int64, _ byte) fzDef { return fzDef{ID: id, ParentID: p} }),
		fzOps(h.fixeds, func(id, p int64, _ byte) fzFixed { return fzFixed{ID: id, ParentID: p} }),
		fzOps(h.funcs, func(id, p int64, x byte) fzFunc { return fzFunc{ID: id, ParentID: p, Note: fmt.Sprintf("n%d", x%16)} }),
		fzOps(h.notes, func(id, p int64, _ byte) fzNote { return fzNote{ID: id, ParentID: p} }),
		fzOps(profiles, func(id, p int64, _ byte) fzProfile { return fzProfile{ID: id, ParentID: p} }),
		fzOps(h.seats, func(id, p int64, _ byte) fzSeat { return fzSeat{ID: id, ParentID: fzNullKey(p)} }),
		fzOps(h.members, func(id, p int64, x byte) fzMember {
			return fzMember{ID: id, ParentID: p, GroupID: int64(x%4 + 1), Role: []string{"", "admin", "guest", ""}[x>>2%4]}
		}),
	}
	h.begin()
	return h
}

func (h *fzHarness) begin() {
	h.start = dumpDB(h.db)
	h.tx = h.db.BeginWrite()
}

func (h *fzHarness) fatalf(format string, args ...any) {
	h.t.Helper()
	h.tx.Abort()
	h.t.Fatalf("%s\noperations:\n  %s", fmt.Sprintf(format, args...), strings.Join(h.log, "\n  "))
}

// setFunc is the Set function of fz_funcs.parent: it reads and writes in
// the transaction, as Django's get-or-create sentinel does, and more.
func (h *fzHarness) setFunc(tx *memrel.Tx) (k int64, err error) {
	mode := h.setMode
	top := !h.inSet && len(h.deleting) > 0
	if !top {
		mode = fzSetSentinel // a delete made by the Set function itself
	}
	if top {
		h.set.calls++
	}
	defer func() {
		if top && err == nil {
			h.set.returned = append(h.set.returned, k)
		}
	}()
	h.inSet = true
	defer func() { h.inSet = false }()
	h.hits["set func "+fzSetModeNames[mode]]++
	victim := h.deleting
	getSentinel := func() (int64, error) {
		if p, ok := h.sentinel.Get(tx, "sentinel"); ok {
			return p.ID, nil
		}
		p, err := h.parents.Insert(tx, fzParent{Name: "sentinel"})
		return p.ID, err
	}
	switch mode {
	case fzSetCascadeChild:
		kid, err := h.kids.Insert(tx, fzKid{ParentID: victim[0], Code: "set"})
		if err != nil {
			return 0, err
		}
		h.set.newKids = append(h.set.newKids, kid.ID)
	case fzSetDeleteOwnRow, fzSetUpdateOwnRow:
		for _, k := range victim {
			for f := range h.funcParent.Children(tx, k) {
				var err error
				if mode == fzSetDeleteOwnRow {
					_, err = h.funcs.Delete(tx, f.ID)
					h.set.deleted = append(h.set.deleted, f.ID)
				} else {
					_, err = h.funcs.Modify(tx, f.ID, func(r *fzFunc) error { r.Note = fmt.Sprintf("touched %d", r.ID); return nil })
					h.set.touched = append(h.set.touched, f.ID)
				}
				if err != nil {
					return 0, err
				}
				return getSentinel()
			}
		}
	case fzSetReplace:
		if p, ok := h.sentinel.Get(tx, "sentinel"); ok {
			if _, err := h.parents.Delete(tx, p.ID); err != nil {
				return 0, err
			}
		}
		p, err := h.parents.Insert(tx, fzParent{Name: "sentinel"})
		return p.ID, err
	case fzSetDeleteCascaded:
		for _, k := range victim {
			for kid := range h.kidParent.Children(tx, k) {
				if _, err := h.kids.Delete(tx, kid.ID); err != nil {
					return 0, err
				}
				return getSentinel()
			}
		}
	case fzSetError:
		return 0, errBoom
	case fzSetDeletedKey:
		return victim[0], nil
	case fzSetMissingKey:
		return 999, nil
	case fzSetPanic:
		if _, err := getSentinel(); err != nil {
			return 0, err
		}
		panic(fzInjected{"Set function"})
	case fzSetNewOwnRow:
		f, err := h.funcs.Insert(tx, fzFunc{ParentID: victim[0], Note: fmt.Sprintf("new %d", len(h.log))})
		if err != nil {
			return 0, err
		}
		h.set.newFuncs = append(h.set.newFuncs, f.ID)
	case fzSetSwap:
		for _, k := range victim {
			for f := range h.funcParent.Children(tx, k) {
				if _, err := h.funcs.Delete(tx, f.ID); err != nil {
					return 0, err
				}
				h.set.deleted = append(h.set.deleted, f.ID)
				g, err := h.funcs.Insert(tx, fzFunc{ParentID: k, Note: f.Note})
				if err != nil {
					return 0, err
				}
				h.set.newFuncs = append(h.set.newFuncs, g.ID)
				return getSentinel()
			}
		}
	case fzSetPointFixed:
		for f := range h.fixeds.All(tx) {
			if _, err := h.fixeds.Update(tx, fzFixed{ID: f.ID, ParentID: victim[0]}); err != nil {
				return 0, err
			}
			h.set.fixeds = append(h.set.fixeds, f.ID)
			break
		}
	}
	return getSentinel()
}

// fzAllowed are the errors a refused operation may return.
var fzAllowed = []error{memrel.ErrNotFound, memrel.ErrExists, memrel.ErrInvalidKey, memrel.ErrForeignKey,
	memrel.ErrProtected, memrel.ErrRestricted, memrel.ErrUnique, memrel.ErrCheck, errBoom, errPanicked}

// call runs op, turning an injected panic into an error wrapping
// errPanicked; any other panic fails the test.
func (h *fzHarness) call(op func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(fzInjected); !ok {
				h.fatalf("panic: %v", r)
			}
			err = fmt.Errorf("%w: %v", errPanicked, r)
		}
	}()
	return op()
}

// step runs one operation and checks the transaction after it.
func (h *fzHarness) step(desc string, op func() error) error {
	h.t.Helper()
	h.log = append(h.log, desc)
	before := h.tx.Dump()
	err := h.call(op)
	if err != nil {
		h.hits["refused "+fzErrClass(err)]++
		h.log[len(h.log)-1] += " -> " + err.Error()
		if !slices.ContainsFunc(fzAllowed, func(e error) bool { return errors.Is(err, e) }) {
			h.fatalf("%s: unexpected error %v", desc, err)
		}
		if after := h.tx.Dump(); after != before {
			h.fatalf("%s: refused (%v) but changed the transaction:\n%s", desc, err, diffLines(before, after))
		}
	}
	h.checkTx(desc)
	if err != nil {
		h.probe(desc)
	}
	return err
}

// fzErrClass names the sentinel err wraps.
func fzErrClass(err error) string {
	for _, e := range fzAllowed {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return "other"
}

// checkTx runs tx.Check. Rows that a DoNothing relation left pointing at a
// deleted parent are allowed until Commit; every other problem fails.
func (h *fzHarness) checkTx(desc string) {
	h.t.Helper()
	err := h.tx.Check()
	if err == nil {
		return
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		var fe *memrel.ForeignKeyError
		if errors.As(e, &fe) && fe.Relation == h.noteRel {
			if k, ok := fe.Parent.Key.(int64); ok && !h.parents.Has(h.tx, k) {
				continue
			}
		}
		h.fatalf("%s: tx.Check: %v", desc, e)
	}
}

// probe checks that the transaction is still usable after a refusal: a
// write of a row as it is succeeds and changes nothing.
func (h *fzHarness) probe(desc string) {
	h.t.Helper()
	before := h.tx.Dump()
	for p := range h.parents.All(h.tx) {
		if _, err := h.parents.Update(h.tx, p); err != nil {
			h.fatalf("%s: the transaction is not usable after the refusal: %v", desc, err)
		}
		break
	}
	if after := h.tx.Dump(); after != before {
		h.fatalf("%s: rewriting a row unchanged changed the transaction:\n%s", desc, diffLines(before, after))
	}
}

func (h *fzHarness) commit() {
	h.t.Helper()
	h.log = append(h.log, "commit")
	want := h.tx.Dump()
	err := h.tx.Commit()
	got := dumpDB(h.db)
	switch {
	case err == nil:
		h.hits["commit"]++
		if got != want {
			h.fatalf("the committed state differs from the transaction's:\n%s", diffLines(want, got))
		}
	case errors.Is(err, memrel.ErrForeignKey):
		h.hits["commit refused by DoNothing"]++
		var fe *memrel.ForeignKeyError
		if !errors.As(err, &fe) || !fe.AtCommit || fe.Relation != h.noteRel {
			h.fatalf("commit: %v, want a DoNothing ForeignKeyError", err)
		}
		if got != h.start {
			h.fatalf("the refused commit changed the DB:\n%s", diffLines(h.start, got))
		}
	default:
		h.fatalf("commit: %v", err)
	}
	if err := h.db.Check(); err != nil {
		h.fatalf("db.Check after commit: %v", err)
	}
	h.begin()
}

func (h *fzHarness) abort() {
	h.t.Helper()
	h.log = append(h.log, "abort")
	h.hits["abort"]++
	h.tx.Abort()
	if got := dumpDB(h.db); got != h.start {
		h.fatalf("Abort changed the DB:\n%s", diffLines(h.start, got))
	}
	h.begin()
}

// fzReader hands out the bytes of an input, then zeros.
type fzReader struct {
	data []byte
	n    int
}

func (r *fzReader) next() byte {
	if r.n >= len(r.data) {
		r.n++
		return 0
	}
	b := r.data[r.n]
	r.n++
	return b
}

func (r *fzReader) more() bool { return r.n < len(r.data) }

// key is 0 (let the sequence choose) or 1..11 (some always missing).
func (r *fzReader) key() int64 { return int64(r.next() % 12) }

// keys is 1 to 3 keys from 1..11.
func (r *fzReader) keys() []int64 {
	n := 1 + int(r.next()%3)
	ks := make([]int64, n)
	for i := range ks {
		ks[i] = 1 + int64(r.next()%11)
	}
	return ks
}

var fzNames = []string{"ann", "bob", "cid", "sentinel", "", "dan"}

// The operation codes: the first byte of an operation, modulo fzOpCount.
const (
	fzOpInsertParent   = iota // key name score
	fzOpUpdateParent          // key name score
	fzOpModifyParent          // key name fail
	fzOpInsertChild           // table key parent extra
	fzOpUpdateChild           // table key parent extra
	fzOpDeleteParents         // n keys...
	fzOpDeleteChildren        // table n keys...
	fzOpM2M                   // side kind a n bs... extra
	fzOpInsertTarget          // which key name
	fzOpDeleteTargets         // which n keys...
	fzOpSetMode               // mode
	fzOpCommit                //
	fzOpAbort                 //
	fzOpDeleteParents2        // n keys... (deletes are the interesting part: weighted)
	fzOpDeleteParents3        // n keys...
	fzOpCount
)

// run decodes data into operations and runs them.
func (h *fzHarness) run(data []byte) {
	h.t.Helper()
	r := &fzReader{data: data}
	for steps := 0; r.more() && steps < 200; steps++ {
		switch op := r.next() % fzOpCount; op {
		case fzOpInsertParent, fzOpUpdateParent:
			p := fzParent{ID: r.key(), Name: fzNames[r.next()%6]}
			p.Score = int64(r.next()%5) - 1
			if op == fzOpInsertParent {
				h.step(fmt.Sprintf("insert parent %+v", p), func() error { return ins(h.parents.Insert(h.tx, p)) })
			} else {
				h.step(fmt.Sprintf("update parent %+v", p), func() error { return ins(h.parents.Update(h.tx, p)) })
			}
		case fzOpModifyParent:
			k, name, fail := r.key(), fzNames[r.next()%6], r.next()%4 == 0
			h.step(fmt.Sprintf("modify parent %d name %q fail %v", k, name, fail), func() error {
				return ins(h.parents.Modify(h.tx, k, func(p *fzParent) error {
					p.Name = name
					if fail {
						return errBoom
					}
					return nil
				}))
			})
		case fzOpInsertChild, fzOpUpdateChild:
			c := h.children[int(r.next())%len(h.children)]
			id, parent, extra := r.key(), r.key(), r.next()
			if op == fzOpInsertChild {
				h.step(fmt.Sprintf("insert %s %d parent %d extra %d", c.name, id, parent, extra),
					func() error { return c.insert(h.tx, id, parent, extra) })
			} else {
				h.step(fmt.Sprintf("update %s %d parent %d extra %d", c.name, id, parent, extra),
					func() error { return c.update(h.tx, id, parent, extra) })
			}
		case fzOpDeleteParents, fzOpDeleteParents2, fzOpDeleteParents3:
			h.deleteParents(r.keys())
		case fzOpDeleteChildren:
			c := h.children[int(r.next())%len(h.children)]
			keys := r.keys()
			err := h.step(fmt.Sprintf("delete %s %v", c.name, keys), func() error { return ins(c.delete(h.tx, keys...)) })
			if err == nil {
				for _, k := range keys {
					if c.has(h.tx, k) {
						h.fatalf("delete %s %v succeeded, but %d is still there", c.name, keys, k)
					}
				}
			}
		case fzOpM2M:
			h.m2m(r)
		case fzOpInsertTarget:
			which, k, name := r.next()%2, r.key(), fzNames[r.next()%6]
			if which == 0 {
				h.step(fmt.Sprintf("insert tag %d %q", k, name), func() error { return ins(h.tags.Insert(h.tx, fzTag{ID: k, Name: name})) })
			} else {
				h.step(fmt.Sprintf("insert group %d %q", k, name), func() error { return ins(h.groups.Insert(h.tx, fzGroup{ID: k, Name: name})) })
			}
		case fzOpDeleteTargets:
			which, keys := r.next()%2, r.keys()
			if which == 0 {
				h.step(fmt.Sprintf("delete tags %v", keys), func() error { return ins(h.tags.Delete(h.tx, keys...)) })
			} else {
				h.step(fmt.Sprintf("delete groups %v", keys), func() error { return ins(h.groups.Delete(h.tx, keys...)) })
			}
		case fzOpSetMode:
			h.setMode = int(r.next()) % fzSetModes
			h.log = append(h.log, "set function: "+fzSetModeNames[h.setMode])
		case fzOpCommit:
			h.commit()
		case fzOpAbort:
			h.abort()
		}
	}
	h.commit()
	h.tx.Abort()
}

// deleteParents deletes keys and checks that they are gone.
func (h *fzHarness) deleteParents(keys []int64) error {
	h.t.Helper()
	h.deleting = keys
	h.set = fzSetEffects{}
	defer func() { h.deleting = nil }()
	pre := h.referencing(keys)
	preview := h.previewParents(keys)
	before := h.tx.Dump()
	var res memrel.DeleteResult
	err := h.step(fmt.Sprintf("delete parents %v", keys), func() error {
		var err error
		res, err = h.parents.Delete(h.tx, keys...)
		return err
	})
	h.checkPreview(keys, preview, before, res, err)
	if err != nil {
		return err
	}
	h.hits["delete"]++
	for table, n := range res.Updated {
		h.hits["updated "+table] += n
	}
	for table, n := range res.Deleted {
		h.hits["deleted "+table] += n
	}
	for _, k := range keys {
		if h.parents.Has(h.tx, k) {
			h.fatalf("delete parents %v succeeded (%v), but %d is still there", keys, res, k)
		}
	}
	if msg := h.checkRules(pre); msg != "" {
		h.fatalf("delete parents %v succeeded (%v), but %s", keys, res, msg)
	}
	if h.set.calls == 0 { // nothing but the delete wrote: its result is the whole difference
		deleted, updated, inserted := fzDumpDiff(before, h.tx.Dump())
		if len(inserted) > 0 || !maps.Equal(deleted, res.Deleted) || !maps.Equal(updated, fzNonZero(res.Updated)) {
			h.fatalf("delete parents %v: DeleteResult %v, but the state lost %v, changed %v and gained %v",
				keys, res, deleted, updated, inserted)
		}
	}
	return nil
}

// fzDumpDiff counts, per table, the rows only in a Dump before, the rows in
// both that differ, and the rows only in after.
func fzDumpDiff(before, after string) (deleted, updated, inserted map[string]int) {
	rows := func(dump string) map[[2]string]string {
		m := map[[2]string]string{}
		table := ""
		for line := range strings.Lines(dump) {
			line = strings.TrimRight(line, "\n")
			if t, ok := strings.CutPrefix(line, "table "); ok {
				table = t
				continue
			}
			key, row, _ := strings.Cut(strings.TrimSpace(line), " ")
			if key != "sequence" {
				m[[2]string{table, key}] = row
			}
		}
		return m
	}
	b, a := rows(before), rows(after)
	deleted, updated, inserted = map[string]int{}, map[string]int{}, map[string]int{}
	for k, row := range b {
		if got, ok := a[k]; !ok {
			deleted[k[0]]++
		} else if got != row {
			updated[k[0]]++
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			inserted[k[0]]++
		}
	}
	return deleted, updated, inserted
}

// fzNonZero is m without its zero counts.
func fzNonZero(m map[string]int) map[string]int {
	out := map[string]int{}
	for k, n := range m {
		if n != 0 {
			out[k] = n
		}
	}
	return out
}

// fzReferencing lists the rows that point at the parents a delete names,
// per rule, before the delete.
type fzReferencing struct {
	kids, funcs, fixeds, defs, opts, seats []int64
}

func (h *fzHarness) referencing(keys []int64) fzReferencing {
	var r fzReferencing
	for _, k := range keys {
		for c := range h.kidParent.Children(h.tx, k) {
			r.kids = append(r.kids, c.ID)
		}
		for c := range h.funcParent.Children(h.tx, k) {
			r.funcs = append(r.funcs, c.ID)
		}
	}
	for c := range h.fixeds.All(h.tx) {
		if slices.Contains(keys, c.ParentID) {
			r.fixeds = append(r.fixeds, c.ID)
		}
	}
	for c := range h.defs.All(h.tx) {
		if slices.Contains(keys, c.ParentID) {
			r.defs = append(r.defs, c.ID)
		}
	}
	for c := range h.opts.All(h.tx) {
		if k, ok := c.ParentID.Get(); ok && slices.Contains(keys, k) {
			r.opts = append(r.opts, c.ID)
		}
	}
	for c := range h.seats.All(h.tx) {
		if k, ok := c.ParentID.Get(); ok && slices.Contains(keys, k) {
			r.seats = append(r.seats, c.ID)
		}
	}
	return r
}

// checkRules checks the result of a delete against the rules, and against
// what the Set function wrote: the delete must be judged on the state that
// includes those writes, as if they had been made just before it.
func (h *fzHarness) checkRules(pre fzReferencing) string {
	tx, set := h.tx, h.set
	for _, id := range slices.Concat(pre.kids, set.newKids) {
		if h.kids.Has(tx, id) {
			return fmt.Sprintf("kid %d of a deleted parent (Cascade) is still there", id)
		}
	}
	for _, id := range slices.Concat(pre.fixeds, set.fixeds) {
		if f, ok := h.fixeds.Get(tx, id); !ok || f.ParentID != 2 {
			return fmt.Sprintf("fz_fixeds %d is %+v, %v; want it re-pointed at 2 (SetTo)", id, f, ok)
		}
	}
	for _, id := range pre.defs {
		if f, ok := h.defs.Get(tx, id); !ok || f.ParentID != 1 {
			return fmt.Sprintf("fz_defs %d is %+v, %v; want it re-pointed at 1 (SetDefault)", id, f, ok)
		}
	}
	for _, id := range pre.opts {
		if f, ok := h.opts.Get(tx, id); !ok || f.ParentID.Valid {
			return fmt.Sprintf("fz_opts %d is %+v, %v; want its key emptied (SetNull)", id, f, ok)
		}
	}
	for _, id := range pre.seats {
		if f, ok := h.seats.Get(tx, id); !ok || f.ParentID.Valid {
			return fmt.Sprintf("fz_seats %d is %+v, %v; want its key emptied (SetNull)", id, f, ok)
		}
	}
	for _, id := range slices.Concat(pre.funcs, set.newFuncs) {
		f, ok := h.funcs.Get(tx, id)
		switch {
		case slices.Contains(set.deleted, id):
			if ok {
				return fmt.Sprintf("fz_funcs %d, deleted by the Set function, is back: %+v", id, f)
			}
		case !ok:
			return fmt.Sprintf("fz_funcs %d is gone; want it re-pointed at what the Set function returned (%v)", id, set.returned)
		case !slices.Contains(set.returned, f.ParentID):
			return fmt.Sprintf("fz_funcs %d is %+v; want it re-pointed at what the Set function returned (%v)", id, f, set.returned)
		case slices.Contains(set.touched, id) && f.Note != fmt.Sprintf("touched %d", id):
			return fmt.Sprintf("fz_funcs %d is %+v; the Set function's update is lost", id, f)
		}
	}
	return ""
}

// m2m runs a many-to-many call on one of the four sides.
func (h *fzHarness) m2m(r *fzReader) {
	h.t.Helper()
	side, kind, a := r.next()%4, r.next()%6, r.key()
	bs := make([]int64, int(r.next()%4))
	for i := range bs {
		bs[i] = r.key()
	}
	extra := r.next()
	kinds := []string{"Add", "AddWith", "Remove", "Set", "SetWith clear", "Clear"}
	sides := []string{"parents.tags", "tags.parents", "parents.groups", "groups.members"}
	desc := fmt.Sprintf("m2m %s %s %d %v extra %d", sides[side], kinds[kind], a, bs, extra)
	fillLink := func(*memrel.Link[int64, int64]) {
		if extra%5 == 4 {
			panic(fzInjected{"AddWith fill"})
		}
	}
	fillMember := func(m *fzMember) {
		m.Role = []string{"admin", "", "guest", "owner", "boom"}[extra%5]
		if m.Role == "boom" {
			panic(fzInjected{"AddWith fill"})
		}
	}
	var run func() error
	switch side {
	case 0:
		run = fzM2MCall(h.tx, h.parentTags.M2MSide, kind, a, bs, fillLink)
	case 1:
		run = fzM2MCall(h.tx, h.parentTags.Reverse(), kind, a, bs, fillLink)
	case 2:
		run = fzM2MCall(h.tx, h.parentGroups.M2MSide, kind, a, bs, fillMember)
	default:
		run = fzM2MCall(h.tx, h.parentGroups.Reverse(), kind, a, bs, fillMember)
	}
	if h.step(desc, run) == nil {
		h.hits["m2m "+kinds[kind]]++
	}
}

func fzM2MCall[S, T, L any](tx *memrel.Tx, s *memrel.M2MSide[S, int64, T, int64, L, int64], kind byte, a int64, bs []int64, fill func(*L)) func() error {
	return func() error {
		switch kind {
		case 0:
			return errOnly(s.Add(tx, a, bs...))
		case 1:
			return errOnly(s.AddWith(tx, a, fill, bs...))
		case 2:
			return s.Remove(tx, a, bs...)
		case 3:
			return s.Set(tx, a, bs)
		case 4:
			return s.SetWith(tx, a, bs, memrel.SetOptions[L]{Clear: true, Fill: fill})
		default:
			return s.Clear(tx, a)
		}
	}
}

// fzFixture is the starting state of FuzzDeletes: parents 1..8, each with a
// row in every child table (kids 1..8 and a claim through its own kid), a
// tag and a group, and a sentinel-free Set function.
func (h *fzHarness) fixture() {
	h.t.Helper()
	err := func() error {
		tx := h.tx
		for i := int64(1); i <= 8; i++ {
			if _, err := h.parents.Insert(tx, fzParent{ID: i, Name: fmt.Sprintf("p%d", i)}); err != nil {
				return err
			}
			if _, err := h.tags.Insert(tx, fzTag{ID: i, Name: fmt.Sprintf("t%d", i)}); err != nil {
				return err
			}
			if _, err := h.groups.Insert(tx, fzGroup{ID: i, Name: fmt.Sprintf("g%d", i)}); err != nil {
				return err
			}
		}
		for i := int64(1); i <= 8; i++ {
			for ti, c := range h.children {
				if ti == 10 || ti == 1 && i%4 != 0 || ti == 2 && i%2 != 0 || ti == 7 && i%3 != 0 { // members: by Add below; guards, claims, notes: on some
					continue
				}
				if err := c.insert(tx, i, i, byte(i)); err != nil {
					return fmt.Errorf("%s %d: %w", c.name, i, err)
				}
			}
			if _, err := h.parentTags.Add(tx, i, i, i%8+1); err != nil {
				return err
			}
			if _, err := h.parentGroups.Add(tx, i, i%8+1); err != nil {
				return err
			}
		}
		return nil
	}()
	if err != nil {
		h.fatalf("fixture: %v", err)
	}
	h.commit()
	h.log = append(h.log[:0], "fixture")
}

// reuse makes h run a new input on a snapshot of base (O(1)), as if it
// were new: opening the schema and loading the fixture once per fuzzing
// process instead of once per input.
func (h *fzHarness) reuse(t *testing.T, base *memrel.DB) {
	*h = fzHarness{t: t, hits: map[string]int{}, db: base.Snapshot(),
		parents: h.parents, kids: h.kids, funcs: h.funcs, fixeds: h.fixeds, notes: h.notes, defs: h.defs,
		opts: h.opts, seats: h.seats, tags: h.tags, groups: h.groups, members: h.members, children: h.children,
		kidParent: h.kidParent, funcParent: h.funcParent, noteRel: h.noteRel, sentinel: h.sentinel,
		parentTags: h.parentTags, parentGroups: h.parentGroups}
	h.begin()
}

// fzBase is a harness and the DB it starts from, built by the first input
// of a fuzzing process.
type fzBase struct {
	h  *fzHarness
	db *memrel.DB
}

func (b *fzBase) harness(t *testing.T, fixture bool) *fzHarness {
	if b.h == nil {
		h := newFzHarness(t)
		if fixture {
			h.fixture()
		}
		h.tx.Abort()
		b.h, b.db = h, h.db
	}
	b.h.reuse(t, b.db)
	if fixture {
		b.h.log = append(b.h.log, "fixture")
	}
	return b.h
}

// FuzzOps starts from an empty DB.
func FuzzOps(f *testing.F) {
	f.Add([]byte{fzOpInsertParent, 0, 0, 1, fzOpInsertChild, 0, 0, 1, 0, fzOpDeleteParents, 0, 1})
	var base fzBase
	f.Fuzz(func(t *testing.T, data []byte) {
		base.harness(t, false).run(data)
	})
}

// FuzzDeletes starts from a fixture where every parent has rows under
// every rule, so that most deletes reach several of them.
func FuzzDeletes(f *testing.F) {
	f.Add([]byte{fzOpDeleteParents, 1, 2, 3})
	var base fzBase
	f.Fuzz(func(t *testing.T, data []byte) {
		base.harness(t, true).run(data)
	})
}

// TestFuzzSetFunctionWrites: in the fixture, deleting parent 5 succeeds
// with the plain sentinel Set function; it must succeed as well whatever
// the Set function writes, as long as the writes themselves are valid,
// since the delete is judged on the state that includes them (and
// deleteParents checks the result against them).
func TestFuzzSetFunctionWrites(t *testing.T) {
	for _, mode := range []int{fzSetSentinel, fzSetCascadeChild, fzSetDeleteOwnRow, fzSetUpdateOwnRow, fzSetReplace,
		fzSetDeleteCascaded, fzSetNewOwnRow, fzSetPointFixed, fzSetSwap} {
		t.Run(fzSetModeNames[mode], func(t *testing.T) {
			for _, keys := range [][]int64{{5}, {5, 7}, {7, 5, 3}} {
				h := newFzHarness(t)
				h.fixture()
				h.setMode = mode
				if err := h.deleteParents(keys); err != nil {
					h.fatalf("delete parents %v: %v", keys, err)
				}
				if h.hits["set func "+fzSetModeNames[mode]] == 0 {
					h.fatalf("delete parents %v: the Set function was not called", keys)
				}
				if _, err := h.notes.Delete(h.tx, 3); err != nil { // the DoNothing row of parent 3
					h.fatalf("%v", err)
				}
				h.commit()
			}
		})
	}
}

// fzCorpus reads the corpus files of a fuzz target: the []byte of each.
func fzCorpus(t *testing.T, target string) map[string][]byte {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != 2 || lines[0] != "go test fuzz v1" ||
			!strings.HasPrefix(lines[1], "[]byte(") || !strings.HasSuffix(lines[1], ")") {
			t.Fatalf("%s: not a corpus file of one []byte", e.Name())
		}
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		out[e.Name()] = []byte(s)
	}
	return out
}

// TestFuzzCorpusReachesEveryRule replays the seed corpus of both targets
// and checks that, together, the entries reach every rule, every Set
// function behaviour and every kind of refusal.
func TestFuzzCorpusReachesEveryRule(t *testing.T) {
	hits := map[string]int{}
	entries := 0
	for _, target := range []string{"FuzzOps", "FuzzDeletes"} {
		corpus := fzCorpus(t, target)
		entries += len(corpus)
		for name, data := range corpus {
			t.Run(target+"/"+name, func(t *testing.T) {
				h := newFzHarness(t)
				defer func() {
					for k, n := range h.hits {
						hits[k] += n
					}
				}()
				if target == "FuzzDeletes" {
					h.fixture()
				}
				h.run(data)
			})
		}
	}
	if entries < 24 {
		t.Errorf("the seed corpus has %d entries, want a few dozen", entries)
	}
	want := []string{
		"deleted fz_kids", "deleted fz_claims", "deleted fz_profiles", "deleted fz_members", "deleted fz_parents_tags",
		"updated fz_opts", "updated fz_defs", "updated fz_fixeds", "updated fz_funcs", "updated fz_seats",
		"refused protected", "refused restricted", "refused foreign key violation",
		"refused unique constraint violation", "refused check constraint violation",
		"refused not found", "refused key already exists", "refused boom", "refused panicked",
		"commit", "commit refused by DoNothing", "abort",
		"preview matched", "preview refused", "preview read-only refused",
		"m2m Add", "m2m AddWith", "m2m Remove", "m2m Set", "m2m SetWith clear", "m2m Clear",
	}
	for _, m := range fzSetModeNames {
		want = append(want, "set func "+m)
	}
	for _, w := range want {
		if hits[w] == 0 {
			t.Errorf("the seed corpus never reaches %q", w)
		}
	}
	if t.Failed() {
		var got []string
		for k, n := range hits {
			got = append(got, fmt.Sprintf("%s=%d", k, n))
		}
		slices.Sort(got)
		t.Logf("reached: %s", strings.Join(got, ", "))
	}
}
