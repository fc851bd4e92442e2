// Package shop is the Shop domain: customers place orders of products. It
// shows Protect (history that must not disappear), Cascade, check and
// unique constraints, a default value, an index for date ranges, and eager
// loading of orders with their items and products. The Django models it
// mirrors:
//
//	class Product(Model):
//	    name = CharField(); sku = CharField(unique=True)
//	    price_cents = IntegerField()  # CheckConstraint price_cents >= 0
//	class Order(Model):
//	    customer = ForeignKey(User, PROTECT, related_name="orders")
//	    created_at = DateTimeField(db_index=True); paid = BooleanField(default=False)
//	class OrderItem(Model):
//	    order = ForeignKey(Order, CASCADE, related_name="items")
//	    product = ForeignKey(Product, PROTECT, related_name="order_items")
//	    quantity = IntegerField(default=1)  # CheckConstraint quantity >= 1
//	    unit_price_cents = IntegerField()   # the price when bought
package shop

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/examples/internal/show"
)

// User is a row of users: a customer.
type User struct {
	ID   int64
	Name string
}

// Product is a row of products.
type Product struct {
	ID         int64
	Name       string
	SKU        string
	PriceCents int64
}

// Order is a row of orders.
type Order struct {
	ID         int64
	CustomerID int64
	CreatedAt  time.Time
	Paid       bool
}

// OrderItem is a row of order_items: a line of an order.
type OrderItem struct {
	ID             int64
	OrderID        int64
	ProductID      int64
	Quantity       int   // 0 is filled in as 1
	UnitPriceCents int64 // the product's price when it was bought
}

// TotalCents is the line total.
func (i OrderItem) TotalCents() int64 { return int64(i.Quantity) * i.UnitPriceCents }

// The schema. productF, orderF and itemF are the field-reference rows of
// Product, Order and OrderItem (memrel.Fields): &itemF.OrderID names the
// OrderID field of OrderItem, checked by the compiler. The F suffix keeps
// them apart from row variables; nothing reads or writes them. A foreign
// key's reverse name is its child table's name (user.orders,
// product.order_items) unless Related names another, as related_name does.
var (
	productF, orderF, itemF = memrel.Fields[Product](), memrel.Fields[Order](), memrel.Fields[OrderItem]()

	Users      = memrel.NewTable("users", func(u *User) *int64 { return &u.ID })
	Products   = memrel.NewTable("products", func(p *Product) *int64 { return &p.ID })
	Orders     = memrel.NewTable("orders", func(o *Order) *int64 { return &o.ID })
	OrderItems = memrel.NewTable("order_items", func(i *OrderItem) *int64 { return &i.ID },
		memrel.Default(&itemF.Quantity, 1))

	OrderCustomer = memrel.ForeignKey(Orders, &orderF.CustomerID, Users, memrel.Protect)
	ItemOrder     = memrel.ForeignKey(OrderItems, &itemF.OrderID, Orders, memrel.Cascade).Related("items")
	ItemProduct   = memrel.ForeignKey(OrderItems, &itemF.ProductID, Products, memrel.Protect)

	UniqueSKU = memrel.Unique(Products, "uniq_product_sku", &productF.SKU)
	// SQL gives each check its SQL form, for memrel.WriteSQLSchema.
	PriceNonNegative = memrel.Check(Products, "price_cents_gte_0", func(p *Product) bool { return p.PriceCents >= 0 }).SQL("price_cents >= 0")
	QuantityPositive = memrel.Check(OrderItems, "quantity_gte_1", func(i *OrderItem) bool { return i.Quantity >= 1 }).SQL("quantity >= 1")

	// OrdersByCreated orders orders by creation time, for date ranges
	// (Django's created_at = DateTimeField(db_index=True)).
	OrdersByCreated = memrel.NewIndex(Orders, "created_at", &orderF.CreatedAt)

	Schema = memrel.Schema{Tables: []memrel.AnyTable{Users, Products, Orders, OrderItems}}
)

// AddItem adds quantity of a product to an order at the product's current
// price, which the item keeps from then on. A quantity of 0 means 1.
func AddItem(tx *memrel.Tx, orderID, productID int64, quantity int) (OrderItem, error) {
	p, ok := Products.Get(tx, productID)
	if !ok {
		return OrderItem{}, &memrel.KeyError{Table: Products.Name(), Key: productID, Err: memrel.ErrNotFound}
	}
	return OrderItems.Insert(tx, OrderItem{OrderID: orderID, ProductID: p.ID, Quantity: quantity,
		UnitPriceCents: p.PriceCents})
}

