package relations_test

import (
	"errors"
	"testing"
	"time"

	"github.com/memrel-go/memrel"
)

type refUser struct {
	ID   int64
	Role string
}

type refPost struct {
	ID       int64
	AuthorID int64
	EditorID memrel.Null[int64]
	Created  time.Time
	Views    int
}

type refOther struct {
	ID     int64
	UserID int64
}

// Field references declare relations without accessor functions: the
// relation is named after the field, enforces what an accessor-declared one
// does, and a nullable field makes it nullable.
func TestFieldReferenceForeignKeys(t *testing.T) {
	users := memrel.NewTable("users", func(u *refUser) *int64 { return &u.ID })
	posts := memrel.NewTable("posts", func(p *refPost) *int64 { return &p.ID })
	post := memrel.Fields[refPost]()
	author := memrel.ForeignKey(posts, &post.AuthorID, users, memrel.Cascade).Related("posts")
	editor := memrel.ForeignKey(posts, &post.EditorID, users, memrel.SetNull).Related("edited")
	if author.Name() != "posts.author" || editor.Name() != "posts.editor" {
		t.Fatalf("names %q, %q; want posts.author, posts.editor", author.Name(), editor.Name())
	}
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{users, posts}})
	err := db.Update(func(tx *memrel.Tx) error {
		ann, _ := users.Insert(tx, refUser{})
		bob, _ := users.Insert(tx, refUser{})
		if _, err := posts.Insert(tx, refPost{AuthorID: 99}); !errors.Is(err, memrel.ErrForeignKey) {
			t.Errorf("a post by a missing author: %v, want ErrForeignKey", err)
		}
		p, err := posts.Insert(tx, refPost{AuthorID: ann.ID, EditorID: memrel.Some(bob.ID)})
		if err != nil {
			return err
		}
		if _, err := users.Delete(tx, bob.ID); err != nil {
			return err
		}
		if got, _ := posts.Get(tx, p.ID); got.EditorID.Valid {
			t.Errorf("SetNull through a field reference left editor %v", got.EditorID)
		}
		if _, err := users.Delete(tx, ann.ID); err != nil {
			return err
		}
		if posts.Len(tx) != 0 {
			t.Errorf("Cascade through a field reference left %d posts", posts.Len(tx))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Named overrides the derived name; a one-to-one takes field references too.
func TestFieldReferenceNamedAndOneToOne(t *testing.T) {
	users := memrel.NewTable("users", func(u *refUser) *int64 { return &u.ID })
	others := memrel.NewTable("others", func(o *refOther) *int64 { return &o.ID })
	o := memrel.OneToOne(others, &memrel.Fields[refOther]().UserID, users, memrel.Cascade).Named("owner")
	if o.Name() != "others.owner" {
		t.Fatalf("name %q, want others.owner", o.Name())
	}
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{users, others}})
	tx := beginTx(t, db)
	u, _ := users.Insert(tx, refUser{})
	if _, err := others.Insert(tx, refOther{UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := others.Insert(tx, refOther{UserID: u.ID}); !errors.Is(err, memrel.ErrUnique) {
		t.Fatalf("a second row for one user: %v, want ErrUnique", err)
	}
}

// A field reference that is not into the child's Fields row is refused at
// Open, naming the table; so is a schema whose Fields row was written to.
func TestFieldReferenceOutsideTheRow(t *testing.T) {
	users := memrel.NewTable("users", func(u *refUser) *int64 { return &u.ID })
	posts := memrel.NewTable("posts", func(p *refPost) *int64 { return &p.ID })
	var loose refPost
	memrel.ForeignKey(posts, &loose.AuthorID, users, memrel.Cascade)
	schemaErr(t, memrel.Schema{Tables: []memrel.AnyTable{users, posts}},
		"relation on posts: the key field must be a field of the row")

	others := memrel.NewTable("others", func(o *refOther) *int64 { return &o.ID })
	memrel.ForeignKey(others, &memrel.Fields[refPost]().AuthorID, users, memrel.Cascade).Named("user")
	schemaErr(t, memrel.Schema{Tables: []memrel.AnyTable{users, others}},
		"relation others.user: the key field must be a field of the row")

	users2 := memrel.NewTable("users", func(u *refUser) *int64 { return &u.ID })
	memrel.Fields[refUser]().Role = "x"
	defer func() { memrel.Fields[refUser]().Role = "" }()
	schemaErr(t, memrel.Schema{Tables: []memrel.AnyTable{users2}},
		"table users: the field-reference row Fields[relations_test.refUser]() was written to")
}

// Default and DefaultFunc fill zero fields of new rows, before the table's
// Defaults function; a value the caller gives is kept.
func TestTableDefaults(t *testing.T) {
	post := memrel.Fields[refPost]()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var seen int
	posts := memrel.NewTable("posts", func(p *refPost) *int64 { return &p.ID },
		memrel.Default(&post.Views, 7), memrel.DefaultFunc(&post.Created, func() time.Time { return at })).
		Defaults(func(p *refPost) { seen = p.Views })
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{posts}})
	tx := beginTx(t, db)
	p, err := posts.Insert(tx, refPost{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Views != 7 || !p.Created.Equal(at) || seen != 7 {
		t.Fatalf("defaults gave %+v (Defaults saw %d), want Views 7, Created %v, seen 7", p, seen, at)
	}
	given := at.Add(time.Hour)
	if p, _ = posts.Insert(tx, refPost{Views: 3, Created: given}); p.Views != 3 || !p.Created.Equal(given) {
		t.Fatalf("given values were replaced: %+v", p)
	}

	var loose refPost
	bad := memrel.NewTable("bad", func(p *refPost) *int64 { return &p.ID }, memrel.Default(&loose.Views, 1))
	schemaErr(t, memrel.Schema{Tables: []memrel.AnyTable{bad}},
		"table bad: Default: the field must be a field reference into the table's row type")
}
