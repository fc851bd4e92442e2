package memrel_test

import (
	"log"
	"time"

	"github.com/memrel-go/memrel"
)

// The blog and shop schemas of the seed domains (1 and 2), shared by the
// examples and the model-based test, and the social part that the
// model-based test adds (below). Declared once, as a user would.

type User struct {
	ID       int64
	Username string
}

type Post struct {
	ID       int64
	AuthorID int64
	Title    string
}

type Comment struct {
	ID       int64
	PostID   int64
	AuthorID memrel.Null[int64] // empty once the author is deleted
	Body     string
}

type Product struct {
	ID         int64
	Name       string
	SKU        string
	PriceCents int64
}

type Order struct {
	ID         int64
	CustomerID int64
	Paid       bool
}

type OrderItem struct {
	ID             int64
	OrderID        int64
	ProductID      int64
	Quantity       int
	UnitPriceCents int64
}

var (
	Users      = memrel.NewTable("users", func(u *User) *int64 { return &u.ID })
	Posts      = memrel.NewTable("posts", func(p *Post) *int64 { return &p.ID })
	Comments   = memrel.NewTable("comments", func(c *Comment) *int64 { return &c.ID })
	Products   = memrel.NewTable("products", func(p *Product) *int64 { return &p.ID })
	Orders     = memrel.NewTable("orders", func(o *Order) *int64 { return &o.ID })
	OrderItems = memrel.NewTable("order_items", func(i *OrderItem) *int64 { return &i.ID })

	PostAuthor    = memrel.ForeignKey(Posts, func(p *Post) *int64 { return &p.AuthorID }, Users, memrel.Cascade).Related("posts")
	CommentPost   = memrel.ForeignKey(Comments, func(c *Comment) *int64 { return &c.PostID }, Posts, memrel.Cascade).Related("comments")
	CommentAuthor = memrel.ForeignKey(Comments, func(c *Comment) *memrel.Null[int64] { return &c.AuthorID }, Users, memrel.SetNull).Related("comments")
	OrderCustomer = memrel.ForeignKey(Orders, func(o *Order) *int64 { return &o.CustomerID }, Users, memrel.Protect).Related("orders")
	ItemOrder     = memrel.ForeignKey(OrderItems, func(i *OrderItem) *int64 { return &i.OrderID }, Orders, memrel.Cascade).Related("items")
	ItemProduct   = memrel.ForeignKey(OrderItems, func(i *OrderItem) *int64 { return &i.ProductID }, Products, memrel.Protect).Related("order_items")

	UniqueUsername = memrel.UniqueFunc(Users, "uniq_username", func(u *User) string { return u.Username })
	UniqueSKU      = memrel.UniqueFunc(Products, "uniq_sku", func(p *Product) string { return p.SKU })
	PriceCheck     = memrel.Check(Products, "price_cents_gte_0", func(p *Product) bool { return p.PriceCents >= 0 })
	QuantityCheck  = memrel.Check(OrderItems, "quantity_gte_1", func(i *OrderItem) bool { return i.Quantity >= 1 })
)

// shopSchema is the blog and shop schema.
func shopSchema() memrel.Schema {
	return memrel.Schema{
		Tables:      []memrel.AnyTable{Users, Posts, Comments, Products, Orders, OrderItems},
		Relations:   []memrel.Relation{PostAuthor, CommentPost, CommentAuthor, OrderCustomer, ItemOrder, ItemProduct},
		Constraints: []memrel.Constraint{UniqueUsername, UniqueSKU, PriceCheck, QuantityCheck},
	}
}

// openShop opens an empty DB with the blog and shop schema; for examples,
// which have no *testing.T.
func openShop() *memrel.DB {
	db, err := memrel.Open(shopSchema())
	if err != nil {
		log.Fatal(err)
	}
	return db
}

// The social part of the schema, for the model-based test: tags on posts
// (an automatic many-to-many), follows between users (a many-to-many
// through a table of its own, with an extra field and constraints) and
// friends (a symmetrical many-to-many of users with themselves). The
// examples keep to shopSchema, whose Dump they print.

// BlogTag is a row of tags. (Tag is the atomicity test's.)
type BlogTag struct {
	ID   int64
	Name string
}

// Follow is a row of follows, the link table of Following: the follower
// follows the followed.
type Follow struct {
	ID         int64
	FollowerID int64
	FollowedID int64
	Created    time.Time // Defaults: followClock
}

// followClock is what the Defaults of follows write in a new row's Created
// left empty: fixed, so that the model can predict it.
var followClock = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

var (
	Tags    = memrel.NewTable("tags", func(t *BlogTag) *int64 { return &t.ID })
	Follows = memrel.NewTable("follows", func(f *Follow) *int64 { return &f.ID }).
		Defaults(func(f *Follow) {
			if f.Created.IsZero() {
				f.Created = followClock
			}
		})

	FollowFollower = memrel.ForeignKey(Follows, func(f *Follow) *int64 { return &f.FollowerID }, Users, memrel.Cascade).Related("outgoing_follows")
	FollowFollowed = memrel.ForeignKey(Follows, func(f *Follow) *int64 { return &f.FollowedID }, Users, memrel.Cascade).Related("incoming_follows")

	// PostTags is post.tags; its Reverse() is tag.posts. Link table
	// posts_tags: Link{From: post, To: tag}.
	PostTags = memrel.ManyToMany(Posts, "tags", Tags).Related("posts")
	// Following is user.following, through follows; its Reverse() is
	// user.followers.
	Following = memrel.ManyToManyThrough(Follows, "following", FollowFollower, FollowFollowed).Related("followers")
	// Friends is user.friends, symmetrical. Link table users_friends:
	// Link{From: user, To: user}.
	Friends = memrel.ManyToMany(Users, "friends", Users).Symmetrical()

	UniqueTagName     = memrel.UniqueFunc(Tags, "uniq_tag_name", func(t *BlogTag) string { return t.Name })
	UniqueFollowPair  = memrel.UniqueFunc(Follows, "uniq_follow_pair", func(f *Follow) [2]int64 { return [2]int64{f.FollowerID, f.FollowedID} })
	PreventSelfFollow = memrel.Check(Follows, "prevent_self_follow", func(f *Follow) bool { return f.FollowerID != f.FollowedID })
)

// socialSchema is the blog and shop schema with tags, follows and the
// three many-to-many relations (whose automatic link tables, posts_tags
// and users_friends, memrel adds).
func socialSchema() memrel.Schema {
	s := shopSchema()
	s.Tables = append(s.Tables, Tags, Follows)
	s.Relations = append(s.Relations, FollowFollower, FollowFollowed, PostTags, Following, Friends)
	s.Constraints = append(s.Constraints, UniqueTagName, UniqueFollowPair, PreventSelfFollow)
	return s
}
