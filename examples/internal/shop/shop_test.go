package shop

import (
	"testing"

	"github.com/memrel-go/memrel/examples/internal/showtest"
)

func TestRun(t *testing.T) {
	showtest.Check(t, Run,
		"a negative price: memrel: check constraint price_cents_gte_0 on products:",
		`a second product with sku MUG-1: memrel: unique constraint uniq_product_sku on products: a new products row has sku = "MUG-1", as products 2 does`,
		// Order 1: 2 x 12.50 + 1 x 8.00 (the quantity from Default).
		"2 x Coffee beans @ 12.50 = 25.00\n    1 x Mug @ 8.00 = 8.00\n    total 33.00",
		// After the price rise, order 1 keeps its prices; order 2 has the new one.
		"order 1 for carol, 2026-01-02 10:00, unpaid:\n    2 x Coffee beans @ 12.50 = 25.00\n    1 x Mug @ 8.00 = 8.00\n    total 33.00\n  order 2",
		"1 x Coffee beans @ 14.00 = 14.00\n    total 14.00",
		// Order 3 is in February, so the January range leaves it out.
		"order 3 for carol, 2026-02-03 11:00, unpaid:\n    2 x Mug @ 8.00 = 16.00",
		"in one call (memrel.Load):\n"+
			"  order 1, 2026-01-02: 2 x Coffee beans, 1 x Mug; total 33.00\n"+
			"  order 2, 2026-01-09: 1 x Coffee beans; total 14.00\n\n",
		"memrel: check constraint quantity_gte_1 on order_items:",
		"memrel: cannot delete products 1: protected by order_items.product (order_items 1, 3)",
		"(ProtectedError.Rows): order_items 1, order_items 3",
		// The preview of carol's delete names the same blockers as the delete.
		"would give:\n  delete users 1\n  refused: memrel: cannot delete users 1: protected by orders.customer (orders 1, 2, 3)\n\n",
		"memrel: cannot delete users 1: protected by orders.customer (orders 1, 2, 3)",
		"(ProtectedError.Rows): orders 1, orders 2, orders 3",
		"deletes its items (order_items.order is Cascade):\n  deleted order_items 2, orders 1",
		"can be deleted:\n  deleted products 1",
		"Integrity check (db.Check): ok",
	)
}
