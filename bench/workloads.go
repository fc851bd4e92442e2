package bench

import (
	"fmt"
	"math/rand/v2"

	"github.com/memrel-go/memrel"
)

// The workloads. W1-W6 are the performance anchors' (see BENCHMARKS.md);
// W7 and W8 are issue 9's. Data is generated before any timing, from fixed
// seeds, so every system gets exactly the same operations.

// Sizes scales the data: Full is the benchmarks', the tests use smaller.
type Sizes struct {
	Users, Posts, Comments int // W1, and the base of W2, W3, W5, W8
	Products               int // base: also one order per user, 3 items each
	Tags                   int // W4
	LinksPerPost           int // W4: distinct tags per post
	Follows                int // W6: attempts, 2% of them refused
	Batch                  int // rows per transaction
}

// Full is the size of every benchmark.
var Full = Sizes{Users: 1_000, Posts: 10_000, Comments: 100_000, Products: 100,
	Tags: 100, LinksPerPost: 5, Follows: 100_000, Batch: 1_000}

// W1Data is the blog: users, posts on random authors, comments on random
// posts by random authors (every 20th without an author).
type W1Data struct {
	Users    []User
	Posts    []Post
	Comments []Comment
}

// Rows is the number of rows W1 inserts.
func (d *W1Data) Rows() int { return len(d.Users) + len(d.Posts) + len(d.Comments) }

// GenW1 generates W1's rows.
func GenW1(z Sizes) *W1Data {
	rng := rand.New(rand.NewPCG(1, 1))
	d := &W1Data{
		Users:    make([]User, z.Users),
		Posts:    make([]Post, z.Posts),
		Comments: make([]Comment, z.Comments),
	}
	for i := range d.Users {
		d.Users[i] = User{ID: int64(i + 1), Name: fmt.Sprintf("user%06d", i+1)}
	}
	for i := range d.Posts {
		d.Posts[i] = Post{ID: int64(i + 1), AuthorID: 1 + rng.Int64N(int64(z.Users)), Title: fmt.Sprintf("post %d", i+1)}
	}
	for i := range d.Comments {
		c := Comment{ID: int64(i + 1), PostID: 1 + rng.Int64N(int64(z.Posts)), Body: fmt.Sprintf("comment %d", i+1)}
		if i%20 != 19 {
			c.AuthorID = memrel.Some(1 + rng.Int64N(int64(z.Users)))
		}
		d.Comments[i] = c
	}
	return d
}

// batches calls insert on consecutive slices of rows of at most size rows,
// writing each row's outcome into out.
func batches[T any](rows []T, size int, out []Outcome, insert func([]T, []Outcome) error) error {
	for start := 0; start < len(rows); start += size {
		end := min(start+size, len(rows))
		if err := insert(rows[start:end], out[start:end]); err != nil {
			return err
		}
	}
	return nil
}

// Outcomes is the outcome of every row of a workload, per table.
type Outcomes map[string][]Outcome

// Refused counts the refused rows.
func (o Outcomes) Refused() int {
	n := 0
	for _, os := range o {
		for _, x := range os {
			if x != OK {
				n++
			}
		}
	}
	return n
}

// RunW1 inserts W1's rows in batches.
func RunW1(s Store, d *W1Data, batch int) (Outcomes, error) {
	o := Outcomes{
		"users":    make([]Outcome, len(d.Users)),
		"posts":    make([]Outcome, len(d.Posts)),
		"comments": make([]Outcome, len(d.Comments)),
	}
	if err := batches(d.Users, batch, o["users"], s.InsertUsers); err != nil {
		return o, err
	}
	if err := batches(d.Posts, batch, o["posts"], s.InsertPosts); err != nil {
		return o, err
	}
	err := batches(d.Comments, batch, o["comments"], s.InsertComments)
	return o, err
}

// ShopData is the shop added to W1 for the base store: products, one order
// per user, three items per order.
type ShopData struct {
	Products []Product
	Orders   []Order
	Items    []Item
}

