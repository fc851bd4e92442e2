package memrel_test

import (
	"errors"
	"testing"

	"github.com/memrel-go/memrel"
)

// errOnly drops the first result of a (value, error) call.
func errOnly[T any](_ T, err error) error { return err }

// newLinks is the number of links an Add(a, bs...) that succeeds creates:
// the distinct rows of bs not linked to a yet.
func newLinks[S, T, L any](tx *memrel.Tx, s *memrel.M2MSide[S, int64, T, int64, L, int64], a int64, bs []int64) int {
	n := 0
	seen := map[int64]bool{}
	for _, b := range bs {
		if !seen[b] && !s.Has(tx, a, b) {
			n++
		}
		seen[b] = true
	}
	return n
}

// Add and AddWith report the links they created: pairs that exist and
// repeats are not counted, a symmetrical pair counts once, and a refused
// Add reports 0 and changes nothing.
func TestM2MAddCount(t *testing.T) {
	type user struct{ ID int64 }
	type group struct {
		ID   int64
		Name string
	}
	type member struct {
		ID      int64
		UserID  int64
		GroupID int64
		Role    string
	}
	users := memrel.NewTable("ac_users", func(u *user) *int64 { return &u.ID })
	groups := memrel.NewTable("ac_groups", func(g *group) *int64 { return &g.ID })
	members := memrel.NewTable("ac_members", func(m *member) *int64 { return &m.ID })
	mu := memrel.ForeignKey(members, func(m *member) *int64 { return &m.UserID }, users, memrel.Cascade)
	mg := memrel.ForeignKey(members, func(m *member) *int64 { return &m.GroupID }, groups, memrel.Cascade)
	memrel.Check(members, "role_set", func(m *member) bool { return m.Role != "" })
	inGroups := memrel.ManyToManyThrough(members, "groups", mu, mg).Related("members")
	friends := memrel.ManyToMany(users, "friends", users).Symmetrical()
	tags := memrel.ManyToMany(users, "tags", groups).Related("taggers")
	db, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{users, groups, members}})
	if err != nil {
		t.Fatal(err)
	}
	tx := db.BeginWrite()
	defer tx.Abort()
	for range 4 {
		if _, err := users.Insert(tx, user{}); err != nil {
			t.Fatal(err)
		}
		if _, err := groups.Insert(tx, group{}); err != nil {
			t.Fatal(err)
		}
	}
	count := func(what string, want int, n int, err error) {
		t.Helper()
		if err != nil || n != want {
			t.Errorf("%s = %d, %v; want %d, nil", what, n, err, want)
		}
	}
	n, err := tags.Add(tx, 1, 1, 2, 2, 1)
	count("tags.Add(1; 1, 2, 2, 1)", 2, n, err)
	n, err = tags.Add(tx, 1, 2, 3)
	count("tags.Add(1; 2, 3)", 1, n, err)
	n, err = tags.Reverse().Add(tx, 3, 1, 2)
	count("taggers.Add(3; 1, 2): 1 -> 3 exists", 1, n, err)
	n, err = tags.Add(tx, 1)
	count("tags.Add(1) of nothing", 0, n, err)

	n, err = friends.Add(tx, 1, 2, 3, 1)
	count("friends.Add(1; 2, 3, 1)", 3, n, err)
	n, err = friends.Add(tx, 2, 1, 3)
	count("friends.Add(2; 1, 3): 2 -> 1 is the mirror of 1 -> 2", 1, n, err)
	n, err = friends.Reverse().Add(tx, 4, 1)
	count("friends reverse Add(4; 1)", 1, n, err)
	if !friends.Has(tx, 1, 4) || !friends.Has(tx, 4, 1) {
		t.Errorf("the symmetrical pair 1-4 is not stored both ways")
	}

	setRole := func(role string) func(*member) { return func(m *member) { m.Role = role } }
	n, err = inGroups.AddWith(tx, 1, setRole("owner"), 1, 2, 1)
	count("groups.AddWith(1; 1, 2, 1)", 2, n, err)
	n, err = inGroups.Reverse().AddWith(tx, 2, setRole("member"), 1, 2, 3)
	count("members.AddWith(2; 1, 2, 3)", 2, n, err)

	// Refused: a missing row, or a link the check refuses. Nothing is
	// kept, the count is 0, and the transaction goes on.
	before := tx.Dump()
	n, err = tags.Add(tx, 2, 1, 99)
	if !errors.Is(err, memrel.ErrForeignKey) || n != 0 {
		t.Errorf("tags.Add(2; 1, 99) = %d, %v; want 0, ErrForeignKey", n, err)
	}
	n, err = inGroups.Add(tx, 3, 4) // no role: the check refuses it
	if !errors.Is(err, memrel.ErrCheck) || n != 0 {
		t.Errorf("groups.Add(3; 4) = %d, %v; want 0, ErrCheck", n, err)
	}
	n, err = inGroups.AddWith(tx, 3, setRole("x"), 1, 2, 99)
	if !errors.Is(err, memrel.ErrForeignKey) || n != 0 {
		t.Errorf("groups.AddWith(3; 1, 2, 99) = %d, %v; want 0, ErrForeignKey", n, err)
	}
	if after := tx.Dump(); after != before {
		t.Errorf("a refused Add changed the state:\n%s\nwas:\n%s", after, before)
	}
	n, err = tags.Add(tx, 2, 1, 4)
	count("tags.Add(2; 1, 4) after the refusals", 2, n, err)
	if err := tx.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}
