package relations_test

import (
	"runtime/debug"
	"testing"

	"github.com/memrel-go/memrel"
)

type deepNode struct {
	ID     int64
	NextID memrel.Null[int64]
}

// A Cascade chain far deeper than a goroutine's stack allows for recursion
// is collected with the collector's own stack: deleting its head deletes
// every node.
func TestDeleteDeepCascadeChain(t *testing.T) {
	const n = 40_000
	nodes := memrel.NewTable("nodes", func(d *deepNode) *int64 { return &d.ID })
	next := memrel.ForeignKey(nodes, func(d *deepNode) *memrel.Null[int64] { return &d.NextID },
		nodes, memrel.Cascade).Related("previous")
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{nodes}, Relations: []memrel.Relation{next}})
	tx := beginTx(t, db)
	// Node i+1 points at node i: deleting node 1 cascades along the chain.
	for i := int64(1); i <= n; i++ {
		row := deepNode{}
		if i > 1 {
			row.NextID = memrel.Some(i - 1)
		}
		_, err := nodes.Insert(tx, row)
		mustOK(t, err)
	}
	// About 1 MB of Go stack: far less than one frame per level needs.
	defer debug.SetMaxStack(debug.SetMaxStack(1 << 20))
	res, err := nodes.Delete(tx, 1)
	mustOK(t, err)
	if res.Deleted["nodes"] != n || nodes.Len(tx) != 0 {
		t.Fatalf("result %v, %d nodes left; want all %d deleted", res, nodes.Len(tx), n)
	}
}
