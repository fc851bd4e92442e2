package relations_test

import (
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"testing"

	"github.com/memrel-go/memrel"
)

// These tests run the same operations on two DBs that differ only in how a
// foreign key is indexed: in one its field leads a UniqueTogether (the
// relation is answered from the constraint's index), in the other the same
// constraint is a UniqueFunc (the relation has an index of its own). Every
// result, error and state must be the same.

type dfUser struct {
	ID   int64
	Name string
}
type dfGroup struct{ ID int64 }
type dfMember struct {
	ID      int64
	UserID  int64
	GroupID int64
	Rank    int64
}

type dfWorld struct {
	db      *memrel.DB
	users   *memrel.Table[dfUser, int64]
	groups  *memrel.Table[dfGroup, int64]
	members *memrel.Table[dfMember, int64]
	byUser  *memrel.FK[dfMember, dfUser, int64]
	byGroup *memrel.FK[dfMember, dfGroup, int64]
}

// dfOpen opens users, groups and members, whose user relation (with rule)
// is answered from the pair's index when via is set.
func dfOpen(t *testing.T, via bool, rule memrel.OnDelete) *dfWorld {
	w := &dfWorld{}
	w.users = memrel.NewTable("users", func(u *dfUser) *int64 { return &u.ID })
	w.groups = memrel.NewTable("groups", func(u *dfGroup) *int64 { return &u.ID })
	w.members = memrel.NewTable("members", func(u *dfMember) *int64 { return &u.ID })
	f := memrel.Fields[dfMember]()
	w.byUser = memrel.ForeignKey(w.members, &f.UserID, w.users, rule)
	if rule == memrel.SetDefault {
		w.byUser = w.byUser.Default(1)
	}
	w.byGroup = memrel.ForeignKey(w.members, &f.GroupID, w.groups, memrel.Cascade)
	if via {
		memrel.UniqueTogether(w.members, "pair", &f.UserID, &f.GroupID)
	} else {
		memrel.UniqueFunc(w.members, "pair", func(m *dfMember) memrel.Pair[int64, int64] {
			return memrel.Pair[int64, int64]{A: m.UserID, B: m.GroupID}
		})
	}
	w.db = openDB(t, memrel.Schema{Tables: []memrel.AnyTable{w.users, w.groups, w.members}})
	return w
}

// state is everything the relations show of tx's state: the rows, each
// parent's children and their count, an eager load, and Check.
func (w *dfWorld) state(tx *memrel.Tx) string {
	s := tx.Dump()
	for u := range w.users.All(tx) {
		var ks []int64
		for m := range w.byUser.Children(tx, u.ID) {
			ks = append(ks, m.ID)
		}
		s += fmt.Sprintf("u%d:%v/%d ", u.ID, ks, w.byUser.Count(tx, u.ID))
	}
	for g := range w.groups.All(tx) {
		var ks []int64
		for m := range w.byGroup.Children(tx, g.ID) {
			ks = append(ks, m.ID)
		}
		s += fmt.Sprintf("g%d:%v ", g.ID, ks)
	}
	us := slices.Collect(w.users.All(tx))
	l, err := memrel.Load(tx, us, w.byUser.Reverse())
	if err != nil {
		return s + err.Error()
	}
	for _, u := range us {
		var ks []int64
		for _, m := range w.byUser.LoadedChildren(l, u.ID) {
			ks = append(ks, m.ID)
		}
		s += fmt.Sprintf("L%d:%v ", u.ID, ks)
	}
	if err := tx.Check(); err != nil {
		s += "CHECK " + err.Error()
	}
	return s
}

// dfNorm prints v, a unique constraint's error as UNIQUE: the two
// declarations of the pair word it differently.
func dfNorm(v ...any) string {
	for i, x := range v {
		if e, ok := x.(error); ok && errors.Is(e, memrel.ErrUnique) {
			v[i] = "UNIQUE"
		}
		if p, ok := x.(memrel.DeletePlan); ok && errors.Is(p.Refused, memrel.ErrUnique) {
			p.Refused = errors.New("UNIQUE")
			v[i] = p
		}
	}
	return fmt.Sprint(v...)
}

