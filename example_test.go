package memrel_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/memrel-go/memrel"
)

// The examples use the blog and shop schema of fixtures_test.go: tables
// Users, Posts, Comments, Products, Orders and OrderItems, and relations
// PostAuthor (Cascade), CommentPost (Cascade), CommentAuthor (SetNull),
// OrderCustomer (Protect), ItemOrder (Cascade) and ItemProduct (Protect).

// seedBlog loads two users, ann (1) and bob (2); ann's posts 1 and 2, bob's
// post 3; on post 1 a comment by ann (1) and one by bob (2), on post 3 a
// comment by ann (3).
func seedBlog(db *memrel.DB) {
	err := db.Update(func(tx *memrel.Tx) error {
		for _, name := range []string{"ann", "bob"} {
			if _, err := Users.Insert(tx, User{Username: name}); err != nil {
				return err
			}
		}
		for _, p := range []Post{{AuthorID: 1, Title: "Hello"}, {AuthorID: 1, Title: "Again"}, {AuthorID: 2, Title: "Bob's"}} {
			if _, err := Posts.Insert(tx, p); err != nil {
				return err
			}
		}
		for _, c := range []Comment{
			{PostID: 1, AuthorID: memrel.Some[int64](1), Body: "first!"},
			{PostID: 1, AuthorID: memrel.Some[int64](2), Body: "welcome"},
			{PostID: 3, AuthorID: memrel.Some[int64](1), Body: "nice"},
		} {
			if _, err := Comments.Insert(tx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleOpen() {
	type Author struct {
		ID   int64
		Name string
	}
	type Book struct {
		ID       int64
		AuthorID int64
		Title    string
	}
	var (
		authors    = memrel.NewTable("authors", func(a *Author) *int64 { return &a.ID })
		books      = memrel.NewTable("books", func(b *Book) *int64 { return &b.ID })
		bookAuthor = memrel.ForeignKey(books, func(b *Book) *int64 { return &b.AuthorID }, authors, memrel.Cascade).Related("books")
		uniqueName = memrel.UniqueFunc(authors, "uniq_author_name", func(a *Author) string { return a.Name })
	)

	db, err := memrel.Open(memrel.Schema{
		Tables:      []memrel.AnyTable{authors, books},
		Relations:   []memrel.Relation{bookAuthor},
		Constraints: []memrel.Constraint{uniqueName},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range db.Tables() {
		fmt.Println("table", t.Name())
	}
	fmt.Println(bookAuthor.Name(), "->", authors.Name(), bookAuthor.OnDelete(), "reverse", bookAuthor.RelatedName())

	// Open checks the whole schema and reports every problem at once.
	_, err = memrel.Open(memrel.Schema{
		Tables:      []memrel.AnyTable{books},
		Relations:   []memrel.Relation{bookAuthor},
		Constraints: []memrel.Constraint{uniqueName},
	})
	fmt.Println(errors.Is(err, memrel.ErrSchema))
	fmt.Println(err)
	// Output:
	// table authors
	// table books
	// books.author -> authors Cascade reverse books
	// true
	// memrel: schema: relation books.author refers to table authors, which is not in the schema: invalid schema
	// memrel: schema: constraint uniq_author_name is on table authors, which is not in the schema: invalid schema
}

func ExampleOpen_update() {
	db := openShop()

	err := db.Update(func(tx *memrel.Tx) error {
		ann, err := Users.Insert(tx, User{Username: "ann"}) // ID 0: assigned from the sequence
		if err != nil {
			return err
		}
		post, err := Posts.Insert(tx, Post{AuthorID: ann.ID, Title: "Hello"})
		if err != nil {
			return err
		}
		fmt.Printf("user %d %s, post %d by user %d\n", ann.ID, ann.Username, post.ID, post.AuthorID)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}

	// An error returned from fn discards every write fn made.
	err = db.Update(func(tx *memrel.Tx) error {
		if _, err := Users.Insert(tx, User{Username: "bob"}); err != nil {
			return err
		}
		_, err := Posts.Insert(tx, Post{AuthorID: 99, Title: "orphan"})
		return err // no user 99: ErrForeignKey
	})
	fmt.Println(err)
	fmt.Println(errors.Is(err, memrel.ErrForeignKey))

	err = db.View(func(tx *memrel.Tx) error {
		fmt.Println("users:", Users.Len(tx))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// user 1 ann, post 1 by user 1
	// memrel: foreign key posts.author: a new posts row points at users 99, which does not exist
	// true
	// users: 1
}

func ExampleOpen_view() {
	db := openShop()
	seedBlog(db)

	err := db.View(func(tx *memrel.Tx) error {
		if u, ok := Users.Get(tx, 2); ok {
			fmt.Println("user 2:", u.Username)
		}
		if _, ok := Users.Get(tx, 42); !ok {
			fmt.Println("user 42: none")
		}
		for p := range Posts.All(tx) {
			fmt.Printf("post %d: %s\n", p.ID, p.Title)
		}
		fmt.Println("comments:", Comments.Len(tx))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// user 2: bob
	// user 42: none
	// post 1: Hello
	// post 2: Again
	// post 3: Bob's
	// comments: 3
}

func ExampleForeignKey_children() {
	db := openShop()
	seedBlog(db)

	err := db.View(func(tx *memrel.Tx) error {
		// Backward: ann's posts, and the comments on post 1.
		for p := range PostAuthor.Children(tx, 1) {
			fmt.Printf("ann's post %d: %s\n", p.ID, p.Title)
		}
		for c := range CommentPost.Children(tx, 1) {
			fmt.Printf("on post 1: %q\n", c.Body)
		}
		fmt.Println("comments by bob:", CommentAuthor.Count(tx, 2))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// ann's post 1: Hello
	// ann's post 2: Again
	// on post 1: "first!"
	// on post 1: "welcome"
	// comments by bob: 1
}

func ExampleForeignKey_parent() {
	db := openShop()
	seedBlog(db)

	err := db.Update(func(tx *memrel.Tx) error {
		c, ok := Comments.Get(tx, 2)
		if !ok {
			return errors.New("no comment 2")
		}
		// Forward: comment -> post -> author.
		post, ok := CommentPost.Parent(tx, c)
		if !ok {
			return errors.New("comment 2 has no post")
		}
		author, ok := PostAuthor.Parent(tx, post)
		if !ok {
			return errors.New("post has no author")
		}
		fmt.Printf("comment %d is on %q by %s\n", c.ID, post.Title, author.Username)

		// An empty nullable key has no parent.
		orphan, err := Comments.Insert(tx, Comment{PostID: 1, Body: "anonymous"})
		if err != nil {
			return err
		}
		if _, ok := CommentAuthor.Parent(tx, orphan); !ok {
			fmt.Printf("comment %d has no author\n", orphan.ID)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// comment 2 is on "Hello" by ann
	// comment 4 has no author
}

func ExampleOneToOne() {
	type Profile struct {
		ID       int64
		UserID   int64
		Timezone string
	}
	var (
		profiles    = memrel.NewTable("profiles", func(p *Profile) *int64 { return &p.ID })
		profileUser = memrel.OneToOne(profiles, func(p *Profile) *int64 { return &p.UserID }, Users, memrel.Cascade).Related("profile")
	)
	db, err := memrel.Open(memrel.Schema{
		Tables:    []memrel.AnyTable{Users, profiles},
		Relations: []memrel.Relation{profileUser},
	})
	if err != nil {
		log.Fatal(err)
	}

	err = db.Update(func(tx *memrel.Tx) error {
		ann, err := Users.Insert(tx, User{Username: "ann"})
		if err != nil {
			return err
		}
		bob, err := Users.Insert(tx, User{Username: "bob"})
		if err != nil {
			return err
		}
		if _, err := profiles.Insert(tx, Profile{UserID: ann.ID, Timezone: "Europe/Paris"}); err != nil {
			return err
		}

		if p, ok := profileUser.Child(tx, ann.ID); ok {
			fmt.Println("ann's timezone:", p.Timezone)
		}
		if _, ok := profileUser.Child(tx, bob.ID); !ok {
			fmt.Println("bob has no profile")
		}

		// A user has at most one profile.
		_, err = profiles.Insert(tx, Profile{UserID: ann.ID, Timezone: "UTC"})
		fmt.Println(err)
		fmt.Println(errors.Is(err, memrel.ErrUnique))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// ann's timezone: Europe/Paris
	// bob has no profile
	// memrel: one-to-one profiles.user: users 1 already has profiles 1, so a new profiles row cannot reference it too
	// true
}

func ExampleForeignKey_cascade() {
	db := openShop()
	seedBlog(db)

	// Deleting ann deletes her posts (Cascade) and their comments (Cascade),
	// and empties the author of her comment on bob's post (SetNull).
	err := db.Update(func(tx *memrel.Tx) error {
		res, err := Users.Delete(tx, 1)
		if err != nil {
			return err
		}
		fmt.Println(res)
		fmt.Println("rows deleted:", res.Total(), "posts deleted:", res.Deleted["posts"])
		for c := range Comments.All(tx) {
			fmt.Printf("comment %d on post %d by %v: %q\n", c.ID, c.PostID, c.AuthorID, c.Body)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// deleted comments 2, posts 2, users 1; updated comments 1
	// rows deleted: 5 posts deleted: 2
	// comment 3 on post 3 by null: "nice"
}

func ExampleProtectedError() {
	db := openShop()
	seedBlog(db)

	err := db.Update(func(tx *memrel.Tx) error {
		for range 2 {
			if _, err := Orders.Insert(tx, Order{CustomerID: 2}); err != nil {
				return err
			}
		}
		// bob has orders: orders.customer is Protect.
		_, err := Users.Delete(tx, 2)
		return err
	})
	fmt.Println(err)
	fmt.Println(errors.Is(err, memrel.ErrProtected))
	var pe *memrel.ProtectedError
	if errors.As(err, &pe) {
		for _, r := range pe.Rows {
			fmt.Printf("%s %v through %s\n", r.Table, r.Key, r.Relation)
		}
	}

	// The refused transaction changed nothing.
	err = db.View(func(tx *memrel.Tx) error {
		fmt.Println("users:", Users.Len(tx), "orders:", Orders.Len(tx))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// memrel: cannot delete users 2: protected by orders.customer (orders 1, 2)
	// true
	// orders 1 through orders.customer
	// orders 2 through orders.customer
	// users: 2 orders: 0
}

func ExampleUniqueError() {
	db := openShop()
	seedBlog(db)

	err := db.Update(func(tx *memrel.Tx) error {
		_, err := Users.Insert(tx, User{Username: "bob"})
		return err
	})
	var ue *memrel.UniqueError
	if errors.As(err, &ue) {
		fmt.Println("constraint:", ue.Constraint)
		fmt.Println("conflict:", ue.Conflict)
		fmt.Println("value:", ue.Value)
	}
	fmt.Println(err)
	// Output:
	// constraint: uniq_username
	// conflict: users 2
	// value: bob
	// memrel: unique constraint uniq_username on users: a new users row has the value "bob" of users 2
}

func ExampleOpen_snapshot() {
	// Load the fixture once...
	fixture := openShop()
	seedBlog(fixture)

	// ...and give each test its own copy, in O(1).
	for _, test := range []string{"delete ann", "add carl"} {
		db := fixture.Snapshot()
		err := db.Update(func(tx *memrel.Tx) error {
			switch test {
			case "delete ann":
				_, err := Users.Delete(tx, 1)
				return err
			default:
				_, err := Users.Insert(tx, User{Username: "carl"})
				return err
			}
		})
		if err != nil {
			log.Fatal(err)
		}
		err = db.View(func(tx *memrel.Tx) error {
			fmt.Printf("%s: %d users, %d posts\n", test, Users.Len(tx), Posts.Len(tx))
			return nil
		})
		if err != nil {
			log.Fatal(err)
		}
	}

	// The fixture is untouched.
	err := fixture.View(func(tx *memrel.Tx) error {
		fmt.Printf("fixture: %d users, %d posts\n", Users.Len(tx), Posts.Len(tx))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// delete ann: 1 users, 1 posts
	// add carl: 3 users, 3 posts
	// fixture: 2 users, 3 posts
}

func ExampleOpen_check() {
	db := openShop()
	seedBlog(db)

	// Run a scenario, then check every invariant: rows under their keys,
	// indexes in step with the rows, foreign keys, unique and check
	// constraints. Tests call it after every scenario.
	err := db.Update(func(tx *memrel.Tx) error {
		if _, err := Users.Delete(tx, 2); err != nil {
			return err
		}
		return tx.Check()
	})
	fmt.Println("check:", err)

	// Dump lists every row and sequence: compare it before and after a
	// refused operation. (users_friends is the link table of Friends, a
	// many-to-many declared on users: it comes with the users table.)
	tx := db.BeginRead()
	defer tx.Abort()
	fmt.Print(tx.Dump())
	// Output:
	// check: <nil>
	// table users
	//   1 {ID:1 Username:ann}
	//   sequence 2
	// table posts
	//   1 {ID:1 AuthorID:1 Title:Hello}
	//   2 {ID:2 AuthorID:1 Title:Again}
	//   sequence 3
	// table comments
	//   1 {ID:1 PostID:1 AuthorID:1 Body:first!}
	//   2 {ID:2 PostID:1 AuthorID:null Body:welcome}
	//   sequence 3
	// table products
	//   sequence 0
	// table orders
	//   sequence 0
	// table order_items
	//   sequence 0
	// table users_friends
	//   sequence 0
}

func ExampleOpen_manualTransaction() {
	db := openShop()

	tx := db.BeginWrite()
	defer tx.Abort() // a no-op after Commit
	if _, err := Products.Insert(tx, Product{Name: "Mug", SKU: "MUG-1", PriceCents: 1200}); err != nil {
		log.Fatal(err)
	}
	// A refused write leaves the transaction as it was, and usable.
	_, err := Products.Insert(tx, Product{Name: "Free mug", SKU: "MUG-2", PriceCents: -1})
	fmt.Println(err)
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}

	err = db.View(func(tx *memrel.Tx) error {
		for p := range Products.All(tx) {
			fmt.Printf("product %d: %s %s %d\n", p.ID, p.Name, p.SKU, p.PriceCents)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// memrel: check constraint price_cents_gte_0 on products: a new products row violates it: {ID:0 Name:Free mug SKU:MUG-2 PriceCents:-1}
	// product 1: Mug MUG-1 1200
}
