package relations_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/memrel-go/memrel"
)

// One reporting order, the one SQL databases use: invalid input > not found
// > Protect > Restrict > check constraints (declaration order) > unique (the
// primary key, then one-to-one relations, then declared uniques, in
// declaration order) > foreign keys.

type ordUser struct{ ID int64 }

type ordProfile struct {
	ID     int64
	UserID int64
	Handle string
	Age    int
}

func TestInsertReportsTheFirstRuleInSQLOrder(t *testing.T) {
	users := memrel.NewTable("users", func(u *ordUser) *int64 { return &u.ID })
	profiles := memrel.NewTable("profiles", func(p *ordProfile) *int64 { return &p.ID })
	user := memrel.OneToOne(profiles, func(p *ordProfile) *int64 { return &p.UserID }, users, memrel.Cascade)
	db := openDB(t, memrel.Schema{
		Tables:    []memrel.AnyTable{users, profiles},
		Relations: []memrel.Relation{user},
		Constraints: []memrel.Constraint{
			memrel.Check(profiles, "age_not_negative", func(p *ordProfile) bool { return p.Age >= 0 }),
			memrel.Check(profiles, "handle_short", func(p *ordProfile) bool { return len(p.Handle) < 8 }),
			memrel.UniqueFunc(profiles, "uniq_handle", func(p *ordProfile) string { return p.Handle }),
		},
	})
	tx := beginTx(t, db)
	_, err := users.Insert(tx, ordUser{})
	mustOK(t, err)
	_, err = profiles.Insert(tx, ordProfile{UserID: 1, Handle: "ann"})
	mustOK(t, err)

	for _, c := range []struct {
		name string
		row  ordProfile
		want error
		what string // the constraint, relation or key the error names
	}{
		{"every rule: the first check", ordProfile{ID: 1, UserID: 1, Handle: "ann-the-long", Age: -1}, memrel.ErrCheck, "age_not_negative"},
		{"second check before keys", ordProfile{ID: 1, UserID: 1, Handle: "ann-the-long"}, memrel.ErrCheck, "handle_short"},
		{"primary key before other uniques", ordProfile{ID: 1, UserID: 1, Handle: "ann"}, memrel.ErrExists, "profiles 1"},
		{"one-to-one before declared uniques", ordProfile{ID: 2, UserID: 1, Handle: "ann"}, memrel.ErrUnique, "profiles.user"},
		{"unique before foreign key", ordProfile{ID: 2, UserID: 99, Handle: "ann"}, memrel.ErrUnique, "uniq_handle"},
		{"foreign key last", ordProfile{ID: 2, UserID: 99, Handle: "bob"}, memrel.ErrForeignKey, "profiles.user"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := refused(t, tx, c.want, func() error { _, err := profiles.Insert(tx, c.row); return err })
			if !strings.Contains(err.Error(), c.what) {
				t.Errorf("error %q does not name %s", err, c.what)
			}
		})
	}
	// Update: not found first, then the same order.
	refused(t, tx, memrel.ErrNotFound, func() error {
		_, err := profiles.Update(tx, ordProfile{ID: 5, UserID: 99, Age: -1})
		return err
	})
	refused(t, tx, memrel.ErrCheck, func() error {
		_, err := profiles.Update(tx, ordProfile{ID: 1, UserID: 99, Age: -1})
		return err
	})
}

type ordGroup struct{ ID int64 }

type ordMember struct {
	ID       int64
	GroupID  memrel.Null[int64]
	BackupID memrel.Null[int64]
}

// A delete's final state is judged kind by kind: a check failure on one
// rewritten row is reported before a foreign-key failure on another, even
// when the foreign-key row comes first.
func TestDeleteFinalStateReportsChecksBeforeForeignKeys(t *testing.T) {
	groups := memrel.NewTable("groups", func(g *ordGroup) *int64 { return &g.ID })
	members := memrel.NewTable("members", func(m *ordMember) *int64 { return &m.ID })
	group := memrel.ForeignKey(members, func(m *ordMember) *memrel.Null[int64] { return &m.GroupID },
		groups, memrel.SetDefault).Default(99).Related("members")
	backup := memrel.ForeignKey(members, func(m *ordMember) *memrel.Null[int64] { return &m.BackupID },
		groups, memrel.SetNull).Related("backup_members")
	db := openDB(t, memrel.Schema{
		Tables:    []memrel.AnyTable{groups, members},
		Relations: []memrel.Relation{group, backup},
		Constraints: []memrel.Constraint{memrel.Check(members, "in_some_group",
			func(m *ordMember) bool { return m.GroupID.Valid || m.BackupID.Valid })},
	})
	tx := beginTx(t, db)
	for range 2 {
		_, err := groups.Insert(tx, ordGroup{})
		mustOK(t, err)
	}
	// Member 1 would point at the missing group 99; member 2 would be in
	// no group at all.
	_, err := members.Insert(tx, ordMember{GroupID: memrel.Some[int64](1), BackupID: memrel.Some[int64](2)})
	mustOK(t, err)
	_, err = members.Insert(tx, ordMember{BackupID: memrel.Some[int64](1)})
	mustOK(t, err)

	err = refused(t, tx, memrel.ErrCheck, func() error { _, err := groups.Delete(tx, 1); return err })
	var ce *memrel.CheckError
	if !errors.As(err, &ce) || ce.Constraint != "in_some_group" || ce.Row.Key != int64(2) {
		t.Fatalf("error %v, want the check in_some_group on members 2", err)
	}
	// With member 2 out of the way, the foreign key is what is left.
	_, err = members.Delete(tx, 2)
	mustOK(t, err)
	refused(t, tx, memrel.ErrForeignKey, func() error { _, err := groups.Delete(tx, 1); return err })
}

// A delete naming several missing keys reports all of them, and Not found
// comes before Protect.
func TestDeleteReportsEveryMissingKey(t *testing.T) {
	groups := memrel.NewTable("groups", func(g *ordGroup) *int64 { return &g.ID })
	members := memrel.NewTable("members", func(m *ordMember) *int64 { return &m.ID })
	group := memrel.ForeignKey(members, func(m *ordMember) *memrel.Null[int64] { return &m.GroupID },
		groups, memrel.Protect).Related("members")
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{groups, members}, Relations: []memrel.Relation{group}})
	tx := beginTx(t, db)
	_, err := groups.Insert(tx, ordGroup{})
	mustOK(t, err)
	_, err = members.Insert(tx, ordMember{GroupID: memrel.Some[int64](1)})
	mustOK(t, err)

	err = refused(t, tx, memrel.ErrNotFound, func() error { _, err := groups.Delete(tx, 8, 1, 7, 8); return err })
	var ke *memrel.KeyError
	if !errors.As(err, &ke) || ke.Table != "groups" || ke.Key != int64(8) || !slices.Equal(ke.Keys, []any{int64(8), int64(7)}) {
		t.Fatalf("error %#v, want a KeyError naming groups 8 and 7", err)
	}
	if !strings.Contains(err.Error(), "groups 8, 7: not found") {
		t.Errorf("message %q does not list both keys", err)
	}
	refused(t, tx, memrel.ErrProtected, func() error { _, err := groups.Delete(tx, 1); return err })
}