// GenShop generates the shop of the base store.
func GenShop(z Sizes) *ShopData {
	rng := rand.New(rand.NewPCG(2, 2))
	d := &ShopData{}
	for i := range z.Products {
		d.Products = append(d.Products, Product{ID: int64(i + 1), Name: fmt.Sprintf("product %d", i+1)})
	}
	for i := range z.Users {
		o := Order{ID: int64(i + 1), CustomerID: int64(i + 1)}
		d.Orders = append(d.Orders, o)
		for range 3 {
			d.Items = append(d.Items, Item{ID: int64(len(d.Items) + 1), OrderID: o.ID,
				ProductID: 1 + rng.Int64N(int64(z.Products)), Qty: 1 + rng.Int64N(5)})
		}
	}
	return d
}

// BuildBase loads W1 and the shop: the store W2, W3, W5 and W8 run on.
func BuildBase(s Store, w1 *W1Data, shop *ShopData, batch int) error {
	o, err := RunW1(s, w1, batch)
	if err != nil {
		return err
	}
	o["products"] = make([]Outcome, len(shop.Products))
	o["orders"] = make([]Outcome, len(shop.Orders))
	o["items"] = make([]Outcome, len(shop.Items))
	if err := batches(shop.Products, batch, o["products"], s.InsertProducts); err != nil {
		return err
	}
	if err := batches(shop.Orders, batch, o["orders"], s.InsertOrders); err != nil {
		return err
	}
	if err := batches(shop.Items, batch, o["items"], s.InsertItems); err != nil {
		return err
	}
	if n := o.Refused(); n > 0 {
		return fmt.Errorf("base store: %d rows refused", n)
	}
	return nil
}

// W4Data: tags, then link attempts in post order: LinksPerPost distinct
// tags per post, and a duplicate of a recent pair (this batch or the one
// before) after every tenth pair.
type W4Data struct {
	Tags  []Tag
	Links []PostTag
}

// GenW4 generates W4's tags and link attempts.
func GenW4(z Sizes) *W4Data {
	rng := rand.New(rand.NewPCG(4, 4))
	d := &W4Data{}
	for i := range z.Tags {
		d.Tags = append(d.Tags, Tag{ID: int64(i + 1), Name: fmt.Sprintf("tag%04d", i+1)})
	}
	var pairs int
	for p := 1; p <= z.Posts; p++ {
		for _, t := range rng.Perm(z.Tags)[:z.LinksPerPost] {
			d.Links = append(d.Links, PostTag{int64(p), int64(t + 1)})
			pairs++
			if pairs%10 == 0 {
				back := 1 + rng.IntN(min(len(d.Links), 2*z.Batch))
				d.Links = append(d.Links, d.Links[len(d.Links)-back])
			}
		}
	}
	return d
}

// RunW4 adds W4's links, the users, posts and tags being there.
func RunW4(s Store, d *W4Data, batch int) (Outcomes, error) {
	o := Outcomes{"post_tags": make([]Outcome, len(d.Links))}
	err := batches(d.Links, batch, o["post_tags"], s.AddPostTags)
	return o, err
}

