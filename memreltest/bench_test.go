package memreltest_test

import (
	"fmt"
	"testing"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/memreltest"
)

// BenchmarkSetup measures a test's setup on a base of n rows: the fork
// and the Check that runs when the test ends.
func BenchmarkSetup(b *testing.B) {
	for _, n := range []int{300, 100_000} {
		// n rows: customers, each with one order and one item.
		base := memreltest.New(memreltest.Options{Schema: schema, Seed: func(tx *memrel.Tx) error {
			for i := range n / 3 {
				c, err := Customers.Insert(tx, Customer{Name: fmt.Sprint("c", i)})
				if err != nil {
					return err
				}
				o, err := Orders.Insert(tx, Order{CustomerID: c.ID})
				if err != nil {
					return err
				}
				if _, err := Items.Insert(tx, Item{OrderID: o.ID, Qty: 1}); err != nil {
					return err
				}
			}
			return nil
		}})
		base.DB(b)
		b.Run(fmt.Sprintf("rows=%d/fork", n), func(b *testing.B) {
			for range b.N {
				_ = base.DB(b).Snapshot()
			}
		})
		b.Run(fmt.Sprintf("rows=%d/fork+check", n), func(b *testing.B) {
			for range b.N {
				memreltest.Check(b, base.DB(b).Snapshot())
			}
		})
	}
}
