package memrel_test

import (
	"errors"
	"fmt"
	"log"
	"testing"

	"github.com/memrel-go/memrel"
)

// Insert, Update, Modify and Delete: the row operations of a table, each
// checked against every relation and constraint declared on it.
func ExampleTable_Insert() {
	db := exOpenBlog()
	err := db.Update(func(tx *memrel.Tx) error {
		// Insert: a zero key is drawn from the table's sequence.
		cy, err := exUsers.Insert(tx, exUser{Name: "cy"})
		if err != nil {
			return err
		}
		fmt.Println("inserted", cy)

		// Update replaces the whole row with the same key.
		cy.Name = "cyril"
		if cy, err = exUsers.Update(tx, cy); err != nil {
			return err
		}
		fmt.Println("updated", cy)

		// Modify reads the row, lets fn change it and writes it back.
		post, err := exPosts.Modify(tx, 3, func(p *exPost) error {
			p.Title = "MVCC, revised"
			p.PublishedAt = exJan(20)
			return nil
		})
		if err != nil {
			return err
		}
		fmt.Println("modified", post.Title, post.Date())

		// A refused write changes nothing and names what is wrong.
		_, err = exPosts.Insert(tx, exPost{AuthorID: 99, Title: "orphan"})
		fmt.Println(err)

		// Delete applies the on-delete rules to the whole graph.
		res, err := exPosts.Delete(tx, 1)
		fmt.Println(res, err)
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// inserted {3 cy}
	// updated {3 cyril}
	// modified MVCC, revised Jan 20
	// memrel: foreign key posts.author: a new posts row points at users 99, which does not exist
	// deleted comments 2, posts 1 <nil>
}

// Set makes a row's links exactly the given ones: it adds what is missing
// and removes the rest, in one step.
func ExampleM2MSide_Set() {
	type tag struct {
		ID   int64
		Name string
	}
	type article struct {
		ID    int64
		Title string
	}
	tags := memrel.NewTable("tags", func(t *tag) *int64 { return &t.ID })
	articles := memrel.NewTable("articles", func(a *article) *int64 { return &a.ID })
	articleTags := memrel.ManyToMany(articles, "tags", tags).Related("articles")
	db, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{tags, articles}})
	if err != nil {
		log.Fatal(err)
	}
	err = db.Update(func(tx *memrel.Tx) error {
		for _, name := range []string{"go", "db", "mvcc"} {
			if _, err := tags.Insert(tx, tag{Name: name}); err != nil {
				return err
			}
		}
		a, err := articles.Insert(tx, article{Title: "Radix trees"})
		if err != nil {
			return err
		}
		show := func() {
			var names []string
			for t := range articleTags.List(tx, a.ID) {
				names = append(names, t.Name)
			}
			fmt.Println(names)
		}
		if err := articleTags.Set(tx, a.ID, []int64{1, 2}); err != nil {
			return err
		}
		show()
		if err := articleTags.Set(tx, a.ID, []int64{2, 3}); err != nil {
			return err
		}
		show()
		// A missing tag refuses the whole Set.
		err = articleTags.Set(tx, a.ID, []int64{1, 42})
		fmt.Println(errors.Is(err, memrel.ErrForeignKey))
		show()
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// [go db]
	// [db mvcc]
	// true
	// [db mvcc]
}

// CallerKeys: the caller chooses every key, as for natural keys; a zero key
// is refused instead of drawn from the sequence.
func ExampleTable_CallerKeys() {
	type country struct {
		Code int64 // ISO 3166 numeric
		Name string
	}
	countries := memrel.NewTable("countries", func(c *country) *int64 { return &c.Code }).CallerKeys()
	db, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{countries}})
	if err != nil {
		log.Fatal(err)
	}
	err = db.Update(func(tx *memrel.Tx) error {
		fr, err := countries.Insert(tx, country{Code: 250, Name: "France"})
		fmt.Println(fr, err)
		_, err = countries.Insert(tx, country{Name: "Nowhere"})
		fmt.Println(errors.Is(err, memrel.ErrInvalidKey))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// {250 France} <nil>
	// true
}

// The pattern for table-driven tests: build the fixture once, and give each
// case its own Snapshot, an O(1) fork that the case may change freely
// without the other cases seeing it.
func TestPatternSnapshotPerCase(t *testing.T) {
	fixture := exOpenBlog() // users, posts and comments, built once
	for _, c := range []struct {
		name      string
		deleteKey int64
		posts     int // left after the delete
		comments  int
	}{
		{"ann's account", 1, 2, 2},
		{"bob's account", 2, 3, 2},
		{"nobody", 0, 5, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			db := fixture.Snapshot()
			err := db.Update(func(tx *memrel.Tx) error {
				if c.deleteKey == 0 {
					return nil
				}
				_, err := exUsers.Delete(tx, c.deleteKey)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			db.View(func(tx *memrel.Tx) error {
				if exPosts.Len(tx) != c.posts || exComments.Len(tx) != c.comments {
					t.Errorf("%d posts and %d comments, want %d and %d", exPosts.Len(tx), exComments.Len(tx), c.posts, c.comments)
				}
				return nil
			})
		})
	}
	// The fixture itself is untouched by every case.
	fixture.View(func(tx *memrel.Tx) error {
		if exPosts.Len(tx) != 5 || exComments.Len(tx) != 4 {
			t.Errorf("the fixture changed: %d posts, %d comments", exPosts.Len(tx), exComments.Len(tx))
		}
		return nil
	})
}
