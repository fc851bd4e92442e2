package bench

import (
	"cmp"
	"slices"
	"testing"
)

// BenchmarkWriteOrder measures what the order of a transaction's writes
// buys go-memdb (issue 9, item 1: a transaction that applies its writes at
// Commit could sort them first). It inserts W1's 100,000 comments into a
// store holding W1's users and posts, 1,000 per transaction, writes only
// (the checks are W1's business): in arrival order (keys ascending, posts
// random, as W1 writes them), or sorted by post then key (the post index's
// entries adjacent, the keys of a transaction still within one narrow
// range). go-memdb inserts a row into all of its table's indexes at once,
// so one order serves one index at most.
func BenchmarkWriteOrder(b *testing.B) {
	data()
	byPost := slices.Clone(w1Data.Comments)
	for i := 0; i < len(byPost); i += Full.Batch {
		batch := byPost[i:min(i+Full.Batch, len(byPost))]
		slices.SortFunc(batch, func(x, y Comment) int {
			return cmp.Or(cmp.Compare(x.PostID, y.PostID), cmp.Compare(x.ID, y.ID))
		})
	}
	for _, c := range []struct {
		name string
		rows []Comment
	}{{"order=arrival", w1Data.Comments}, {"order=post", byPost}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				st, err := NewMemdb()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := RunW1(st, &W1Data{Users: w1Data.Users, Posts: w1Data.Posts}, Full.Batch); err != nil {
					b.Fatal(err)
				}
				s := st.(*memdbStore)
				b.StartTimer()
				for i := 0; i < len(c.rows); i += Full.Batch {
					txn := s.db.Txn(true)
					for _, r := range c.rows[i:min(i+Full.Batch, len(c.rows))] {
						if err := txn.Insert("comments", &r); err != nil {
							b.Fatal(err)
						}
					}
					txn.Commit()
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(c.rows)), "ns/row")
		})
	}
}
