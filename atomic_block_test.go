package memrel_test

import (
	"errors"
	"testing"

	"github.com/memrel-go/memrel"
)

type abUser struct {
	ID   int64
	Name string
}

type abPost struct {
	ID       int64
	AuthorID int64
}

func abOpen(t *testing.T) (*memrel.DB, *memrel.Table[abUser, int64], *memrel.Table[abPost, int64]) {
	t.Helper()
	users := memrel.NewTable("users", func(u *abUser) *int64 { return &u.ID })
	posts := memrel.NewTable("posts", func(p *abPost) *int64 { return &p.ID })
	memrel.ForeignKey(posts, &memrel.Fields[abPost]().AuthorID, users, memrel.Cascade)
	memrel.UniqueFunc(users, "uniq_name", func(u *abUser) string { return u.Name })
	db, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{users, posts}})
	if err != nil {
		t.Fatal(err)
	}
	return db, users, posts
}

// A nested atomic block that fails, returns a refused write's error or
// panics leaves the transaction exactly as it was before the block, and
// usable; the writes before the block stay.
func TestAtomicBlockUndoesItsWrites(t *testing.T) {
	errStop := errors.New("stop")
	for _, c := range []struct {
		name  string
		block func(tx *memrel.Tx, users *memrel.Table[abUser, int64], posts *memrel.Table[abPost, int64]) error
		want  func(err error, panicked any) bool
	}{
		{"error after a cascade", func(tx *memrel.Tx, users *memrel.Table[abUser, int64], posts *memrel.Table[abPost, int64]) error {
			if _, err := users.Delete(tx, 1); err != nil {
				return err
			}
			if _, err := users.Insert(tx, abUser{Name: "new"}); err != nil {
				return err
			}
			return errStop
		}, func(err error, p any) bool { return errors.Is(err, errStop) && p == nil }},
		{"a refused write", func(tx *memrel.Tx, users *memrel.Table[abUser, int64], posts *memrel.Table[abPost, int64]) error {
			if _, err := posts.Insert(tx, abPost{AuthorID: 2}); err != nil {
				return err
			}
			_, err := users.Insert(tx, abUser{Name: "ann"})
			return err
		}, func(err error, p any) bool { return errors.Is(err, memrel.ErrUnique) && p == nil }},
		{"a panic", func(tx *memrel.Tx, users *memrel.Table[abUser, int64], posts *memrel.Table[abPost, int64]) error {
			if _, err := users.Delete(tx, 2); err != nil {
				return err
			}
			panic("boom")
		}, func(err error, p any) bool { return p == "boom" }},
		{"an inner block's failure returned by the outer", func(tx *memrel.Tx, users *memrel.Table[abUser, int64], posts *memrel.Table[abPost, int64]) error {
			if _, err := users.Insert(tx, abUser{Name: "outer"}); err != nil {
				return err
			}
			return tx.Atomic(func(tx *memrel.Tx) error {
				if _, err := users.Delete(tx, 1); err != nil {
					return err
				}
				return errStop
			})
		}, func(err error, p any) bool { return errors.Is(err, errStop) && p == nil }},
	} {
		t.Run(c.name, func(t *testing.T) {
			db, users, posts := abOpen(t)
			tx := db.BeginWrite()
			defer tx.Abort()
			ann, _ := users.Insert(tx, abUser{Name: "ann"})
			bob, _ := users.Insert(tx, abUser{Name: "bob"})
			posts.Insert(tx, abPost{AuthorID: ann.ID})
			posts.Insert(tx, abPost{AuthorID: bob.ID})
			before := tx.Dump()
			var err error
			panicked := func() (p any) {
				defer func() { p = recover() }()
				err = tx.Atomic(func(tx *memrel.Tx) error { return c.block(tx, users, posts) })
				return nil
			}()
			if !c.want(err, panicked) {
				t.Fatalf("Atomic returned %v (panic %v)", err, panicked)
			}
			if after := tx.Dump(); after != before {
				t.Fatalf("the block's writes were not undone:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			if _, err := users.Insert(tx, abUser{Name: "cy"}); err != nil {
				t.Fatalf("the transaction is not usable after the block: %v", err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			db.View(func(tx *memrel.Tx) error {
				if users.Len(tx) != 3 || posts.Len(tx) != 2 {
					t.Errorf("committed %d users and %d posts, want 3 and 2", users.Len(tx), posts.Len(tx))
				}
				return nil
			})
		})
	}
}

// A block that succeeds keeps its writes, nested blocks included; an inner
// block whose failure the outer one handles is undone alone.
func TestAtomicBlockKeepsItsWrites(t *testing.T) {
	db, users, posts := abOpen(t)
	err := db.Update(func(tx *memrel.Tx) error {
		return tx.Atomic(func(tx *memrel.Tx) error {
			ann, err := users.Insert(tx, abUser{Name: "ann"})
			if err != nil {
				return err
			}
			inner := tx.Atomic(func(tx *memrel.Tx) error {
				if _, err := posts.Insert(tx, abPost{AuthorID: ann.ID}); err != nil {
					return err
				}
				_, err := users.Insert(tx, abUser{Name: "ann"}) // refused: the name is taken
				return err
			})
			if !errors.Is(inner, memrel.ErrUnique) {
				t.Errorf("inner block: %v, want ErrUnique", inner)
			}
			return tx.Atomic(func(tx *memrel.Tx) error {
				_, err := posts.Insert(tx, abPost{AuthorID: ann.ID})
				return err
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *memrel.Tx) error {
		if users.Len(tx) != 1 || posts.Len(tx) != 1 {
			t.Errorf("kept %d users and %d posts, want 1 and 1 (the failed inner block's post undone)", users.Len(tx), posts.Len(tx))
		}
		return nil
	})
}

// Atomic needs an open write transaction; a block that ends the
// transaction itself is not undone twice.
func TestAtomicBlockNeedsAnOpenWriteTransaction(t *testing.T) {
	db, users, _ := abOpen(t)
	read := db.BeginRead()
	called := false
	if err := read.Atomic(func(*memrel.Tx) error { called = true; return nil }); !errors.Is(err, memrel.ErrReadOnly) || called {
		t.Errorf("on a read transaction: %v (called %v), want ErrReadOnly and no call", err, called)
	}
	read.Abort()
	tx := db.BeginWrite()
	tx.Abort()
	if err := tx.Atomic(func(*memrel.Tx) error { called = true; return nil }); !errors.Is(err, memrel.ErrTxClosed) || called {
		t.Errorf("on a closed transaction: %v (called %v), want ErrTxClosed and no call", err, called)
	}
	tx = db.BeginWrite()
	err := tx.Atomic(func(tx *memrel.Tx) error {
		if _, err := users.Insert(tx, abUser{Name: "ann"}); err != nil {
			return err
		}
		return tx.Commit()
	})
	if err != nil {
		t.Fatalf("a block that commits: %v", err)
	}
	db.View(func(tx *memrel.Tx) error {
		if users.Len(tx) != 1 {
			t.Errorf("the block's commit kept %d users, want 1", users.Len(tx))
		}
		return nil
	})
}
