package memrel_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/memrel-go/memrel"
)

type chUser struct {
	ID   int64
	Name string
}

type chPost struct {
	ID       int64
	AuthorID int64
	EditorID memrel.Null[int64]
	Title    string
}

type chFixture struct {
	db     *memrel.DB
	users  *memrel.Table[chUser, int64]
	posts  *memrel.Table[chPost, int64]
	tags   *memrel.M2M[chPost, int64, chUser, int64, memrel.Link[int64, int64], int64]
	author *memrel.FK[chPost, chUser, int64]
	titles *memrel.Index[chPost, int64, string]
}

func chOpen(t *testing.T) chFixture {
	t.Helper()
	users := memrel.NewTable("users", func(u *chUser) *int64 { return &u.ID })
	posts := memrel.NewTable("posts", func(p *chPost) *int64 { return &p.ID })
	p := memrel.Fields[chPost]()
	author := memrel.ForeignKey(posts, &p.AuthorID, users, memrel.Cascade)
	titles := memrel.NewIndex(posts, "title", &p.Title)
	memrel.ForeignKey(posts, &p.EditorID, users, memrel.SetNull).Related("edited")
	memrel.Unique(users, "uniq_name", &memrel.Fields[chUser]().Name)
	fans := memrel.ManyToMany(posts, "fans", users).Related("liked")
	db, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{users, posts}})
	if err != nil {
		t.Fatal(err)
	}
	return chFixture{db, users, posts, fans, author, titles}
}

