package sqlengines

import (
	"testing"

	"github.com/memrel-go/memrel"
)

type PUser struct {
	ID   string
	Name string
}
type PProfile struct {
	ID  string // shared key with users
	Bio string
}
type PFriend struct {
	ID   int64
	From string
	To   string
	Note string
}
type PSmall struct{ ID uint32 }
type PRef struct {
	ID      int64
	SmallID memrel.Null[uint32]
	Mentor  memrel.Null[int64]
}

// Mixed-case table names, string keys (with a quote), a one-to-one that
// shares its parent's key, a symmetrical many-to-many through a table of
// the caller's, a uint32 key at its largest, SetDefault on a nullable key
// and a self-referencing one-to-one: each loads and deletes as in memrel.
func TestKeysAndRelationsOfEveryKind(t *testing.T) {
	users := memrel.NewTable("Users", func(r *PUser) *string { return &r.ID })
	profiles := memrel.NewTable("Profiles", func(r *PProfile) *string { return &r.ID })
	friends := memrel.NewTable("Friends", func(r *PFriend) *int64 { return &r.ID })
	smalls := memrel.NewTable("smalls", func(r *PSmall) *uint32 { return &r.ID })
	refs := memrel.NewTable("refs", func(r *PRef) *int64 { return &r.ID })
	pf, ff, rf := memrel.Fields[PProfile](), memrel.Fields[PFriend](), memrel.Fields[PRef]()
	memrel.OneToOne(profiles, &pf.ID, users, memrel.Cascade)
	from := memrel.ForeignKey(friends, &ff.From, users, memrel.Cascade).Related("friends_from")
	to := memrel.ForeignKey(friends, &ff.To, users, memrel.Cascade).Related("friends_to")
	m := memrel.ManyToManyThrough(friends, "friends", from, to).Symmetrical()
	memrel.ForeignKey(refs, &rf.SmallID, smalls, memrel.SetDefault).Default(7)
	memrel.OneToOne(refs, &rf.Mentor, refs, memrel.SetNull)
	schema := memrel.Schema{Tables: []memrel.AnyTable{users, profiles, friends, smalls, refs}}
	forEngine(t, func(t *testing.T, e engine) {
		db, err := memrel.Open(schema)
		if err != nil {
			t.Fatal(err)
		}
		err = db.Update(func(tx *memrel.Tx) error {
			for _, id := range []string{"a", "B", "c'"} {
				if _, err := users.Insert(tx, PUser{ID: id}); err != nil {
					return err
				}
				if _, err := profiles.Insert(tx, PProfile{ID: id}); err != nil {
					return err
				}
			}
			if _, err := m.AddWith(tx, "a", func(l *PFriend) { l.Note = "n" }, "B", "c'"); err != nil {
				return err
			}
			for _, id := range []uint32{7, 4294967295} {
				if _, err := smalls.Insert(tx, PSmall{ID: id}); err != nil {
					return err
				}
			}
			if _, err := refs.Insert(tx, PRef{SmallID: memrel.Some[uint32](4294967295)}); err != nil {
				return err
			}
			_, err := refs.Insert(tx, PRef{SmallID: memrel.Some[uint32](4294967295), Mentor: memrel.Some[int64](1)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, gaps := export(t, db, e.dialect); len(gaps) > 0 {
			t.Errorf("gaps %v", gaps)
		}
		for _, x := range []deletion{
			{memrel: del(users, "a"), sql: `DELETE FROM "Users" WHERE "id" = 'a'`},
			{memrel: del(smalls, 4294967295), sql: `DELETE FROM "smalls" WHERE "id" = 4294967295`},
			{memrel: del(refs, 1), sql: `DELETE FROM "refs" WHERE "id" = 1`},
		} {
			sdb := load(t, e, db)
			if d := diff(memrelState(t, db), sqlState(t, sdb, db), 0); d != "" {
				t.Fatalf("load: %s", d)
			}
			db2 := db.Snapshot()
			compareDelete(t, e, db2, sdb, x)
		}
	})
}
