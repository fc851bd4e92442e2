package memrel_test

import (
	"testing"

	"github.com/memrel-go/memrel"
)

type bwUser struct {
	ID   int64
	Name string
}

type bwPost struct {
	ID       int64
	AuthorID int64
	Title    string
}

type bwComment struct {
	ID       int64
	PostID   int64
	AuthorID memrel.Null[int64]
	Body     string
}

// BenchmarkWriteInsertComments inserts comments with two foreign keys (one
// nullable) and a unique body, one row per op, in transactions of 1,000
// rows: the write path's per-row cost (W1's shape). The sub-benchmarks
// measure what observing the writes costs: an AfterCommit function per
// transaction, a DB that keeps its change sets, a watch on the table.
func BenchmarkWriteInsertComments(b *testing.B) {
	for _, c := range []struct {
		name    string
		observe func(db *memrel.DB, tx *memrel.Tx, comments *memrel.Table[bwComment, int64])
	}{
		{"plain", nil},
		{"after-commit", func(_ *memrel.DB, tx *memrel.Tx, _ *memrel.Table[bwComment, int64]) {
			tx.AfterCommit(func(*memrel.ChangeSet) {})
		}},
		{"feed", func(db *memrel.DB, _ *memrel.Tx, _ *memrel.Table[bwComment, int64]) { db.KeepChanges(10) }},
		{"watched", func(_ *memrel.DB, tx *memrel.Tx, comments *memrel.Table[bwComment, int64]) { comments.WatchKey(tx, 1) }},
	} {
		b.Run(c.name, func(b *testing.B) { benchInsertComments(b, c.observe) })
	}
}

func benchInsertComments(b *testing.B, observe func(db *memrel.DB, tx *memrel.Tx, comments *memrel.Table[bwComment, int64])) {
	users := memrel.NewTable("users", func(u *bwUser) *int64 { return &u.ID })
	posts := memrel.NewTable("posts", func(p *bwPost) *int64 { return &p.ID })
	comments := memrel.NewTable("comments", func(c *bwComment) *int64 { return &c.ID })
	db, err := memrel.Open(memrel.Schema{
		Tables: []memrel.AnyTable{users, posts, comments},
		Relations: []memrel.Relation{
			memrel.ForeignKey(posts, func(p *bwPost) *int64 { return &p.AuthorID }, users, memrel.Cascade).Related("posts"),
			memrel.ForeignKey(comments, func(c *bwComment) *int64 { return &c.PostID }, posts, memrel.Cascade).Related("comments"),
			memrel.ForeignKey(comments, func(c *bwComment) *memrel.Null[int64] { return &c.AuthorID }, users, memrel.SetNull).Related("comments"),
		},
		Constraints: []memrel.Constraint{memrel.Check(comments, "body_not_empty", func(c *bwComment) bool { return c.Body != "" })},
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Update(func(tx *memrel.Tx) error {
		for i := range 100 {
			if _, err := users.Insert(tx, bwUser{Name: string(rune('a' + i%26))}); err != nil {
				return err
			}
		}
		for i := range 1000 {
			if _, err := posts.Insert(tx, bwPost{AuthorID: int64(1 + i%100)}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		if err := db.Update(func(tx *memrel.Tx) error {
			if observe != nil {
				observe(db, tx, comments)
			}
			for n := 0; n < 1000 && done < b.N; n++ {
				c := bwComment{PostID: int64(1 + done%1000), AuthorID: memrel.Some(int64(1 + done%100)), Body: "hello"}
				if _, err := comments.Insert(tx, c); err != nil {
					return err
				}
				done++
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}
