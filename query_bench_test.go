package memrel_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/memrel-go/memrel"
)

// Benchmarks of the queries: ordered listing, ranges, reverse lookups,
// counts and eager loading, on the W1 data of the performance anchors
// (1,000 users, 10,000 posts, 100,000 comments on random posts by random
// authors). Run them with
//
//	go test -run '^$' -bench Bq -benchmem .
//
// The fixture is built once per test binary, when the first of these
// benchmarks runs (never by go test without -bench), outside the timer.
// Every benchmark queries the committed data through one read transaction
// opened before the timer starts, except BenchmarkBqChildrenTxPerOp, which
// shows the cost of a transaction per lookup.

type bqUser struct {
	ID   int64
	Name string
}

type bqPost struct {
	ID          int64
	AuthorID    int64
	Title       string
	PublishedAt memrel.Null[time.Time] // empty: a draft
}

type bqComment struct {
	ID       int64
	PostID   int64
	AuthorID memrel.Null[int64]
	Body     string
}

var (
	bqUsers    = memrel.NewTable("users", func(u *bqUser) *int64 { return &u.ID })
	bqPosts    = memrel.NewTable("posts", func(p *bqPost) *int64 { return &p.ID })
	bqComments = memrel.NewTable("comments", func(c *bqComment) *int64 { return &c.ID })

	bqPostAuthor    = memrel.ForeignKey(bqPosts, func(p *bqPost) *int64 { return &p.AuthorID }, bqUsers, memrel.Cascade).Related("posts")
	bqCommentPost   = memrel.ForeignKey(bqComments, func(c *bqComment) *int64 { return &c.PostID }, bqPosts, memrel.Cascade).Related("comments")
	bqCommentAuthor = memrel.ForeignKey(bqComments, func(c *bqComment) *memrel.Null[int64] { return &c.AuthorID }, bqUsers, memrel.SetNull).Related("comments")

	bqPostsByPublished = memrel.NewIndexFunc(bqPosts, "published_at",
		func(p *bqPost) memrel.Null[time.Time] { return p.PublishedAt })
	bqPostsByAuthorPublished = memrel.NewGroupedIndexFunc(bqPosts, "author_published",
		func(p *bqPost) int64 { return p.AuthorID },
		func(p *bqPost) memrel.Null[time.Time] { return p.PublishedAt })
)

const (
	bqNUsers    = 1_000
	bqNPosts    = 10_000
	bqNComments = 100_000
	bqBatch     = 1_000
)

// bqBase is the publication time of post 1; post i is published i-1 hours
// later, except every 50th post, a draft.
var bqBase = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

var bqFixture struct {
	once sync.Once
	db   *memrel.DB
	err  error
}

// bqDB returns the shared, committed fixture. Benchmarks only read it.
func bqDB(b *testing.B) *memrel.DB {
	b.Helper()
	bqFixture.once.Do(func() { bqFixture.db, bqFixture.err = bqBuild() })
	if bqFixture.err != nil {
		b.Fatalf("building the fixture: %v", bqFixture.err)
	}
	return bqFixture.db
}