// op runs one random operation, or two in an atomic block rolled back.
func (w *dfWorld) op(tx *memrel.Tx, r *rand.Rand) string {
	switch r.Intn(9) {
	case 0:
		_, err := w.users.Insert(tx, dfUser{})
		return dfNorm(err)
	case 1:
		_, err := w.groups.Insert(tx, dfGroup{})
		return dfNorm(err)
	case 2, 3:
		_, err := w.members.Insert(tx, dfMember{UserID: int64(r.Intn(6) + 1), GroupID: int64(r.Intn(4) + 1), Rank: int64(r.Intn(3))})
		return dfNorm(err)
	case 4:
		_, err := w.members.Update(tx, dfMember{ID: int64(r.Intn(12) + 1), UserID: int64(r.Intn(6) + 1), GroupID: int64(r.Intn(4) + 1)})
		return dfNorm(err)
	case 5:
		res, err := w.users.Delete(tx, int64(r.Intn(6)+2))
		return dfNorm(res, err)
	case 6:
		res, err := w.groups.Delete(tx, int64(r.Intn(4)+1))
		return dfNorm(res, err)
	case 7:
		p, err := w.users.DeletePreview(tx, int64(r.Intn(6)+1))
		return dfNorm(p, err)
	default:
		return dfUndone(tx, r, w)
	}
}

// Inserts, updates, deletes under every rule, previews and rolled-back
// blocks give the same results and states, in write transactions and after
// their commits.
func TestLeadingUniqueSameAsOwnIndex(t *testing.T) {
	for _, rule := range []memrel.OnDelete{memrel.Cascade, memrel.Protect, memrel.Restrict, memrel.SetDefault, memrel.DoNothing} {
		for seed := int64(0); seed < 25; seed++ {
			a, b := dfOpen(t, true, rule), dfOpen(t, false, rule)
			ra, rb := rand.New(rand.NewSource(seed)), rand.New(rand.NewSource(seed))
			for range 6 {
				ta, tb := a.db.BeginWrite(), b.db.BeginWrite()
				dfTransaction(t, fmt.Sprintf("rule %v seed %d", rule, seed), a, b, a.db, b.db, ta, tb, ra, rb)
			}
		}
	}
}

// dfSide is one of the two worlds a differential test runs side by side.
type dfSide interface {
	op(tx *memrel.Tx, r *rand.Rand) string
	state(tx *memrel.Tx) string
}

// dfUndone makes two random operations of side in an atomic block that
// fails, so that both are undone.
func dfUndone(tx *memrel.Tx, r *rand.Rand, side dfSide) string {
	var out string
	err := tx.Atomic(func(tx *memrel.Tx) error {
		out = side.op(tx, r) + side.op(tx, r)
		return fmt.Errorf("undo")
	})
	return out + fmt.Sprint(err)
}

// dfTransaction makes 15 random operations in ta and tb (on a and b, each
// with its own generator seeded alike), comparing results and states after
// each; then aborts or commits both alike, and compares what read
// transactions see afterwards.
func dfTransaction(t *testing.T, label string, a, b dfSide, da, db *memrel.DB, ta, tb *memrel.Tx, ra, rb *rand.Rand) {
	t.Helper()
	for range 15 {
		oa, ob := a.op(ta, ra), b.op(tb, rb)
		if oa != ob {
			t.Fatalf("%s: op differs:\n%s\n%s", label, oa, ob)
		}
		if sa, sb := a.state(ta), b.state(tb); sa != sb {
			t.Fatalf("%s: state differs:\n%s\n%s", label, sa, sb)
		}
	}
	k := ra.Intn(3)
	rb.Intn(3)
	if k == 0 {
		ta.Abort()
		tb.Abort()
	} else if ea, eb := ta.Commit(), tb.Commit(); fmt.Sprint(ea) != fmt.Sprint(eb) {
		t.Fatalf("%s: commit differs %v %v", label, ea, eb)
	}
	r1, r2 := da.BeginRead(), db.BeginRead()
	defer r1.Abort()
	defer r2.Abort()
	if sa, sb := a.state(r1), b.state(r2); sa != sb {
		t.Fatalf("%s: read state differs:\n%s\n%s", label, sa, sb)
	}
}

