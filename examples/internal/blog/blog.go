// Package blog is the Blog domain: users write posts and comment on them.
// It shows one-to-many relations, Cascade and SetNull deletes, a unique
// constraint, eager loading, and ordered indexes: one for the feed, one
// grouped by author. The Django models it mirrors:
//
//	class User(Model):
//	    username = CharField(unique=True)
//	class Post(Model):
//	    author = ForeignKey(User, CASCADE, related_name="posts")
//	    title = CharField(); body = TextField()
//	    published_at = DateTimeField(null=True, db_index=True)
//	    # Meta.indexes = [Index(fields=["author", "published_at"])]
//	class Comment(Model):
//	    post = ForeignKey(Post, CASCADE, related_name="comments")
//	    author = ForeignKey(User, SET_NULL, null=True, related_name="comments")
//	    body = TextField()
//	    created_at = DateTimeField(auto_now_add=True)
package blog

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/examples/internal/show"
)

// User is a row of users.
type User struct {
	ID       int64
	Username string
}

// Post is a row of posts.
type Post struct {
	ID          int64
	AuthorID    int64
	Title       string
	Body        string
	PublishedAt memrel.Null[time.Time] // empty: a draft
}

// Comment is a row of comments.
type Comment struct {
	ID        int64
	PostID    int64
	AuthorID  memrel.Null[int64] // empty once the author's account is deleted
	Body      string
	CreatedAt time.Time // filled in on insert
}

// The schema. userF, postF and commentF are the field-reference rows of
// User, Post and Comment (memrel.Fields): &postF.AuthorID names the AuthorID
// field of Post, checked by the compiler. The F suffix keeps them apart from
// row variables; nothing reads or writes them. Each foreign key's reverse
// name is its child table's name, as related_name says: user.posts,
// post.comments, user.comments.
var (
	userF, postF, commentF = memrel.Fields[User](), memrel.Fields[Post](), memrel.Fields[Comment]()

	Users    = memrel.NewTable("users", func(u *User) *int64 { return &u.ID })
	Posts    = memrel.NewTable("posts", func(p *Post) *int64 { return &p.ID })
	Comments = memrel.NewTable("comments", func(c *Comment) *int64 { return &c.ID },
		memrel.DefaultFunc(&commentF.CreatedAt, time.Now)) // Django's auto_now_add

	PostAuthor    = memrel.ForeignKey(Posts, &postF.AuthorID, Users, memrel.Cascade)
	CommentPost   = memrel.ForeignKey(Comments, &commentF.PostID, Posts, memrel.Cascade)
	CommentAuthor = memrel.ForeignKey(Comments, &commentF.AuthorID, Users, memrel.SetNull)

	UniqueUsername = memrel.Unique(Users, "uniq_username", &userF.Username)

	// PostsByPublished orders every post by publication time, for the feed
	// (Django's published_at = DateTimeField(null=True, db_index=True)).
	PostsByPublished = memrel.NewIndex(Posts, "published_at", &postF.PublishedAt)
	// PostsByAuthorPublished groups posts by author and orders each
	// author's posts by publication time (Django's Meta.indexes =
	// [Index(fields=["author", "published_at"])]).
	PostsByAuthorPublished = memrel.NewGroupedIndex(Posts, "author_published", &postF.AuthorID, &postF.PublishedAt)

	Schema = memrel.Schema{Tables: []memrel.AnyTable{Users, Posts, Comments}}
)

// Run opens a DB with the schema and walks through the domain, writing what
// happens to w.
func Run(w io.Writer) error {
	_, err := RunDB(w)
	return err
}

// RunDB is Run that also returns the DB, in the state the walk leaves it
// (for tests that dump or save it).
func RunDB(w io.Writer) (*memrel.DB, error) {
	db, err := memrel.Open(Schema)
	if err != nil {
		return nil, err
	}
	return db, run(w, db)
}

