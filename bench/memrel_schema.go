package bench

import "github.com/memrel-go/memrel"

// Every memrel declaration of the benchmarks is in this file.

// mFollow is memrel's follow row: memrel needs a primary key, which the
// other systems do without (the pair is their key).
type mFollow struct {
	ID         int64
	FollowerID int64
	FollowedID int64
}

var (
	mUsers    = memrel.NewTable("users", func(u *User) *int64 { return &u.ID })
	mPosts    = memrel.NewTable("posts", func(p *Post) *int64 { return &p.ID })
	mComments = memrel.NewTable("comments", func(c *Comment) *int64 { return &c.ID })
	mTags     = memrel.NewTable("tags", func(t *Tag) *int64 { return &t.ID })
	mFollows  = memrel.NewTable("follows", func(f *mFollow) *int64 { return &f.ID })
	mProducts = memrel.NewTable("products", func(p *Product) *int64 { return &p.ID })
	mOrders   = memrel.NewTable("orders", func(o *Order) *int64 { return &o.ID })
	mItems    = memrel.NewTable("items", func(i *Item) *int64 { return &i.ID })

	mPostAuthor = memrel.ForeignKey(mPosts, "author",
		func(p *Post) *int64 { return &p.AuthorID }, mUsers, memrel.Cascade).Related("posts")
	mCommentPost = memrel.ForeignKey(mComments, "post",
		func(c *Comment) *int64 { return &c.PostID }, mPosts, memrel.Cascade).Related("comments")
	mCommentAuthor = memrel.NullableForeignKey(mComments, "author",
		func(c *Comment) *memrel.Null[int64] { return &c.AuthorID }, mUsers, memrel.SetNull).Related("comments")
	mPostTags = memrel.ManyToMany(mPosts, "tags", mTags).Related("posts")

	mFollowFollower = memrel.ForeignKey(mFollows, "follower",
		func(f *mFollow) *int64 { return &f.FollowerID }, mUsers, memrel.Cascade).Related("following")
	mFollowFollowed = memrel.ForeignKey(mFollows, "followed",
		func(f *mFollow) *int64 { return &f.FollowedID }, mUsers, memrel.Cascade).Related("followers")

	mOrderCustomer = memrel.ForeignKey(mOrders, "customer",
		func(o *Order) *int64 { return &o.CustomerID }, mUsers, memrel.Restrict).Related("orders")
	mItemOrder = memrel.ForeignKey(mItems, "order",
		func(i *Item) *int64 { return &i.OrderID }, mOrders, memrel.Cascade).Related("items")
	mItemProduct = memrel.ForeignKey(mItems, "product",
		func(i *Item) *int64 { return &i.ProductID }, mProducts, memrel.Restrict).Related("items")

	mUniqueUserName = memrel.Unique(mUsers, "uniq_user_name", func(u *User) string { return u.Name })
	mUniqueTagName  = memrel.Unique(mTags, "uniq_tag_name", func(t *Tag) string { return t.Name })
	mUniqueFollow   = memrel.Unique(mFollows, "uniq_follow_pair",
		func(f *mFollow) [2]int64 { return [2]int64{f.FollowerID, f.FollowedID} })
	mNoSelfFollow = memrel.Check(mFollows, "prevent_self_follow",
		func(f *mFollow) bool { return f.FollowerID != f.FollowedID })
)

// memrelSchema is the schema of every memrel store of the benchmarks.
func memrelSchema() memrel.Schema {
	return memrel.Schema{
		Tables: []memrel.AnyTable{mUsers, mPosts, mComments, mTags, mFollows, mProducts, mOrders, mItems},
		Relations: []memrel.Relation{mPostAuthor, mCommentPost, mCommentAuthor, mPostTags,
			mFollowFollower, mFollowFollowed, mOrderCustomer, mItemOrder, mItemProduct},
		Constraints: []memrel.Constraint{mUniqueUserName, mUniqueTagName, mUniqueFollow, mNoSelfFollow},
	}
}
