package memrel_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/memrel-go/memrel"
)

// bigShop is a DB of the shop schema with users users, each with
// postsPer posts: users*(1+postsPer) rows.
func bigShop(b *testing.B, users, postsPer int) *memrel.DB {
	b.Helper()
	db := openShop()
	err := db.Update(func(tx *memrel.Tx) error {
		for i := range users {
			u, err := Users.Insert(tx, User{Username: fmt.Sprintf("user%d", i)})
			if err != nil {
				return err
			}
			for j := range postsPer {
				if _, err := Posts.Insert(tx, Post{AuthorID: u.ID, Title: fmt.Sprintf("post %d of %d", j, i)}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkSaveRestore saves and restores (with its Check) a DB of
// 1,000,000 rows: 100,000 users with 9 posts each. Run it with
// -benchtime=1x; it reports rows per second each way.
func BenchmarkSaveRestore(b *testing.B) {
	const users, postsPer = 100_000, 9
	rows := float64(users * (1 + postsPer))
	db := bigShop(b, users, postsPer)
	var saved bytes.Buffer
	b.Run("Save", func(b *testing.B) {
		for range b.N {
			saved.Reset()
			if err := db.View(func(tx *memrel.Tx) error { return memrel.Save(tx, &saved) }); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(rows*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(saved.Len()), "bytes")
	})
	b.Run("Restore", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			db2 := openShop()
			b.StartTimer()
			if err := memrel.Restore(db2, bytes.NewReader(saved.Bytes())); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(rows*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// BenchmarkFixture dumps and loads a fixture of 100,000 rows (10,000
// users with 9 posts each), reporting rows per second.
func BenchmarkFixture(b *testing.B) {
	const users, postsPer = 10_000, 9
	rows := float64(users * (1 + postsPer))
	db := bigShop(b, users, postsPer)
	var text bytes.Buffer
	b.Run("Dump", func(b *testing.B) {
		for range b.N {
			text.Reset()
			if err := db.View(func(tx *memrel.Tx) error { return memrel.DumpFixture(tx, &text, memrel.FixtureJSONLines) }); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(rows*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("Load", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			db2 := openShop()
			tx := db2.BeginWrite()
			b.StartTimer()
			if err := memrel.LoadFixture(tx, "bench", bytes.NewReader(text.Bytes())); err != nil {
				b.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(rows*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}