// A delete of several parents refused before the walk gives the error the
// walk gives (DeletePreview's), blocking rows in the same order, with the
// relation answered either way.
func TestLeadingUniqueRefusalSameAsPreview(t *testing.T) {
	for _, via := range []bool{true, false} {
		for _, rule := range []memrel.OnDelete{memrel.Protect, memrel.Restrict} {
			w := dfOpen(t, via, rule)
			tx := w.db.BeginWrite()
			for range 4 {
				if _, err := w.users.Insert(tx, dfUser{}); err != nil {
					t.Fatal(err)
				}
				if _, err := w.groups.Insert(tx, dfGroup{}); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range [][2]int64{{3, 1}, {2, 2}, {3, 3}, {2, 1}, {4, 4}, {3, 2}} {
				if _, err := w.members.Insert(tx, dfMember{UserID: p[0], GroupID: p[1]}); err != nil {
					t.Fatal(err)
				}
			}
			for _, keys := range [][]int64{{3, 2}, {2, 3}, {4, 3, 2}, {3}, {2, 2}} {
				plan, _ := w.users.DeletePreview(tx, keys...)
				_, derr := w.users.Delete(tx, keys...)
				if fmt.Sprintf("%#v", plan.Refused) != fmt.Sprintf("%#v", derr) {
					t.Errorf("via %v rule %v keys %v:\npreview %v\ndelete  %v", via, rule, keys, plan.Refused, derr)
				}
			}
			tx.Abort()
		}
	}
}

type dmPerson struct{ ID int64 }
type dmFriend struct {
	ID     int64
	FromID int64
	ToID   int64
	Note   int64
}

type dmWorld struct {
	db      *memrel.DB
	people  *memrel.Table[dmPerson, int64]
	friends *memrel.Table[dmFriend, int64]
	rel     *memrel.M2M[dmPerson, int64, dmPerson, int64, dmFriend, int64]
	auto    *memrel.M2M[dmPerson, int64, dmPerson, int64, memrel.Link[int64, int64], int64]
}

// dmOpen opens people with a many-to-many through friends (answered from
// the pair's index when via is set) and an automatic one, both symmetrical
// when symm is set.
func dmOpen(t *testing.T, via, symm bool) *dmWorld {
	w := &dmWorld{}
	w.people = memrel.NewTable("people", func(u *dmPerson) *int64 { return &u.ID })
	w.friends = memrel.NewTable("friends", func(u *dmFriend) *int64 { return &u.ID })
	f := memrel.Fields[dmFriend]()
	from := memrel.ForeignKey(w.friends, &f.FromID, w.people, memrel.Cascade).Related("out_friendships")
	to := memrel.ForeignKey(w.friends, &f.ToID, w.people, memrel.Cascade).Related("in_friendships")
	if via {
		memrel.UniqueTogether(w.friends, "pair", &f.FromID, &f.ToID)
	} else {
		memrel.UniqueFunc(w.friends, "pair", func(m *dmFriend) memrel.Pair[int64, int64] { return memrel.Pair[int64, int64]{A: m.FromID, B: m.ToID} })
	}
	w.rel = memrel.ManyToManyThrough(w.friends, "friends", from, to)
	w.auto = memrel.ManyToMany(w.people, "likes", w.people)
	if symm {
		w.rel = w.rel.Symmetrical()
		w.auto = w.auto.Symmetrical()
	} else {
		w.rel = w.rel.Related("friend_of")
		w.auto = w.auto.Related("liked_by")
	}
	w.db = openDB(t, memrel.Schema{Tables: []memrel.AnyTable{w.people, w.friends}, Relations: []memrel.Relation{w.rel, w.auto}})
	return w
}

func (w *dmWorld) state(tx *memrel.Tx) string {
	s := tx.Dump()
	ps := slices.Collect(w.people.All(tx))
	l, err := memrel.Load(tx, ps, w.rel.Path(), w.rel.Reverse().Path(), w.auto.Path(), w.auto.Reverse().Path())
	if err != nil {
		return s + err.Error()
	}
	for _, p := range ps {
		s += fmt.Sprint(p.ID, slices.Collect(w.rel.List(tx, p.ID)), slices.Collect(w.rel.Links(tx, p.ID)), w.rel.Count(tx, p.ID),
			slices.Collect(w.rel.Reverse().List(tx, p.ID)), slices.Collect(w.auto.List(tx, p.ID)), slices.Collect(w.auto.Reverse().List(tx, p.ID)),
			w.rel.LoadedList(l, p.ID), w.rel.Reverse().LoadedList(l, p.ID), w.auto.LoadedList(l, p.ID), w.auto.Reverse().LoadedList(l, p.ID), "\n")
		for q := range int64(5) {
			s += fmt.Sprint(w.rel.Has(tx, p.ID, q), w.auto.Has(tx, p.ID, q), w.rel.Reverse().Has(tx, p.ID, q))
		}
	}
	if err := tx.Check(); err != nil {
		s += "CHECK " + err.Error()
	}
	return s
}

func (w *dmWorld) op(tx *memrel.Tx, r *rand.Rand) string {
	a, b := int64(r.Intn(5)+1), int64(r.Intn(5)+1)
	side := w.rel.M2MSide
	aside := w.auto.M2MSide
	if r.Intn(2) == 0 && w.rel.Reverse() != nil {
		switch r.Intn(6) {
		case 0:
			n, err := w.rel.Reverse().Add(tx, a, b)
			return dfNorm(n, err)
		case 1:
			return dfNorm(w.rel.Reverse().Remove(tx, a, b))
		case 2:
			n, err := w.auto.Reverse().Add(tx, a, b)
			return dfNorm(n, err)
		case 3:
			return dfNorm(w.auto.Reverse().Remove(tx, a, b))
		case 4:
			return dfNorm(w.rel.Reverse().Set(tx, a, []int64{b, 1}))
		default:
			return dfNorm(w.auto.Reverse().Clear(tx, a))
		}
	}
	switch r.Intn(10) {
	case 0:
		_, err := w.people.Insert(tx, dmPerson{})
		return dfNorm(err)
	case 1:
		n, err := side.Add(tx, a, b, int64(r.Intn(5)+1))
		return dfNorm(n, err)
	case 2:
		return dfNorm(side.Remove(tx, a, b))
	case 3:
		return dfNorm(side.Set(tx, a, []int64{b, 2}))
	case 4:
		return dfNorm(side.Clear(tx, a))
	case 5:
		res, err := w.people.Delete(tx, a)
		return dfNorm(res, err)
	case 6:
		n, err := aside.Add(tx, a, b)
		return dfNorm(n, err)
	case 7:
		return dfNorm(aside.Set(tx, a, []int64{b, 3}))
	case 8:
		_, err := w.friends.Update(tx, dmFriend{ID: int64(r.Intn(8) + 1), FromID: a, ToID: b})
		return dfNorm(err)
	default:
		return dfUndone(tx, r, w)
	}
}

// Many-to-many operations on both sides, symmetrical or not, give the same
// results and states.
func TestLeadingUniqueManyToManySameAsOwnIndex(t *testing.T) {
	for _, symm := range []bool{false, true} {
		for seed := int64(0); seed < 30; seed++ {
			a, b := dmOpen(t, true, symm), dmOpen(t, false, symm)
			ra, rb := rand.New(rand.NewSource(seed)), rand.New(rand.NewSource(seed))
			for txn := 0; txn < 5; txn++ {
				ta, tb := a.db.BeginWrite(), b.db.BeginWrite()
				if txn == 0 {
					for range 5 {
						if _, err := a.people.Insert(ta, dmPerson{}); err != nil {
							t.Fatal(err)
						}
						if _, err := b.people.Insert(tb, dmPerson{}); err != nil {
							t.Fatal(err)
						}
					}
				}
				dfTransaction(t, fmt.Sprintf("symm %v seed %d", symm, seed), a, b, a.db, b.db, ta, tb, ra, rb)
			}
		}
	}
}
