package memrel_test

import (
	"log"

	"github.com/memrel-go/memrel"
)

// The blog and shop schemas of the seed domains (1 and 2), shared by the
// examples and the model-based test. Declared once, as a user would.

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

	PostAuthor = memrel.ForeignKey(Posts, "author",
		func(p *Post) *int64 { return &p.AuthorID }, Users, memrel.Cascade).Related("posts")
	CommentPost = memrel.ForeignKey(Comments, "post",
		func(c *Comment) *int64 { return &c.PostID }, Posts, memrel.Cascade).Related("comments")
	CommentAuthor = memrel.NullableForeignKey(Comments, "author",
		func(c *Comment) *memrel.Null[int64] { return &c.AuthorID }, Users, memrel.SetNull).Related("comments")
	OrderCustomer = memrel.ForeignKey(Orders, "customer",
		func(o *Order) *int64 { return &o.CustomerID }, Users, memrel.Protect).Related("orders")
	ItemOrder = memrel.ForeignKey(OrderItems, "order",
		func(i *OrderItem) *int64 { return &i.OrderID }, Orders, memrel.Cascade).Related("items")
	ItemProduct = memrel.ForeignKey(OrderItems, "product",
		func(i *OrderItem) *int64 { return &i.ProductID }, Products, memrel.Protect).Related("order_items")

	UniqueUsername = memrel.Unique(Users, "uniq_username", func(u *User) string { return u.Username })
	UniqueSKU      = memrel.Unique(Products, "uniq_sku", func(p *Product) string { return p.SKU })
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
