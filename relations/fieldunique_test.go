package relations_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/memrel-go/memrel"
)

type fuMember struct {
	ID      int64
	OrgID   int64
	UserID  memrel.Null[int64]
	Email   string
	Rank    int
	Created int
}

// Unique and UniqueTogether over field references: duplicates are refused
// with errors that name the fields, a Null part never collides, and Get
// finds a row by its value.
func TestUniqueOverFieldReferences(t *testing.T) {
	members := memrel.NewTable("members", func(m *fuMember) *int64 { return &m.ID })
	m := memrel.Fields[fuMember]()
	email := memrel.Unique(members, "uniq_email", &m.Email)
	pair := memrel.UniqueTogether(members, "uniq_org_user", &m.OrgID, &m.UserID)
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{members}})
	tx := beginTx(t, db)
	first, err := members.Insert(tx, fuMember{OrgID: 1, UserID: memrel.Some[int64](7), Email: "a@x"})
	if err != nil {
		t.Fatal(err)
	}
	before := tx.Dump()
	_, err = members.Insert(tx, fuMember{OrgID: 2, Email: "a@x"})
	var ue *memrel.UniqueError
	if !errors.As(err, &ue) || ue.Constraint != "uniq_email" || !slices.Equal(ue.Fields, []string{"email"}) {
		t.Fatalf("a duplicate email: %v, want a UniqueError of uniq_email naming email", err)
	}
	if want := `memrel: unique constraint uniq_email on members: a new members row has email = "a@x", as members 1 does`; err.Error() != want {
		t.Errorf("message\n%s\nwant\n%s", err, want)
	}
	_, err = members.Insert(tx, fuMember{OrgID: 1, UserID: memrel.Some[int64](7), Email: "b@x"})
	if want := `memrel: unique constraint uniq_org_user on members: a new members row has (org, user) = (1, 7), as members 1 does`; err == nil || err.Error() != want {
		t.Errorf("a duplicate pair: %v\nwant %s", err, want)
	}
	if !errors.Is(err, memrel.ErrUnique) {
		t.Errorf("a duplicate pair: %v, want ErrUnique", err)
	}
	if tx.Dump() != before {
		t.Fatal("a refused insert changed the store")
	}
	// An empty part takes no part: two rows of org 1 without a user.
	for _, e := range []string{"n1@x", "n2@x"} {
		if _, err := members.Insert(tx, fuMember{OrgID: 1, Email: e}); err != nil {
			t.Fatalf("rows with an empty user collided: %v", err)
		}
	}
	if got, ok := pair.Get(tx, memrel.Pair[int64, memrel.Null[int64]]{A: 1, B: memrel.Some[int64](7)}); !ok || got.ID != first.ID {
		t.Errorf("Get of a pair = %+v, %v; want row %d", got, ok, first.ID)
	}
	if got, ok := email.Get(tx, "a@x"); !ok || got.ID != first.ID {
		t.Errorf("Get of an email = %+v, %v; want row %d", got, ok, first.ID)
	}
}

// NewIndex and NewGroupedIndex over field references order the rows by the
// fields; a pointer that is not into the table's Fields row is refused at
// Open, by every declaration that takes one.
func TestIndexesOverFieldReferences(t *testing.T) {
	members := memrel.NewTable("members", func(m *fuMember) *int64 { return &m.ID })
	m := memrel.Fields[fuMember]()
	byRank := memrel.NewIndex(members, "rank", &m.Rank)
	byOrgRank := memrel.NewGroupedIndex(members, "org_rank", &m.OrgID, &m.Rank)
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{members}})
	tx := beginTx(t, db)
	for i, r := range []int{5, 1, 3, 2} {
		if _, err := members.Insert(tx, fuMember{OrgID: int64(i % 2), Rank: r, Email: string(rune('a' + i))}); err != nil {
			t.Fatal(err)
		}
	}
	var ranks []int
	for r := range byRank.Ascend(tx) {
		ranks = append(ranks, r.Rank)
	}
	if !slices.Equal(ranks, []int{1, 2, 3, 5}) {
		t.Errorf("by rank: %v", ranks)
	}
	ranks = nil
	for r := range byOrgRank.Descend(tx, 0) {
		ranks = append(ranks, r.Rank)
	}
	if !slices.Equal(ranks, []int{5, 3}) {
		t.Errorf("org 0 by rank, descending: %v", ranks)
	}

	var loose fuMember
	bad := memrel.NewTable("bad", func(m *fuMember) *int64 { return &m.ID })
	memrel.Unique(bad, "uq_loose", &loose.Email)
	memrel.UniqueTogether(bad, "uq_pair_loose", &m.OrgID, &loose.Rank)
	memrel.NewIndex(bad, "ix_loose", &loose.Rank)
	memrel.NewGroupedIndex(bad, "gx_loose", &loose.OrgID, &m.Rank)
	schemaErr(t, memrel.Schema{Tables: []memrel.AnyTable{bad}},
		"unique constraint uq_loose: the field must be a field reference",
		"unique constraint uq_pair_loose: the field must be a field reference",
		"index ix_loose: the field must be a field reference",
		"index gx_loose: the field must be a field reference")
}