func bqBuild() (*memrel.DB, error) {
	db, err := memrel.Open(memrel.Schema{
		Tables:    []memrel.AnyTable{bqUsers, bqPosts, bqComments},
		Relations: []memrel.Relation{bqPostAuthor, bqCommentPost, bqCommentAuthor},
		Indexes:   []memrel.AnyIndex{bqPostsByPublished, bqPostsByAuthorPublished},
	})
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	batches := func(n int, insert func(tx *memrel.Tx, i int) error) error {
		for start := 0; start < n; start += bqBatch {
			err := db.Update(func(tx *memrel.Tx) error {
				for i := start; i < min(start+bqBatch, n); i++ {
					if err := insert(tx, i); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
	err = batches(bqNUsers, func(tx *memrel.Tx, i int) error {
		_, err := bqUsers.Insert(tx, bqUser{Name: fmt.Sprint("user", i)})
		return err
	})
	if err != nil {
		return nil, err
	}
	err = batches(bqNPosts, func(tx *memrel.Tx, i int) error {
		p := bqPost{AuthorID: 1 + rng.Int64N(bqNUsers), Title: fmt.Sprint("post ", i)}
		if i%50 != 49 {
			p.PublishedAt = memrel.Some(bqBase.Add(time.Duration(i) * time.Hour))
		}
		_, err := bqPosts.Insert(tx, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	err = batches(bqNComments, func(tx *memrel.Tx, i int) error {
		c := bqComment{PostID: 1 + rng.Int64N(bqNPosts), Body: "comment"}
		if i%20 != 19 {
			c.AuthorID = memrel.Some(1 + rng.Int64N(bqNUsers))
		}
		_, err := bqComments.Insert(tx, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	return db, nil
}

// bqKeys returns n random keys in [1, max], fixed by seed, drawn before the
// timer starts.
func bqKeys(n int, max int64, seed uint64) []int64 {
	rng := rand.New(rand.NewPCG(seed, 3))
	out := make([]int64, n)
	for i := range out {
		out[i] = 1 + rng.Int64N(max)
	}
	return out
}

var bqSink int

// The newest 20 posts: Descend + Take over the published_at index of
// 10,000 posts.
func BenchmarkBqNewest20(b *testing.B) {
	db := bqDB(b)
	tx := db.BeginRead()
	defer tx.Abort()
	if got := memrel.Take(bqPostsByPublished.Descend(tx), 20); len(got) != 20 || got[0].ID != bqNPosts-1 {
		b.Fatalf("newest posts start with %+v", got[0])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		bqSink += len(memrel.Take(bqPostsByPublished.Descend(tx), 20))
	}
}

// One author's newest 20 posts (about 10 each): a GroupedIndex Descend +
// Take.
func BenchmarkBqAuthorNewest20(b *testing.B) {
	db := bqDB(b)
	tx := db.BeginRead()
	defer tx.Abort()
	authors := bqKeys(1024, bqNUsers, 5)
	b.ReportAllocs()
	b.ResetTimer()
	rows := 0
	for i := range b.N {
		rows += len(memrel.Take(bqPostsByAuthorPublished.Descend(tx, authors[i%len(authors)]), 20))
	}
	b.ReportMetric(float64(rows)/float64(b.N), "rows/op")
	bqSink += rows
}

// The posts published in one day (24 rows): AscendRange over published_at,
// collected into a reused slice.
func BenchmarkBqAscendRangeDay(b *testing.B) {
	db := bqDB(b)
	tx := db.BeginRead()
	defer tx.Abort()
	days := bqKeys(1024, bqNPosts/24-1, 7)
	buf := make([]bqPost, 0, 64)
	b.ReportAllocs()
	b.ResetTimer()
	rows := 0
	for i := range b.N {
		from := bqBase.Add(time.Duration(days[i%len(days)]) * 24 * time.Hour)
		buf = buf[:0]
		for p := range bqPostsByPublished.AscendRange(tx, memrel.Some(from), memrel.Some(from.Add(24*time.Hour))) {
			buf = append(buf, p)
		}
		rows += len(buf)
	}
	b.ReportMetric(float64(rows)/float64(b.N), "rows/op")
	bqSink += rows
}

// W2 of the performance anchors: all comments of a random post (10 on
// average), collected into a reused slice.
func BenchmarkBqChildrenW2(b *testing.B) {
	db := bqDB(b)
	tx := db.BeginRead()
	defer tx.Abort()
	posts := bqKeys(1024, bqNPosts, 9)
	buf := make([]bqComment, 0, 64)
	b.ReportAllocs()
	b.ResetTimer()
	rows := 0
	for i := range b.N {
		buf = buf[:0]
		for c := range bqCommentPost.Children(tx, posts[i%len(posts)]) {
			buf = append(buf, c)
		}
		rows += len(buf)
	}
	b.ReportMetric(float64(rows)/float64(b.N), "rows/op")
	bqSink += rows
}

// W2 with a read transaction begun and ended around each lookup.
func BenchmarkBqChildrenTxPerOp(b *testing.B) {
	db := bqDB(b)
	posts := bqKeys(1024, bqNPosts, 9)
	buf := make([]bqComment, 0, 64)
	b.ReportAllocs()
	b.ResetTimer()
	rows := 0
	for i := range b.N {
		tx := db.BeginRead()
		buf = buf[:0]
		for c := range bqCommentPost.Children(tx, posts[i%len(posts)]) {
			buf = append(buf, c)
		}
		tx.Abort()
		rows += len(buf)
	}
	b.ReportMetric(float64(rows)/float64(b.N), "rows/op")
	bqSink += rows
}

// The number of comments of a random post, without reading them.
func BenchmarkBqCount(b *testing.B) {
	db := bqDB(b)
	tx := db.BeginRead()
	defer tx.Abort()
	posts := bqKeys(1024, bqNPosts, 9)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := range b.N {
		n += bqCommentPost.Count(tx, posts[i%len(posts)])
	}
	b.ReportMetric(float64(n)/float64(b.N), "rows/op")
	bqSink += n
}

// The number of rows of a table of 100,000 (Len walks the primary index).
func BenchmarkBqLenComments(b *testing.B) {
	db := bqDB(b)
	tx := db.BeginRead()
	defer tx.Abort()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		bqSink += bqComments.Len(tx)
	}
}

// bqLoadInput is the newest 100 published posts.
func bqLoadInput(b *testing.B, tx *memrel.Tx) []bqPost {
	posts := memrel.Take(bqPostsByPublished.DescendFrom(tx, memrel.Some(bqBase.Add(bqNPosts*time.Hour))), 100)
	if len(posts) != 100 {
		b.Fatalf("%d posts", len(posts))
	}
	return posts
}

// bqRead reads, for every post, its author and each comment's author: what
// a page listing 100 posts with their comments shows.
func bqRead(posts []bqPost, author func(bqPost) (bqUser, bool), comments func(bqPost) []bqComment, commenter func(bqComment) (bqUser, bool)) int {
	n := 0
	for _, p := range posts {
		if u, ok := author(p); ok {
			n += len(u.Name)
		}
		for _, c := range comments(p) {
			if u, ok := commenter(c); ok {
				n += len(u.Name)
			}
			n++
		}
	}
	return n
}

// Eager loading of 100 posts with their authors and their comments with
// the comments' authors (about 100 + 1,000 + 1,000 related rows, 1,100
// lookups by key and 100 reverse scans when done row by row).
func BenchmarkBqLoad100(b *testing.B) {
	db := bqDB(b)
	tx := db.BeginRead()
	defer tx.Abort()
	posts := bqLoadInput(b, tx)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		l, err := memrel.Load(tx, posts, bqPostAuthor.Forward(), bqCommentPost.Reverse(bqCommentAuthor.Forward()))
		if err != nil {
			b.Fatal(err)
		}
		bqSink += len(bqCommentPost.LoadedChildren(l, posts[0].ID))
	}
}

// Load, then read every loaded row through the Loaded accessors.
func BenchmarkBqLoad100AndRead(b *testing.B) {
	db := bqDB(b)
	tx := db.BeginRead()
	defer tx.Abort()
	posts := bqLoadInput(b, tx)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		l, err := memrel.Load(tx, posts, bqPostAuthor.Forward(), bqCommentPost.Reverse(bqCommentAuthor.Forward()))
		if err != nil {
			b.Fatal(err)
		}
		bqSink += bqRead(posts,
			func(p bqPost) (bqUser, bool) { return bqPostAuthor.LoadedParent(l, p) },
			func(p bqPost) []bqComment { return bqCommentPost.LoadedChildren(l, p.ID) },
			func(c bqComment) (bqUser, bool) { return bqCommentAuthor.LoadedParent(l, c) })
	}
}

// The baseline: the same reads with a hand-written loop of Parent and
// Children calls (one lookup per post author and per comment author).
func BenchmarkBqLoad100ManualLoop(b *testing.B) {
	db := bqDB(b)
	tx := db.BeginRead()
	defer tx.Abort()
	posts := bqLoadInput(b, tx)
	// Both ways read the same rows.
	l, err := memrel.Load(tx, posts, bqPostAuthor.Forward(), bqCommentPost.Reverse(bqCommentAuthor.Forward()))
	if err != nil {
		b.Fatal(err)
	}
	viaLoad := bqRead(posts,
		func(p bqPost) (bqUser, bool) { return bqPostAuthor.LoadedParent(l, p) },
		func(p bqPost) []bqComment { return bqCommentPost.LoadedChildren(l, p.ID) },
		func(c bqComment) (bqUser, bool) { return bqCommentAuthor.LoadedParent(l, c) })
	manual := func() int {
		return bqRead(posts,
			func(p bqPost) (bqUser, bool) { return bqPostAuthor.Parent(tx, p) },
			func(p bqPost) []bqComment {
				var out []bqComment
				for c := range bqCommentPost.Children(tx, p.ID) {
					out = append(out, c)
				}
				return out
			},
			func(c bqComment) (bqUser, bool) { return bqCommentAuthor.Parent(tx, c) })
	}
	if got := manual(); got != viaLoad {
		b.Fatalf("the manual loop reads %d, Load %d", got, viaLoad)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		bqSink += manual()
	}
}
