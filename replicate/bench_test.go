package replicate_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/memrel-go/memrel"
)

// The sizes of the writes measured: rows inserted per transaction.
var benchSizes = []int{1, 10, 100, 1000}

// insertRows returns a write that inserts n users: n rows in its change
// set.
func insertRows(op, n int) func(tx *memrel.Tx) error {
	return func(tx *memrel.Tx) error {
		for j := range n {
			if _, err := Users.Insert(tx, User{Name: fmt.Sprintf("u%d-%d", op, j)}); err != nil {
				return err
			}
		}
		return nil
	}
}

// BenchmarkWrite compares a write's latency on one DB (Update) with the
// same write through a 3-node cluster on raft's in-memory transport
// (Node.Update: run, encode, commit on a quorum, apply on the leader), by
// the rows it writes. Writes are sequential: ns/op is the latency, and
// 1e9/(ns/op) the throughput of one writer (a node runs one Update at a
// time).
func BenchmarkWrite(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("db/rows=%d", n), func(b *testing.B) {
			db := openDB(b)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if err := db.Update(insertRows(i, n)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
		b.Run(fmt.Sprintf("cluster3/rows=%d", n), func(b *testing.B) {
			c := newCluster(b, 3, nil)
			leader := c.leader()
			ctx := context.Background()
			if _, err := leader.node.Update(ctx, func(*memrel.Tx) error { return nil }); err != nil {
				b.Fatal(err) // the leader's first entry, out of the measure
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := leader.node.Update(ctx, insertRows(i, n)); err != nil {
					// The test cluster's short timeouts can lose the
					// leadership on a loaded machine: once, find the leader
					// again (new names: the first write may have committed).
					leader = c.leader()
					if _, err := leader.node.Update(ctx, insertRows(-1-i, n)); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkChangeCodec is the codec's share of a replicated write: the
// change set of a write of n rows encoded (memrel.Proposal.Encode) and
// applied to another DB (memrel.ApplyChanges in an Update), without raft.
func BenchmarkChangeCodec(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			db := openDB(b)
			p, err := memrel.Propose(context.Background(), db, insertRows(0, n))
			if err != nil {
				b.Fatal(err)
			}
			data, err := p.Encode(nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Run("encode", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if data, err = p.Encode(data[:0]); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(data)), "bytes")
			})
			b.Run("apply", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := db.Snapshot().Update(func(tx *memrel.Tx) error { return memrel.ApplyChanges(tx, data) }); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