// OrderTotalCents is the sum of the order's line totals.
func OrderTotalCents(tx *memrel.Tx, orderID int64) int64 {
	var total int64
	for i := range ItemOrder.Children(tx, orderID) {
		total += i.TotalCents()
	}
	return total
}

// money formats cents as 12.50.
func money(cents int64) string { return fmt.Sprintf("%d.%02d", cents/100, cents%100) }

// Run opens a DB with the schema and walks through the domain, writing what
// happens to w.
func Run(w io.Writer) error {
	_, err := RunDB(w)
	return err
}

// RunDB is Run that also returns the DB, in the state the walk leaves it
// (for tests that dump or save it).
func RunDB(w io.Writer) (*memrel.DB, error) {
	db, err := memrel.Open(Schema)
	if err != nil {
		return nil, err
	}
	return db, run(w, db)
}

func run(w io.Writer, db *memrel.DB) error {
	say := show.New(w)
	var err error

	var carol User
	var coffee, mug, filters Product
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		if carol, err = Users.Insert(tx, User{Name: "carol"}); err != nil {
			return err
		}
		if coffee, err = Products.Insert(tx, Product{Name: "Coffee beans", SKU: "CB-250", PriceCents: 1250}); err != nil {
			return err
		}
		if mug, err = Products.Insert(tx, Product{Name: "Mug", SKU: "MUG-1", PriceCents: 800}); err != nil {
			return err
		}
		filters, err = Products.Insert(tx, Product{Name: "Filter papers", SKU: "FP-100", PriceCents: 300})
		return err
	})
	if err != nil {
		return err
	}
	say.Line("Customer %d %s. Catalog:", carol.ID, carol.Name)
	err = db.View(func(tx *memrel.Tx) error {
		for p := range Products.All(tx) {
			say.Line("  product %d %-13s sku %-6s %6s", p.ID, p.Name, p.SKU, money(p.PriceCents))
		}
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("Refused by the constraints on products:")
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := Products.Insert(tx, Product{Name: "Refund voucher", SKU: "RV-1", PriceCents: -500})
		return err
	})
	var ce *memrel.CheckError
	if !errors.As(err, &ce) {
		return fmt.Errorf("a negative price: want a CheckError, got %v", err)
	}
	say.Line("  a negative price: %v", err)
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := Products.Insert(tx, Product{Name: "Big mug", SKU: mug.SKU, PriceCents: 1000})
		return err
	})
	var ue *memrel.UniqueError
	if !errors.As(err, &ue) {
		return fmt.Errorf("a duplicate sku: want a UniqueError, got %v", err)
	}
	say.Line("  a second product with sku %s: %v", mug.SKU, err)

	// An order and its items, in one transaction.
	var first Order
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		first, err = Orders.Insert(tx, Order{CustomerID: carol.ID,
			CreatedAt: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)})
		if err != nil {
			return err
		}
		if _, err := AddItem(tx, first.ID, coffee.ID, 2); err != nil {
			return err
		}
		_, err = AddItem(tx, first.ID, mug.ID, 0) // no quantity: the default 1
		return err
	})
	if err != nil {
		return err
	}
	say.Line("")
	say.Line("Carol orders coffee (quantity 2) and a mug (quantity left out: memrel.Default makes it 1):")
	if err := db.View(func(tx *memrel.Tx) error { return printOrder(say, tx, first.ID) }); err != nil {
		return err
	}

	say.Line("")
	say.Line("Coffee beans go up to 14.00. Items keep the price they were bought at:")
	var second Order
	err = db.Update(func(tx *memrel.Tx) error {
		if _, err := Products.Modify(tx, coffee.ID, func(p *Product) error {
			p.PriceCents = 1400
			return nil
		}); err != nil {
			return err
		}
		var err error
		second, err = Orders.Insert(tx, Order{CustomerID: carol.ID,
			CreatedAt: time.Date(2026, 1, 9, 16, 30, 0, 0, time.UTC), Paid: true})
		if err != nil {
			return err
		}
		_, err = AddItem(tx, second.ID, coffee.ID, 1)
		return err
	})
	if err != nil {
		return err
	}
	err = db.View(func(tx *memrel.Tx) error {
		if err := printOrder(say, tx, first.ID); err != nil {
			return err
		}
		return printOrder(say, tx, second.ID)
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("In February, carol orders two more mugs:")
	var third Order
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		third, err = Orders.Insert(tx, Order{CustomerID: carol.ID,
			CreatedAt: time.Date(2026, 2, 3, 11, 0, 0, 0, time.UTC)})
		if err != nil {
			return err
		}
		_, err = AddItem(tx, third.ID, mug.ID, 2)
		return err
	})
	if err != nil {
		return err
	}
	if err := db.View(func(tx *memrel.Tx) error { return printOrder(say, tx, third.ID) }); err != nil {
		return err
	}

	say.Line("")
	jan1, feb1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	say.Line("The orders created in January (index created_at, AscendRange [%s, %s): the end excluded),",
		show.Day(jan1), show.Day(feb1))
	say.Line("loaded with their items and the items' products in one call (memrel.Load):")
	err = db.View(func(tx *memrel.Tx) error {
		january := slices.Collect(OrdersByCreated.AscendRange(tx, jan1, feb1))
		l, err := memrel.Load(tx, january, ItemOrder.Reverse(ItemProduct.Forward()))
		if err != nil {
			return err
		}
		for _, o := range january {
			var lines []string
			var total int64
			for _, i := range ItemOrder.LoadedChildren(l, o.ID) {
				p, _ := ItemProduct.LoadedParent(l, i) // a required key: always loaded
				lines = append(lines, fmt.Sprintf("%d x %s", i.Quantity, p.Name))
				total += i.TotalCents()
			}
			say.Line("  order %d, %s: %s; total %s", o.ID, show.Day(o.CreatedAt), strings.Join(lines, ", "), money(total))
		}
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("Refused: an item with quantity -1:")
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := AddItem(tx, second.ID, mug.ID, -1)
		return err
	})
	if !errors.As(err, &ce) {
		return fmt.Errorf("a negative quantity: want a CheckError, got %v", err)
	}
	say.Line("  %v", err)

	say.Line("")
	say.Line("Deleting the coffee beans is refused: they were ordered (order_items.product is Protect):")
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := Products.Delete(tx, coffee.ID)
		return err
	})
	var pe *memrel.ProtectedError
	if !errors.As(err, &pe) {
		return fmt.Errorf("deleting an ordered product: want a ProtectedError, got %v", err)
	}
	say.Line("  %v", err)
	say.Line("  the protecting rows (ProtectedError.Rows): %s", rowList(pe.Rows))

	say.Line("")
	say.Line("What deleting carol would do, previewed in a read transaction (Users.DeletePreview")
	say.Line("writes nothing): what the delete collects, and the refusal it would give:")
	err = say.Preview(db, func(tx *memrel.Tx) (memrel.DeletePlan, error) { return Users.DeletePreview(tx, carol.ID) })
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("Deleting carol is refused while she has orders (orders.customer is Protect):")
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := Users.Delete(tx, carol.ID)
		return err
	})
	if !errors.As(err, &pe) {
		return fmt.Errorf("deleting a customer with orders: want a ProtectedError, got %v", err)
	}
	say.Line("  %v", err)
	say.Line("  the protecting rows (ProtectedError.Rows): %s", rowList(pe.Rows))

	say.Line("")
	say.Line("Deleting order %d deletes its items (order_items.order is Cascade):", first.ID)
	var res memrel.DeleteResult
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		res, err = Orders.Delete(tx, first.ID)
		return err
	})
	if err != nil {
		return err
	}
	say.Line("  %v", res)

	say.Line("")
	say.Line("The filter papers were never ordered, so they can be deleted:")
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		res, err = Products.Delete(tx, filters.ID)
		return err
	})
	if err != nil {
		return err
	}
	say.Line("  %v", res)

	return say.Finish(db)
}