// GenW6 generates follow attempts among the users: distinct pairs, with one
// self-follow (refused by the check) and one duplicate of an earlier pair
// (refused as not unique) in every 100 attempts.
func GenW6(z Sizes) []Follow {
	rng := rand.New(rand.NewPCG(6, 6))
	seen := map[Follow]bool{}
	var out []Follow
	n := int64(z.Users)
	for len(out) < z.Follows {
		switch {
		case len(out)%100 == 37:
			u := 1 + rng.Int64N(n)
			out = append(out, Follow{u, u})
		case len(out)%100 == 73:
			out = append(out, out[rng.IntN(len(out))])
		default:
			f := Follow{1 + rng.Int64N(n), 1 + rng.Int64N(n)}
			if f.FollowerID == f.FollowedID || seen[f] {
				continue
			}
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// RunW6 inserts W6's follows, the users being there.
func RunW6(s Store, follows []Follow, batch int) (Outcomes, error) {
	o := Outcomes{"follows": make([]Outcome, len(follows))}
	err := batches(follows, batch, o["follows"], s.InsertFollows)
	return o, err
}

// W3Setup is the user a W3 operation deletes: P posts with C comments each
// by other users, and 10 comments on another user's post that the delete
// leaves without an author.
type W3Setup struct {
	User     User
	Posts    []Post
	Comments []Comment // on the user's posts
	Authored []Comment // the user's, on another post
}

// Removed is the number of rows the delete removes.
func (w *W3Setup) Removed() int { return 1 + len(w.Posts) + len(w.Comments) }

// W3Gen makes the rows of successive W3 operations, with keys above the
// base store's.
type W3Gen struct {
	z                 Sizes
	rng               *rand.Rand
	nextUser, nextRow int64
}

// NewW3Gen returns a generator for a base store of sizes z.
func NewW3Gen(z Sizes) *W3Gen {
	return &W3Gen{z: z, rng: rand.New(rand.NewPCG(3, 3)), nextUser: int64(z.Users) + 1, nextRow: 1 << 32}
}

// Next returns the rows of one operation with p posts of c comments.
func (g *W3Gen) Next(p, c int) *W3Setup {
	u := User{ID: g.nextUser, Name: fmt.Sprintf("w3 user %d", g.nextUser)}
	g.nextUser++
	w := &W3Setup{User: u}
	for range p {
		post := Post{ID: g.nextRow, AuthorID: u.ID, Title: "w3 post"}
		g.nextRow++
		w.Posts = append(w.Posts, post)
		for range c {
			w.Comments = append(w.Comments, Comment{ID: g.nextRow, PostID: post.ID,
				AuthorID: memrel.Some(1 + g.rng.Int64N(int64(g.z.Users))), Body: "w3 comment"})
			g.nextRow++
		}
	}
	other := 1 + g.rng.Int64N(int64(g.z.Posts))
	for range 10 {
		w.Authored = append(w.Authored, Comment{ID: g.nextRow, PostID: other, AuthorID: memrel.Some(u.ID), Body: "w3 authored"})
		g.nextRow++
	}
	return w
}

// Setup writes the operation's rows (untimed).
func (w *W3Setup) Setup(s Store, batch int) error {
	out := make([]Outcome, max(len(w.Posts), len(w.Comments), len(w.Authored), 1))
	if err := s.InsertUsers([]User{w.User}, out); err != nil {
		return err
	}
	if err := batches(w.Posts, batch, out, s.InsertPosts); err != nil {
		return err
	}
	if err := batches(w.Comments, batch, out, s.InsertComments); err != nil {
		return err
	}
	if err := s.InsertComments(w.Authored, out); err != nil {
		return err
	}
	for _, o := range out[:len(w.Authored)] {
		if o != OK {
			return fmt.Errorf("W3 setup refused: %v", o)
		}
	}
	return nil
}

// Cleanup deletes the comments the delete left without an author, so the
// store is back to the base (untimed).
func (w *W3Setup) Cleanup(s Store) error {
	keys := make([]int64, len(w.Authored))
	for i, c := range w.Authored {
		keys[i] = c.ID
	}
	return s.DeleteComments(keys)
}

// RandomKeys returns n keys in [1, max], fixed by seed.
func RandomKeys(n, max int, seed uint64) []int64 {
	rng := rand.New(rand.NewPCG(seed, seed))
	out := make([]int64, n)
	for i := range out {
		out[i] = 1 + rng.Int64N(int64(max))
	}
	return out
}

// W8Sets returns sets sets of n distinct random post keys.
func W8Sets(z Sizes, sets, n int) [][]int64 {
	rng := rand.New(rand.NewPCG(8, 8))
	out := make([][]int64, sets)
	for i := range out {
		for _, p := range rng.Perm(z.Posts)[:n] {
			out[i] = append(out[i], int64(p+1))
		}
	}
	return out
}
