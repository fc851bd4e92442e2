package bench

import (
	"fmt"

	"github.com/memrel-go/memrel"
)

// W7 is a per-test fixture: a seeded blog and shop of 315 rows, built once;
// each operation forks it, makes 10 writes (each its own transaction) and
// discards the fork.

// W7Seed is the template's content.
type W7Seed struct {
	Users    []User
	Posts    []Post
	Comments []Comment
	Tags     []Tag
	Links    []PostTag
	Follows  []Follow
	Products []Product
	Orders   []Order
	Items    []Item
}

// Rows is the number of rows of the seed.
func (d *W7Seed) Rows() int {
	return len(d.Users) + len(d.Posts) + len(d.Comments) + len(d.Tags) + len(d.Links) +
		len(d.Follows) + len(d.Products) + len(d.Orders) + len(d.Items)
}

// W7Victim is the user W7 deletes: 2 posts with 4 comments and 2 links,
// 3 follows, 5 comments on other posts (set NULL), no order.
const W7Victim = 20

// GenW7 returns the seed: 20 users, 50 posts, 100 comments, 5 tags, 50
// links, 20 follows, 10 products, 20 orders, 40 items.
func GenW7() *W7Seed {
	d := &W7Seed{}
	for i := int64(1); i <= 20; i++ {
		d.Users = append(d.Users, User{ID: i, Name: fmt.Sprintf("user%02d", i)})
	}
	for p := int64(1); p <= 50; p++ {
		author := (p-1)%19 + 1
		if p > 48 {
			author = W7Victim
		}
		d.Posts = append(d.Posts, Post{ID: p, AuthorID: author, Title: fmt.Sprintf("post %d", p)})
	}
	for c := int64(1); c <= 100; c++ {
		var post int64
		var author memrel.Null[int64]
		switch {
		case c <= 4: // on the victim's posts, by others
			post, author = 49+(c-1)/2, memrel.Some(c)
		case c <= 9: // by the victim, on others' posts
			post, author = c-4, memrel.Some[int64](W7Victim)
		default:
			post = c%48 + 1
			if c%10 != 0 {
				author = memrel.Some(c%19 + 1)
			}
		}
		d.Comments = append(d.Comments, Comment{ID: c, PostID: post, AuthorID: author, Body: fmt.Sprintf("comment %d", c)})
	}
	for t := int64(1); t <= 5; t++ {
		d.Tags = append(d.Tags, Tag{ID: t, Name: fmt.Sprintf("tag%d", t)})
	}
	for p := int64(1); p <= 50; p++ {
		d.Links = append(d.Links, PostTag{p, p%5 + 1})
	}
	d.Follows = append(d.Follows, Follow{W7Victim, 1}, Follow{W7Victim, 2}, Follow{3, W7Victim})
	for i := int64(1); i <= 17; i++ {
		d.Follows = append(d.Follows, Follow{i, i + 1})
	}
	for i := int64(1); i <= 10; i++ {
		d.Products = append(d.Products, Product{ID: i, Name: fmt.Sprintf("product %d", i)})
	}
	for i := int64(1); i <= 20; i++ {
		d.Orders = append(d.Orders, Order{ID: i, CustomerID: (i-1)%19 + 1})
	}
	for i := int64(1); i <= 40; i++ {
		d.Items = append(d.Items, Item{ID: i, OrderID: i%20 + 1, ProductID: i%10 + 1, Qty: 1 + i%3})
	}
	return d
}

// SeedW7 writes the seed into an empty store, one transaction per table.
func SeedW7(s Store, d *W7Seed) error {
	out := make([]Outcome, 100)
	refused := func(n int) error {
		for _, o := range out[:n] {
			if o != OK {
				return fmt.Errorf("W7 seed refused: %v", o)
			}
		}
		return nil
	}
	for _, step := range []struct {
		n   int
		run func() error
	}{
		{len(d.Users), func() error { return s.InsertUsers(d.Users, out) }},
		{len(d.Posts), func() error { return s.InsertPosts(d.Posts, out) }},
		{len(d.Comments), func() error { return s.InsertComments(d.Comments, out) }},
		{len(d.Tags), func() error { return s.InsertTags(d.Tags, out) }},
		{len(d.Links), func() error { return s.AddPostTags(d.Links, out) }},
		{len(d.Follows), func() error { return s.InsertFollows(d.Follows, out) }},
		{len(d.Products), func() error { return s.InsertProducts(d.Products, out) }},
		{len(d.Orders), func() error { return s.InsertOrders(d.Orders, out) }},
		{len(d.Items), func() error { return s.InsertItems(d.Items, out) }},
	} {
		if err := step.run(); err != nil {
			return err
		}
		if err := refused(step.n); err != nil {
			return err
		}
	}
	return nil
}

// The rows W7's writes add.
var (
	w7User     = []User{{ID: 21, Name: "user21"}}
	w7Posts    = []Post{{ID: 51, AuthorID: 21, Title: "post 51"}, {ID: 52, AuthorID: 21, Title: "post 52"}}
	w7Comments = []Comment{
		{ID: 101, PostID: 51, AuthorID: memrel.Some[int64](1), Body: "comment 101"},
		{ID: 102, PostID: 52, AuthorID: memrel.Some[int64](21), Body: "comment 102"},
		{ID: 103, PostID: 51, Body: "comment 103"},
	}
	w7Link   = []PostTag{{51, 1}}
	w7Follow = []Follow{{21, 1}}
	w7Item   = []Item{{ID: 41, OrderID: 1, ProductID: 1, Qty: 2}}
)

// RunW7Writes makes W7's 10 writes on a fork, each its own transaction:
// a user, 2 posts, 3 comments, a link, a follow, an order item, and the
// delete of W7Victim (12 rows deleted, 5 comments set NULL).
func RunW7Writes(s Store) error {
	var out [1]Outcome
	check := func(err error) error {
		if err == nil && out[0] != OK {
			err = fmt.Errorf("W7 write refused: %v", out[0])
		}
		return err
	}
	if err := check(s.InsertUsers(w7User, out[:])); err != nil {
		return err
	}
	for i := range w7Posts {
		if err := check(s.InsertPosts(w7Posts[i:i+1], out[:])); err != nil {
			return err
		}
	}
	for i := range w7Comments {
		if err := check(s.InsertComments(w7Comments[i:i+1], out[:])); err != nil {
			return err
		}
	}
	if err := check(s.AddPostTags(w7Link, out[:])); err != nil {
		return err
	}
	if err := check(s.InsertFollows(w7Follow, out[:])); err != nil {
		return err
	}
	if err := check(s.InsertItems(w7Item, out[:])); err != nil {
		return err
	}
	o, err := s.DeleteUser(W7Victim)
	out[0] = o
	return check(err)
}