func run(w io.Writer, db *memrel.DB) error {
	say := show.New(w)
	var err error
	jan := func(day, hour int) time.Time { return time.Date(2026, 1, day, hour, 0, 0, 0, time.UTC) }

	// Create the rows in one transaction: ids come from each table's
	// sequence, in insert order.
	var ann, bob User
	var hello, draft, second, corner Post
	var welcome Comment
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		if ann, err = Users.Insert(tx, User{Username: "ann"}); err != nil {
			return err
		}
		if bob, err = Users.Insert(tx, User{Username: "bob"}); err != nil {
			return err
		}
		if hello, err = Posts.Insert(tx, Post{AuthorID: ann.ID, Title: "Hello, memrel",
			PublishedAt: memrel.Some(jan(2, 9))}); err != nil {
			return err
		}
		if draft, err = Posts.Insert(tx, Post{AuthorID: ann.ID, Title: "Notes to self"}); err != nil {
			return err
		}
		if second, err = Posts.Insert(tx, Post{AuthorID: ann.ID, Title: "Second steps",
			PublishedAt: memrel.Some(jan(4, 9))}); err != nil {
			return err
		}
		if corner, err = Posts.Insert(tx, Post{AuthorID: bob.ID, Title: "Bob's corner",
			PublishedAt: memrel.Some(jan(3, 9))}); err != nil {
			return err
		}
		if welcome, err = Comments.Insert(tx, Comment{PostID: hello.ID, AuthorID: memrel.Some(bob.ID),
			Body: "Welcome!"}); err != nil {
			return err
		}
		for _, c := range []Comment{
			{PostID: hello.ID, AuthorID: memrel.Some(ann.ID), Body: "Thanks, Bob."},
			{PostID: draft.ID, AuthorID: memrel.Some(ann.ID), Body: "Remember to finish this."},
			{PostID: corner.ID, AuthorID: memrel.Some(ann.ID), Body: "Nice corner, Bob."},
			{PostID: second.ID, AuthorID: memrel.Some(bob.ID), Body: "Looking forward to it."},
		} {
			if _, err := Comments.Insert(tx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("Created (ids are assigned by each table's sequence):")
	err = db.View(func(tx *memrel.Tx) error {
		for u := range Users.All(tx) {
			say.Line("  user %d %s", u.ID, u.Username)
		}
		for p := range Posts.All(tx) {
			author, _ := PostAuthor.Parent(tx, p) // a required key: always found
			published := "a draft"
			if t, ok := p.PublishedAt.Get(); ok {
				published = "published " + show.Day(t)
			}
			say.Line("  post %d %q by %s, %s", p.ID, p.Title, author.Username, published)
		}
		allStamped := true
		for c := range Comments.All(tx) {
			say.Line("  comment %d on post %d by %s: %q", c.ID, c.PostID, commentAuthor(tx, c), c.Body)
			allStamped = allStamped && !c.CreatedAt.IsZero()
		}
		say.Line("  every comment got its created_at from memrel.DefaultFunc: %t", allStamped)
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("Following relations:")
	err = db.View(func(tx *memrel.Tx) error {
		// Forward: comment -> post -> author.
		post, _ := CommentPost.Parent(tx, welcome)
		author, _ := PostAuthor.Parent(tx, post)
		say.Line("  forward:  comment %d -> post %q -> author %s", welcome.ID, post.Title, author.Username)
		// Backward: user -> posts, post -> comments.
		say.Line("  backward: %s.%s:", ann.Username, PostAuthor.RelatedName())
		for p := range PostAuthor.Children(tx, ann.ID) {
			say.Line("    post %d %q", p.ID, p.Title)
		}
		say.Line("  backward: post %d.%s (%d):", hello.ID, CommentPost.RelatedName(), CommentPost.Count(tx, hello.ID))
		for c := range CommentPost.Children(tx, hello.ID) {
			say.Line("    comment %d by %s: %q", c.ID, commentAuthor(tx, c), c.Body)
		}
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("Loading posts with their author, comments and comment authors in one call (memrel.Load),")
	say.Line("as Django's select_related and prefetch_related do:")
	err = db.View(func(tx *memrel.Tx) error {
		posts := slices.Collect(Posts.All(tx))
		l, err := memrel.Load(tx, posts, PostAuthor.Forward(), CommentPost.Reverse(CommentAuthor.Forward()))
		if err != nil {
			return err
		}
		for _, p := range posts {
			author, _ := PostAuthor.LoadedParent(l, p)
			var commenters []string
			for _, c := range CommentPost.LoadedChildren(l, p.ID) {
				name := "(none)"
				if u, ok := CommentAuthor.LoadedParent(l, c); ok {
					name = u.Username
				}
				commenters = append(commenters, name)
			}
			say.Line("  post %d %q by %s; comments by %s", p.ID, p.Title, author.Username, strings.Join(commenters, ", "))
		}
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("ann's published posts, newest first (grouped index author_published, Descend within ann's")
	say.Line("group; a draft has no date, which sorts before every date, so drafts come last and the")
	say.Line("listing stops at the first one):")
	err = db.View(func(tx *memrel.Tx) error {
		for p := range published(PostsByAuthorPublished.Descend(tx, ann.ID)) {
			say.Line("  %s %q", show.Day(p.PublishedAt.V), p.Title)
		}
		say.Line("  (ann has %d posts in all)", PostsByAuthorPublished.Count(tx, ann.ID))
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("The feed: the 10 newest published posts (index published_at, Descend, memrel.Take), each")
	say.Line("with its author, loaded in one call (memrel.Load), and its comment count (comments.post Count):")
	err = db.View(func(tx *memrel.Tx) error {
		feed := memrel.Take(published(PostsByPublished.Descend(tx)), 10)
		l, err := memrel.Load(tx, feed, PostAuthor.Forward())
		if err != nil {
			return err
		}
		for _, p := range feed {
			author, _ := PostAuthor.LoadedParent(l, p) // a required key: always loaded
			say.Line("  %s %-16q by %s, comments: %d", show.Day(p.PublishedAt.V), p.Title, author.Username,
				CommentPost.Count(tx, p.ID))
		}
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("Refused operations change nothing:")
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := Users.Insert(tx, User{Username: "ann"})
		return err
	})
	var ue *memrel.UniqueError
	if !errors.As(err, &ue) {
		return fmt.Errorf("a second user named ann: want a UniqueError, got %v", err)
	}
	say.Line("  a second user named ann: %v", err)
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := Comments.Insert(tx, Comment{PostID: 99, Body: "Hello?"})
		return err
	})
	var fe *memrel.ForeignKeyError
	if !errors.As(err, &fe) {
		return fmt.Errorf("a comment on a missing post: want a ForeignKeyError, got %v", err)
	}
	say.Line("  a comment on post 99, which does not exist: %v", err)
	err = db.View(func(tx *memrel.Tx) error {
		say.Line("  still users %d, comments %d", Users.Len(tx), Comments.Len(tx))
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("Deleting post %d deletes its comments (comments.post is Cascade):", draft.ID)
	var res memrel.DeleteResult
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		res, err = Posts.Delete(tx, draft.ID)
		return err
	})
	if err != nil {
		return err
	}
	say.Line("  %v", res)

	say.Line("")
	say.Line("What deleting user %s would do, previewed in a read transaction (Users.DeletePreview", ann.Username)
	say.Line("runs the delete's collector and writes nothing, as Django admin's confirmation page):")
	err = say.Preview(db, func(tx *memrel.Tx) (memrel.DeletePlan, error) { return Users.DeletePreview(tx, ann.ID) })
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("Deleting user %s deletes her posts (posts.author is Cascade) and their comments,", ann.Username)
	say.Line("and empties the author of her comments on other posts (comments.author is SetNull):")
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		res, err = Users.Delete(tx, ann.ID)
		return err
	})
	if err != nil {
		return err
	}
	say.Line("  %v", res)
	err = db.View(func(tx *memrel.Tx) error {
		for c := range CommentAuthor.Orphans(tx) {
			post, _ := CommentPost.Parent(tx, c)
			say.Line("  comment %d on %q is kept, author now %s: %q", c.ID, post.Title, commentAuthor(tx, c), c.Body)
		}
		say.Line("  left: users %d, posts %d, comments %d", Users.Len(tx), Posts.Len(tx), Comments.Len(tx))
		return nil
	})
	if err != nil {
		return err
	}

	return say.Finish(db)
}

// published yields the posts of a descending walk of a published_at index
// until the first draft: drafts have no date, so they come last.
func published(posts iter.Seq[Post]) iter.Seq[Post] {
	return func(yield func(Post) bool) {
		for p := range posts {
			if !p.PublishedAt.Valid || !yield(p) {
				return
			}
		}
	}
}

// commentAuthor names a comment's author, or says there is none.
func commentAuthor(tx *memrel.Tx, c Comment) string {
	if u, ok := CommentAuthor.Parent(tx, c); ok {
		return u.Username
	}
	return "(none)"
}
