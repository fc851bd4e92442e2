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

	postF, commentF, followF = memrel.Fields[Post](), memrel.Fields[Comment](), memrel.Fields[mFollow]()
	orderF, itemF            = memrel.Fields[Order](), memrel.Fields[Item]()
	userF, tagF              = memrel.Fields[User](), memrel.Fields[Tag]()

	mPostAuthor    = memrel.ForeignKey(mPosts, &postF.AuthorID, mUsers, memrel.Cascade)
	mCommentPost   = memrel.ForeignKey(mComments, &commentF.PostID, mPosts, memrel.Cascade)
	mCommentAuthor = memrel.ForeignKey(mComments, &commentF.AuthorID, mUsers, memrel.SetNull)
	mPostTags      = memrel.ManyToMany(mPosts, "tags", mTags)

	mFollowFollower = memrel.ForeignKey(mFollows, &followF.FollowerID, mUsers, memrel.Cascade).Related("following")
	mFollowFollowed = memrel.ForeignKey(mFollows, &followF.FollowedID, mUsers, memrel.Cascade).Related("followers")

	mOrderCustomer = memrel.ForeignKey(mOrders, &orderF.CustomerID, mUsers, memrel.Restrict)
	mItemOrder     = memrel.ForeignKey(mItems, &itemF.OrderID, mOrders, memrel.Cascade)
	mItemProduct   = memrel.ForeignKey(mItems, &itemF.ProductID, mProducts, memrel.Restrict)

	mUniqueUserName = memrel.Unique(mUsers, "uniq_user_name", &userF.Name)
	mUniqueTagName  = memrel.Unique(mTags, "uniq_tag_name", &tagF.Name)
	mUniqueFollow   = memrel.UniqueTogether(mFollows, "uniq_follow_pair", &followF.FollowerID, &followF.FollowedID)
	mNoSelfFollow   = memrel.Check(mFollows, "prevent_self_follow",
		func(f *mFollow) bool { return f.FollowerID != f.FollowedID })
)

// memrelSchema is the schema of every memrel store of the benchmarks.
func memrelSchema() memrel.Schema {
	// The tables alone would do (declarations come with their tables);
	// the lists say what the benchmarks rely on.
	return memrel.Schema{
		Tables: []memrel.AnyTable{mUsers, mPosts, mComments, mTags, mFollows, mProducts, mOrders, mItems},
		Relations: []memrel.Relation{mPostAuthor, mCommentPost, mCommentAuthor, mPostTags,
			mFollowFollower, mFollowFollowed, mOrderCustomer, mItemOrder, mItemProduct},
		Constraints: []memrel.Constraint{mUniqueUserName, mUniqueTagName, mUniqueFollow, mNoSelfFollow},
	}
}
