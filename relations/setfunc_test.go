package relations_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/memrel-go/memrel"
)

// Set functions that write in the transaction (Django's sentinel pattern,
// get_or_create inside SET(callable)): the delete is judged on the state
// that includes their writes, as if they had run just before it, whatever
// the order in which the relations were declared.

type sfUser struct {
	ID   int64
	Name string
}

type sfPost struct {
	ID       int64
	AuthorID int64
	Title    string
}

type sfComment struct {
	ID       int64
	AuthorID int64
	Body     string
}

type sfSchema struct {
	db       *memrel.DB
	users    *memrel.Table[sfUser, int64]
	posts    *memrel.Table[sfPost, int64]
	comments *memrel.Table[sfComment, int64]
	byName   *memrel.UniqueConstraint[sfUser, string]
	calls    int
}

// openSetFunc opens users, posts (Cascade from users) and comments (Set
// from users through a function that finds or creates the user "deleted",
// then runs extra). postsFirst decides which relation is declared first.
func openSetFunc(t *testing.T, postsFirst bool, extra func(s *sfSchema, tx *memrel.Tx) error) *sfSchema {
	t.Helper()
	s := &sfSchema{}
	s.users = memrel.NewTable("users", func(u *sfUser) *int64 { return &u.ID })
	s.posts = memrel.NewTable("posts", func(p *sfPost) *int64 { return &p.ID })
	s.comments = memrel.NewTable("comments", func(c *sfComment) *int64 { return &c.ID })
	s.byName = memrel.UniqueFunc(s.users, "uniq_user_name", func(u *sfUser) string { return u.Name })
	uniqBody := memrel.UniqueFunc(s.comments, "uniq_comment_body", func(c *sfComment) string { return c.Body })
	sentinel := func(tx *memrel.Tx) (int64, error) {
		s.calls++
		if extra != nil {
			if err := extra(s, tx); err != nil {
				return 0, err
			}
		}
		if u, ok := s.byName.Get(tx, "deleted"); ok {
			return u.ID, nil
		}
		u, err := s.users.Insert(tx, sfUser{Name: "deleted"})
		return u.ID, err
	}
	postAuthor := memrel.ForeignKey(s.posts, func(p *sfPost) *int64 { return &p.AuthorID }, s.users, memrel.Cascade).Related("posts")
	commentAuthor := memrel.ForeignKey(s.comments, func(c *sfComment) *int64 { return &c.AuthorID }, s.users, memrel.Set).
		SetFunc(sentinel).Related("comments")
	rels := []memrel.Relation{postAuthor, commentAuthor}
	if !postsFirst {
		rels = []memrel.Relation{commentAuthor, postAuthor}
	}
	s.db = openDB(t, memrel.Schema{
		Tables:      []memrel.AnyTable{s.users, s.posts, s.comments},
		Relations:   rels,
		Constraints: []memrel.Constraint{s.byName, uniqBody},
	})
	// ann (1) has posts 1, 2 and comments 1 ("a"), 2 ("b"); bob (2) has
	// post 3 and comment 3 ("c").
	tx := s.db.BeginWrite()
	defer tx.Abort()
	for _, n := range []string{"ann", "bob"} {
		_, err := s.users.Insert(tx, sfUser{Name: n})
		mustOK(t, err)
	}
	for _, a := range []int64{1, 1, 2} {
		_, err := s.posts.Insert(tx, sfPost{AuthorID: a})
		mustOK(t, err)
	}
	for i, a := range []int64{1, 1, 2} {
		_, err := s.comments.Insert(tx, sfComment{AuthorID: a, Body: string(rune('a' + i))})
		mustOK(t, err)
	}
	mustOK(t, tx.Commit())
	return s
}

// both runs fn with each declaration order.
func both(t *testing.T, fn func(t *testing.T, postsFirst bool)) {
	for _, first := range []bool{true, false} {
		t.Run(fmt.Sprintf("postsFirst=%v", first), func(t *testing.T) { fn(t, first) })
	}
}

func (s *sfSchema) deleteAnn(t *testing.T) memrel.DeleteResult {
	t.Helper()
	tx := beginTx(t, s.db)
	res, err := s.users.Delete(tx, 1)
	mustOK(t, err)
	finishTx(t, s.db, tx)
	return res
}

func (s *sfSchema) state(t *testing.T) (posts []sfPost, comments []sfComment) {
	t.Helper()
	mustOK(t, s.db.View(func(tx *memrel.Tx) error {
		for p := range s.posts.All(tx) {
			posts = append(posts, p)
		}
		for c := range s.comments.All(tx) {
			comments = append(comments, c)
		}
		return nil
	}))
	return posts, comments
}

// The function inserts a post by the user being deleted: that post is
// cascaded with the others, never left pointing at the deleted user.
func TestSetFuncInsertsCascadeChildOfDeletedParent(t *testing.T) {
	both(t, func(t *testing.T, postsFirst bool) {
		s := openSetFunc(t, postsFirst, func(s *sfSchema, tx *memrel.Tx) error {
			_, err := s.posts.Insert(tx, sfPost{AuthorID: 1, Title: "late"})
			return err
		})
		res := s.deleteAnn(t)
		posts, _ := s.state(t)
		if len(posts) != 1 || posts[0].ID != 3 {
			t.Fatalf("posts after the delete = %+v, want only bob's post 3", posts)
		}
		if res.Deleted["posts"] != 3 || res.Deleted["users"] != 1 || res.Updated["comments"] != 2 {
			t.Errorf("result %v, want posts 3 and users 1 deleted, comments 2 updated", res)
		}
		if s.calls != 1 {
			t.Errorf("the Set function ran %d times, want once per delete", s.calls)
		}
	})
}

