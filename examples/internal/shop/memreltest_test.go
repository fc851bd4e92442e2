package shop_test

import (
	"testing"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/examples/internal/shop"
	"github.com/memrel-go/memrel/memreltest"
)

// base is the shop of testdata/shop.json (listed children first: the load
// checks foreign keys at its end), built once for the package.
var base = memreltest.New(memreltest.Options{Schema: shop.Schema, Files: []string{"testdata/shop.json"}})

// Each case runs on its own fork of the base, in parallel, and is checked
// when it ends.
func TestShopRules(t *testing.T) {
	for _, c := range []struct {
		name string
		run  func(t *testing.T, tx *memrel.Tx)
	}{
		{"a customer with orders is protected", func(t *testing.T, tx *memrel.Tx) {
			_, err := shop.Users.Delete(tx, 1)
			memreltest.Refused(t, err, memrel.ErrProtected, "orders.customer", "orders 1", "orders 2")
		}},
		{"a product that was sold is protected", func(t *testing.T, tx *memrel.Tx) {
			_, err := shop.Products.Delete(tx, 1)
			memreltest.Refused(t, err, memrel.ErrProtected, "order_items.product", "order_items 1", "order_items 3")
		}},
		{"an order takes its items along", func(t *testing.T, tx *memrel.Tx) {
			res, err := shop.Orders.Delete(tx, 1)
			memreltest.Deleted(t, res, err, "deleted order_items 2, orders 1")
		}},
		{"an unsold product can go", func(t *testing.T, tx *memrel.Tx) {
			res, err := shop.Products.Delete(tx, 3)
			memreltest.Deleted(t, res, err, "deleted products 1")
		}},
		{"a customer without orders can go", func(t *testing.T, tx *memrel.Tx) {
			res, err := shop.Users.Delete(tx, 2)
			memreltest.Deleted(t, res, err, "deleted users 1")
		}},
		{"a SKU is unique", func(t *testing.T, tx *memrel.Tx) {
			_, err := shop.Products.Insert(tx, shop.Product{Name: "Big mug", SKU: "MUG-1", PriceCents: 900})
			memreltest.Refused(t, err, memrel.ErrUnique, "uniq_product_sku", "products 2")
		}},
		{"a price is not negative", func(t *testing.T, tx *memrel.Tx) {
			_, err := shop.Products.Insert(tx, shop.Product{Name: "Gift", SKU: "GIFT", PriceCents: -1})
			memreltest.Refused(t, err, memrel.ErrCheck, "price_cents_gte_0", "a new products row")
		}},
		{"an item needs an order", func(t *testing.T, tx *memrel.Tx) {
			_, err := shop.OrderItems.Insert(tx, shop.OrderItem{OrderID: 9, ProductID: 1, UnitPriceCents: 1})
			memreltest.Refused(t, err, memrel.ErrForeignKey, "order_items.order", "a new order_items row")
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			db := base.Fork(t)
			memreltest.Update(t, db, func(tx *memrel.Tx) { c.run(t, tx) })
		})
	}
}
