package relations_test

import (
	"errors"
	"testing"

	"github.com/memrel-go/memrel"
)

type skUser struct {
	ID    int64
	Email string
}

type skProfile struct {
	ID     int64
	UserID int64
	Bio    string
}

type skTag struct {
	ID     int64
	Name   string
	Hidden bool
}

type skFixture struct {
	db       *memrel.DB
	users    *memrel.Table[skUser, int64]
	profiles *memrel.Table[skProfile, int64]
	tags     *memrel.Table[skTag, int64]
}

// skNew declares the tables of prefix, with more declarations made by
// extra (nil for none), and opens a DB.
func skNew(t *testing.T, prefix string, extra func(f *skFixture)) *skFixture {
	f := &skFixture{
		users:    memrel.NewTable(prefix+"_users", func(u *skUser) *int64 { return &u.ID }),
		profiles: memrel.NewTable(prefix+"_profiles", func(p *skProfile) *int64 { return &p.ID }),
		tags:     memrel.NewTable(prefix+"_tags", func(x *skTag) *int64 { return &x.ID }),
	}
	memrel.UniqueFunc(f.users, prefix+"_email", func(u *skUser) string { return u.Email })
	memrel.Check(f.users, prefix+"_email_set", func(u *skUser) bool { return u.Email != "" })
	memrel.OneToOne(f.profiles, func(p *skProfile) *int64 { return &p.UserID }, f.users, memrel.Cascade)
	memrel.UniqueFunc(f.tags, prefix+"_visible_name", func(x *skTag) string { return x.Name }).
		Where(func(x *skTag) bool { return !x.Hidden })
	if extra != nil {
		extra(f)
	}
	f.db = openDB(t, memrel.Schema{Tables: []memrel.AnyTable{f.users, f.profiles, f.tags}})
	return f
}

// InsertOrSkip skips a row that collides on the primary key, a unique
// constraint or a one-to-one, returning the stored row; every other refusal
// is an error, in Insert's order; a skip or a refusal changes nothing.
func TestInsertOrSkip(t *testing.T) {
	f := skNew(t, "sk", nil)
	tx := beginTx(t, f.db)
	ann, ok, err := f.users.InsertOrSkip(tx, skUser{Email: "ann@x"})
	if err != nil || !ok || ann.ID != 1 {
		t.Fatalf("InsertOrSkip(ann) = %+v, %v, %v", ann, ok, err)
	}
	skipped := func(what string, got, want any, ok bool, err error) {
		t.Helper()
		if err != nil || ok || got != want {
			t.Errorf("%s = %+v, %v, %v; want %+v, false, nil", what, got, ok, err, want)
		}
	}
	before := tx.Dump()
	got, ok, err := f.users.InsertOrSkip(tx, skUser{Email: "ann@x"})
	skipped("a taken email", got, ann, ok, err)
	got, ok, err = f.users.InsertOrSkip(tx, skUser{ID: ann.ID, Email: "new@x"})
	skipped("a taken key", got, ann, ok, err)
	if tx.Dump() != before {
		t.Errorf("a skipped insert changed the state")
	}
	prof := cnInsert(t, tx, f.profiles, skProfile{UserID: ann.ID, Bio: "hi"})
	before = tx.Dump()
	gotP, ok, err := f.profiles.InsertOrSkip(tx, skProfile{UserID: ann.ID})
	skipped("a second profile of ann (one-to-one)", gotP, prof, ok, err)
	if tx.Dump() != before {
		t.Errorf("a skipped insert changed the state")
	}

	// Refusals: a check fails before a collision is looked at (the row
	// collides on the key too); a missing parent is an error.
	refused(t, tx, memrel.ErrCheck, func() error {
		_, ok, err := f.users.InsertOrSkip(tx, skUser{ID: ann.ID})
		if ok {
			t.Errorf("inserted")
		}
		return err
	})
	err = refused(t, tx, memrel.ErrForeignKey, func() error {
		_, _, err := f.profiles.InsertOrSkip(tx, skProfile{UserID: 99})
		return err
	})
	var fe *memrel.ForeignKeyError
	if !errors.As(err, &fe) || fe.Relation != "sk_profiles.user" {
		t.Errorf("error %v is not the foreign key's", err)
	}
	// A collision found before a missing parent wins, as in Insert's order.
	got2, ok, err := f.profiles.InsertOrSkip(tx, skProfile{ID: prof.ID, UserID: 99})
	skipped("a taken key with a missing parent", got2, prof, ok, err)

	// Partial unique: a row outside the condition takes no part.
	vis := cnInsert(t, tx, f.tags, skTag{Name: "go"})
	gotT, ok, err := f.tags.InsertOrSkip(tx, skTag{Name: "go"})
	skipped("a visible tag go again", gotT, vis, ok, err)
	hidden, ok, err := f.tags.InsertOrSkip(tx, skTag{Name: "go", Hidden: true})
	if err != nil || !ok || hidden.ID != vis.ID+1 {
		t.Errorf("a hidden tag go = %+v, %v, %v; want inserted with the next key (the skip used none)", hidden, ok, err)
	}
	finishTx(t, f.db, tx)

	rtx := f.db.BeginRead()
	defer rtx.Abort()
	if _, _, err := f.users.InsertOrSkip(rtx, skUser{Email: "z@x"}); !errors.Is(err, memrel.ErrReadOnly) {
		t.Errorf("InsertOrSkip in a read transaction: %v", err)
	}
}