// printOrder prints an order, its lines and its total.
func printOrder(say *show.Printer, tx *memrel.Tx, orderID int64) error {
	o, ok := Orders.Get(tx, orderID)
	if !ok {
		return &memrel.KeyError{Table: Orders.Name(), Key: orderID, Err: memrel.ErrNotFound}
	}
	customer, _ := OrderCustomer.Parent(tx, o)
	paid := "unpaid"
	if o.Paid {
		paid = "paid"
	}
	say.Line("  order %d for %s, %s, %s:", o.ID, customer.Name, o.CreatedAt.Format("2006-01-02 15:04"), paid)
	for i := range ItemOrder.Children(tx, o.ID) {
		p, _ := ItemProduct.Parent(tx, i)
		say.Line("    %d x %-13s @ %6s = %6s", i.Quantity, p.Name, money(i.UnitPriceCents), money(i.TotalCents()))
	}
	say.Line("    %-28s %6s", "total", money(OrderTotalCents(tx, o.ID)))
	return nil
}

// rowList lists the rows of a ProtectedError: "orders 1, orders 2".
func rowList(rows []memrel.BlockingRow) string {
	s := ""
	for i, r := range rows {
		if i > 0 {
			s += ", "
		}
		s += r.RowRef.String()
	}
	return s
}