// The function deletes a comment its own rule would re-point: it stays
// deleted, and the others point at the sentinel.
func TestSetFuncDeletesRowItsRuleRepoints(t *testing.T) {
	both(t, func(t *testing.T, postsFirst bool) {
		s := openSetFunc(t, postsFirst, func(s *sfSchema, tx *memrel.Tx) error {
			if !s.comments.Has(tx, 1) {
				return nil
			}
			_, err := s.comments.Delete(tx, 1)
			return err
		})
		res := s.deleteAnn(t)
		_, comments := s.state(t)
		want := []sfComment{{ID: 2, AuthorID: 3, Body: "b"}, {ID: 3, AuthorID: 2, Body: "c"}}
		if fmt.Sprint(comments) != fmt.Sprint(want) {
			t.Fatalf("comments = %+v, want %+v", comments, want)
		}
		if res.Updated["comments"] != 1 {
			t.Errorf("result %v, want 1 comment updated", res)
		}
	})
}

// The function updates a comment its rule re-points: the update stays, and
// the rule's value is written over it, not over an older copy.
func TestSetFuncUpdatesRowItsRuleRepoints(t *testing.T) {
	both(t, func(t *testing.T, postsFirst bool) {
		s := openSetFunc(t, postsFirst, func(s *sfSchema, tx *memrel.Tx) error {
			_, err := s.comments.Modify(tx, 1, func(c *sfComment) error { c.Body = "edited"; return nil })
			return err
		})
		s.deleteAnn(t)
		_, comments := s.state(t)
		if comments[0] != (sfComment{ID: 1, AuthorID: 3, Body: "edited"}) {
			t.Fatalf("comment 1 = %+v, want the edit kept and the sentinel (3) as author", comments[0])
		}
	})
}

// The function deletes a comment and inserts another with the same unique
// body: the delete is judged on that state, so nothing collides.
func TestSetFuncReplacesRowWithSameUniqueValue(t *testing.T) {
	both(t, func(t *testing.T, postsFirst bool) {
		s := openSetFunc(t, postsFirst, func(s *sfSchema, tx *memrel.Tx) error {
			if !s.comments.Has(tx, 1) {
				return nil
			}
			if _, err := s.comments.Delete(tx, 1); err != nil {
				return err
			}
			_, err := s.comments.Insert(tx, sfComment{AuthorID: 2, Body: "a"})
			return err
		})
		s.deleteAnn(t)
		_, comments := s.state(t)
		want := []sfComment{{ID: 2, AuthorID: 3, Body: "b"}, {ID: 3, AuthorID: 2, Body: "c"}, {ID: 4, AuthorID: 2, Body: "a"}}
		if fmt.Sprint(comments) != fmt.Sprint(want) {
			t.Fatalf("comments = %+v, want %+v", comments, want)
		}
	})
}

// The function deletes a post that the same delete cascades to: the delete
// goes through, and counts only what it removed itself.
func TestSetFuncDeletesRowTheDeleteCascadesTo(t *testing.T) {
	both(t, func(t *testing.T, postsFirst bool) {
		s := openSetFunc(t, postsFirst, func(s *sfSchema, tx *memrel.Tx) error {
			if !s.posts.Has(tx, 1) {
				return nil
			}
			_, err := s.posts.Delete(tx, 1)
			return err
		})
		res := s.deleteAnn(t)
		posts, _ := s.state(t)
		if len(posts) != 1 || posts[0].ID != 3 {
			t.Fatalf("posts = %+v, want only post 3", posts)
		}
		if res.Deleted["posts"] != 1 {
			t.Errorf("result %v, want 1 post deleted by the delete itself", res)
		}
	})
}

// The function deletes the very row being deleted (its own inner delete
// runs the function again, which then only finds the sentinel): the outer
// delete finds the row missing and, refused, undoes the function's writes.
func TestSetFuncDeletesTheRowBeingDeleted(t *testing.T) {
	first := true
	s := openSetFunc(t, true, func(s *sfSchema, tx *memrel.Tx) error {
		if !first {
			return nil
		}
		first = false
		_, err := s.users.Delete(tx, 1)
		return err
	})
	tx := beginTx(t, s.db)
	err := refused(t, tx, memrel.ErrNotFound, func() error { _, err := s.users.Delete(tx, 1); return err })
	var ke *memrel.KeyError
	if !errors.As(err, &ke) || ke.Table != "users" || ke.Key != int64(1) {
		t.Fatalf("error %v, want a KeyError naming users 1", err)
	}
	if s.calls != 2 {
		t.Errorf("the function ran %d times, want 2 (the outer delete and the function's own)", s.calls)
	}
}

// A function that writes and then fails refuses the delete, and its writes
// are undone with the rest; so are they when a missing key refuses it.
func TestSetFuncWritesUndoneWhenDeleteRefused(t *testing.T) {
	errNoSentinel := errors.New("no sentinel today")
	s := openSetFunc(t, false, func(s *sfSchema, tx *memrel.Tx) error {
		if _, err := s.posts.Insert(tx, sfPost{AuthorID: 2, Title: "by the function"}); err != nil {
			return err
		}
		return errNoSentinel
	})
	tx := beginTx(t, s.db)
	refused(t, tx, errNoSentinel, func() error { _, err := s.users.Delete(tx, 1); return err })
	if s.calls != 1 {
		t.Errorf("the function ran %d times, want 1", s.calls)
	}
	refused(t, tx, memrel.ErrNotFound, func() error { _, err := s.users.Delete(tx, 1, 99); return err })
}