// The skip path builds no error: it allocates no more than the lookup it
// must make anyway (the same read through the unique constraint, or the
// primary key, with go-memdb's iterator) plus the row's copy that every
// insert makes, and less than the refused Insert of the same row (whose
// error, RowRefs and rows cost allocations of their own).
func TestInsertOrSkipAllocs(t *testing.T) {
	var email *memrel.UniqueConstraint[skUser, string]
	var visible *memrel.UniqueConstraint[skTag, string]
	f := skNew(t, "ska", func(f *skFixture) {
		email = memrel.UniqueFunc(f.users, "ska_email_lookup", func(u *skUser) string { return u.Email })
		visible = memrel.UniqueFunc(f.tags, "ska_visible_lookup", func(x *skTag) string { return x.Name }).
			Where(func(x *skTag) bool { return !x.Hidden })
	})
	tx := beginTx(t, f.db)
	cnInsert(t, tx, f.users, skUser{Email: "ann@x"})
	cnInsert(t, tx, f.tags, skTag{Name: "go"})
	for _, c := range []struct {
		name   string
		skip   func() (bool, error)
		insert func() error
		lookup func() bool
	}{
		{"unique", func() (bool, error) { _, ok, err := f.users.InsertOrSkip(tx, skUser{Email: "ann@x"}); return ok, err },
			func() error { _, err := f.users.Insert(tx, skUser{Email: "ann@x"}); return err },
			func() bool { _, ok := email.Get(tx, "ann@x"); return ok }},
		{"primary key", func() (bool, error) {
			_, ok, err := f.users.InsertOrSkip(tx, skUser{ID: 1, Email: "b@x"})
			return ok, err
		},
			func() error { _, err := f.users.Insert(tx, skUser{ID: 1, Email: "b@x"}); return err },
			func() bool { return f.users.Has(tx, 1) }},
		{"partial unique", func() (bool, error) { _, ok, err := f.tags.InsertOrSkip(tx, skTag{Name: "go"}); return ok, err },
			func() error { _, err := f.tags.Insert(tx, skTag{Name: "go"}); return err },
			func() bool { _, ok := visible.Get(tx, "go"); return ok }},
	} {
		lookupAllocs := testing.AllocsPerRun(200, func() {
			if !c.lookup() {
				panic("the lookup found nothing")
			}
		})
		var skipErr error
		skipAllocs := testing.AllocsPerRun(200, func() {
			if ok, err := c.skip(); ok || err != nil {
				skipErr = errors.Join(skipErr, err, errors.New("inserted"))
			}
		})
		if skipErr != nil {
			t.Fatalf("%s: %v", c.name, skipErr)
		}
		refusedAllocs := testing.AllocsPerRun(200, func() {
			if err := c.insert(); err == nil {
				panic("inserted")
			}
		})
		t.Logf("%s: skip %.0f allocations, its lookup %.0f, refused insert %.0f", c.name, skipAllocs, lookupAllocs, refusedAllocs)
		if skipAllocs >= refusedAllocs || skipAllocs > lookupAllocs+1 {
			t.Errorf("%s: the skip path allocates %.0f times (its lookup %.0f, plus 1 for the row's copy; a refused Insert %.0f): does it build an error?",
				c.name, skipAllocs, lookupAllocs, refusedAllocs)
		}
	}
}

func BenchmarkInsertOrSkip(b *testing.B) {
	f := skNew(&testing.T{}, "skb", nil)
	tx := f.db.BeginWrite()
	defer tx.Abort()
	if _, err := f.users.Insert(tx, skUser{Email: "ann@x"}); err != nil {
		b.Fatal(err)
	}
	b.Run("skip", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok, err := f.users.InsertOrSkip(tx, skUser{Email: "ann@x"}); ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("refused-insert", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.users.Insert(tx, skUser{Email: "ann@x"}); err == nil {
				b.Fatal("inserted")
			}
		}
	})
}