// AfterCommit runs once the transaction is visible, with its change set:
// each row once, from its state before the transaction to its state after,
// cascades, SetNull rewrites and link rows included.
func TestAfterCommitGetsTheChangeSet(t *testing.T) {
	f := chOpen(t)
	if err := f.db.Update(func(tx *memrel.Tx) error {
		f.users.Insert(tx, chUser{Name: "ann"})
		f.users.Insert(tx, chUser{Name: "bob"})
		f.posts.Insert(tx, chPost{AuthorID: 1, Title: "a"})
		f.posts.Insert(tx, chPost{AuthorID: 2, EditorID: memrel.Some[int64](1), Title: "b"})
		_, err := f.tags.Add(tx, 1, 2)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var got *memrel.ChangeSet
	visible := false
	err := f.db.Update(func(tx *memrel.Tx) error {
		tx.AfterCommit(func(cs *memrel.ChangeSet) {
			got = cs
			f.db.View(func(tx *memrel.Tx) error { visible = !f.users.Has(tx, 1); return nil })
		})
		f.users.Insert(tx, chUser{Name: "cy"})                                     // 3: inserted
		f.users.Modify(tx, 2, func(u *chUser) error { u.Name = "b1"; return nil }) // 2: updated twice
		f.users.Modify(tx, 2, func(u *chUser) error { u.Name = "b2"; return nil })
		f.users.Insert(tx, chUser{Name: "gone"}) // 4: inserted, then deleted: not reported
		f.users.Delete(tx, 4)
		_, err := f.users.Delete(tx, 1) // ann: her post cascades, bob's post loses its editor
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || !visible {
		t.Fatalf("AfterCommit ran %v, with the commit visible %v", got != nil, visible)
	}
	if want := []string{"users", "posts", "posts_fans"}; !slices.Equal(got.Tables(), want) {
		t.Errorf("tables %v, want %v", got.Tables(), want)
	}
	wantUsers := []memrel.RowChange[chUser]{
		{Kind: memrel.Deleted, Old: chUser{1, "ann"}},
		{Kind: memrel.Updated, Old: chUser{2, "bob"}, New: chUser{2, "b2"}},
		{Kind: memrel.Inserted, New: chUser{3, "cy"}},
	}
	if users := f.users.Changes(got); !reflect.DeepEqual(users, wantUsers) {
		t.Errorf("users changed\n%+v\nwant\n%+v", users, wantUsers)
	}
	wantPosts := []memrel.RowChange[chPost]{
		{Kind: memrel.Deleted, Old: chPost{ID: 1, AuthorID: 1, Title: "a"}},
		{Kind: memrel.Updated, Old: chPost{2, 2, memrel.Some[int64](1), "b"}, New: chPost{ID: 2, AuthorID: 2, Title: "b"}},
	}
	if posts := f.posts.Changes(got); !reflect.DeepEqual(posts, wantPosts) {
		t.Errorf("posts changed\n%+v\nwant\n%+v", posts, wantPosts)
	}
	if links := f.tags.LinkTable().Changes(got); len(links) != 1 || links[0].Kind != memrel.Deleted {
		t.Errorf("link rows changed %+v, want the one link deleted", links)
	}
	if got.Len() != 6 {
		t.Errorf("Len %d, want 6", got.Len())
	}
}

// AfterCommit never runs for a transaction that is discarded, nor when it
// was added in an atomic block that was rolled back.
func TestAfterCommitNotOnDiscard(t *testing.T) {
	f := chOpen(t)
	ran := 0
	count := func(*memrel.ChangeSet) { ran++ }
	errStop := errors.New("stop")
	f.db.Update(func(tx *memrel.Tx) error { tx.AfterCommit(count); return errStop })
	func() {
		defer func() { recover() }()
		f.db.Update(func(tx *memrel.Tx) error { tx.AfterCommit(count); panic("boom") })
	}()
	tx := f.db.BeginWrite()
	tx.AfterCommit(count)
	tx.Abort()
	err := f.db.Update(func(tx *memrel.Tx) error {
		tx.Atomic(func(tx *memrel.Tx) error { tx.AfterCommit(count); return errStop }) // dropped
		tx.Atomic(func(tx *memrel.Tx) error { return tx.AfterCommit(count) })          // kept
		return nil
	})
	if err != nil || ran != 1 {
		t.Fatalf("ran %d times (err %v), want once: for the kept block only", ran, err)
	}
	read := f.db.BeginRead()
	defer read.Abort()
	if err := read.AfterCommit(count); !errors.Is(err, memrel.ErrReadOnly) {
		t.Errorf("AfterCommit on a read transaction: %v, want ErrReadOnly", err)
	}
}

// A function that panics does not undo the commit nor stop the others; the
// first panic goes on once all have run. The writer is free for them.
func TestAfterCommitPanics(t *testing.T) {
	f := chOpen(t)
	var order []string
	p := func() (p any) {
		defer func() { p = recover() }()
		f.db.Update(func(tx *memrel.Tx) error {
			tx.AfterCommit(func(*memrel.ChangeSet) { order = append(order, "1"); panic("first") })
			tx.AfterCommit(func(*memrel.ChangeSet) { order = append(order, "2"); panic("second") })
			tx.AfterCommit(func(*memrel.ChangeSet) {
				order = append(order, "3")
				if err := f.db.Update(func(tx *memrel.Tx) error { _, err := f.users.Insert(tx, chUser{Name: "later"}); return err }); err != nil {
					t.Errorf("a write from an AfterCommit function: %v", err)
				}
			})
			_, err := f.users.Insert(tx, chUser{Name: "ann"})
			return err
		})
		return nil
	}()
	if p != "first" || !slices.Equal(order, []string{"1", "2", "3"}) {
		t.Fatalf("panic %v after %v; want the first panic after all three ran", p, order)
	}
	f.db.View(func(tx *memrel.Tx) error {
		if f.users.Len(tx) != 2 {
			t.Errorf("%d users after the commit, want 2 (the commit and the write from its function)", f.users.Len(tx))
		}
		return nil
	})
}

// The change set of random transactions equals the difference between the
// tables' contents before and after them.
func TestChangeSetMatchesTheDifference(t *testing.T) {
	f := chOpen(t)
	rng := rand.New(rand.NewPCG(3, 4))
	rowsOf := func(db *memrel.DB) (map[int64]chUser, map[int64]chPost) {
		us, ps := map[int64]chUser{}, map[int64]chPost{}
		db.View(func(tx *memrel.Tx) error {
			for u := range f.users.All(tx) {
				us[u.ID] = u
			}
			for p := range f.posts.All(tx) {
				ps[p.ID] = p
			}
			return nil
		})
		return us, ps
	}
	for round := range 30 {
		bu, bp := rowsOf(f.db)
		var cs *memrel.ChangeSet
		f.db.Update(func(tx *memrel.Tx) error {
			tx.AfterCommit(func(c *memrel.ChangeSet) { cs = c })
			for range 15 {
				id := int64(rng.IntN(12) + 1)
				switch rng.IntN(6) {
				case 0:
					f.users.Insert(tx, chUser{Name: fmt.Sprint(rng.IntN(30))})
				case 1:
					f.posts.Insert(tx, chPost{AuthorID: id, EditorID: memrel.Some(int64(rng.IntN(12) + 1)), Title: fmt.Sprint(rng.IntN(5))})
				case 2:
					f.users.Delete(tx, id)
				case 3:
					f.posts.Modify(tx, id, func(p *chPost) error { p.Title += "!"; return nil })
				case 4:
					tx.Atomic(func(tx *memrel.Tx) error {
						f.users.Modify(tx, id, func(u *chUser) error { u.Name += "?"; return nil })
						return errors.New("undo")
					})
				case 5:
					f.posts.Delete(tx, id)
				}
			}
			return nil
		})
		au, ap := rowsOf(f.db)
		check := func(name string, before, after map[int64]any, got map[int64][2]any) {
			want := map[int64][2]any{}
			for k, b := range before {
				if a, ok := after[k]; !ok {
					want[k] = [2]any{b, nil}
				} else if !reflect.DeepEqual(a, b) {
					want[k] = [2]any{b, a}
				}
			}
			for k, a := range after {
				if _, ok := before[k]; !ok {
					want[k] = [2]any{nil, a}
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d: %s changed %v, the difference is %v", round, name, got, want)
			}
		}
		asAny := func(m any) map[int64]any {
			out := map[int64]any{}
			v := reflect.ValueOf(m)
			for _, k := range v.MapKeys() {
				out[k.Int()] = v.MapIndex(k).Interface()
			}
			return out
		}
		gotU, gotP := map[int64][2]any{}, map[int64][2]any{}
		for _, c := range f.users.Changes(cs) {
			var o, n any
			if c.Kind != memrel.Inserted {
				o = c.Old
			}
			if c.Kind != memrel.Deleted {
				n = c.New
			}
			gotU[max(c.Old.ID, c.New.ID)] = [2]any{o, n}
		}
		for _, c := range f.posts.Changes(cs) {
			var o, n any
			if c.Kind != memrel.Inserted {
				o = c.Old
			}
			if c.Kind != memrel.Deleted {
				n = c.New
			}
			gotP[max(c.Old.ID, c.New.ID)] = [2]any{o, n}
		}
		check("users", asAny(bu), asAny(au), gotU)
		check("posts", asAny(bp), asAny(ap), gotP)
	}
}
