package memrel_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/memrel-go/memrel"
)

type obProduct struct {
	ID         int64
	Name       string
	PriceCents int64
}

type obItem struct {
	ID             int64
	ProductID      int64
	UnitPriceCents int64 // frozen at purchase
}

// A shop freezes an item's price with hooks: BeforeInsert fills it from the
// product, in the same transaction; BeforeUpdate refuses to change it.
func ExampleTable_BeforeInsert() {
	products := memrel.NewTable("products", func(p *obProduct) *int64 { return &p.ID })
	items := memrel.NewTable("items", func(i *obItem) *int64 { return &i.ID }).
		BeforeInsert(func(tx *memrel.Tx, i *obItem) error {
			p, ok := products.Get(tx, i.ProductID)
			if !ok {
				return fmt.Errorf("product %d does not exist", i.ProductID)
			}
			i.UnitPriceCents = p.PriceCents
			return nil
		}).
		BeforeUpdate(func(tx *memrel.Tx, old obItem, i *obItem) error {
			if i.UnitPriceCents != old.UnitPriceCents {
				return errors.New("items.unit_price_cents is frozen")
			}
			return nil
		})
	memrel.ForeignKey(items, &memrel.Fields[obItem]().ProductID, products, memrel.Protect)
	db, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{products, items}})
	if err != nil {
		log.Fatal(err)
	}
	err = db.Update(func(tx *memrel.Tx) error {
		coffee, _ := products.Insert(tx, obProduct{Name: "coffee", PriceCents: 1250})
		item, err := items.Insert(tx, obItem{ProductID: coffee.ID})
		fmt.Println("bought at", item.UnitPriceCents)
		products.Modify(tx, coffee.ID, func(p *obProduct) error { p.PriceCents = 1400; return nil })
		_, err = items.Modify(tx, item.ID, func(i *obItem) error { i.UnitPriceCents = 1400; return nil })
		fmt.Println(err)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// bought at 1250
	// items.unit_price_cents is frozen
}

type obProfile struct {
	ID   int64
	Name string
}

type obFollow struct {
	ID         int64
	FollowerID int64
	FollowedID int64
}

// A social site keeps follower counts current from the change feed: the
// counter reads its state once, then applies what changed since, commit by
// commit, without holding the writers back.
func ExampleDB_ChangesSince() {
	profiles := memrel.NewTable("profiles", func(p *obProfile) *int64 { return &p.ID })
	follows := memrel.NewTable("follows", func(f *obFollow) *int64 { return &f.ID })
	f := memrel.Fields[obFollow]()
	memrel.ForeignKey(follows, &f.FollowerID, profiles, memrel.Cascade).Related("following")
	memrel.ForeignKey(follows, &f.FollowedID, profiles, memrel.Cascade).Related("followers")
	db, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{profiles, follows}})
	if err != nil {
		log.Fatal(err)
	}
	db.KeepChanges(100)

	// The counter's state, and the revision it is at.
	followers := map[int64]int{}
	tx := db.BeginRead()
	for fl := range follows.All(tx) {
		followers[fl.FollowedID]++
	}
	at := tx.Revision()
	tx.Abort()

	db.Update(func(tx *memrel.Tx) error {
		for _, n := range []string{"ann", "bob", "cy"} {
			profiles.Insert(tx, obProfile{Name: n})
		}
		follows.Insert(tx, obFollow{FollowerID: 2, FollowedID: 1})
		follows.Insert(tx, obFollow{FollowerID: 3, FollowedID: 1})
		_, err := follows.Insert(tx, obFollow{FollowerID: 1, FollowedID: 2})
		return err
	})
	db.Update(func(tx *memrel.Tx) error {
		_, err := profiles.Delete(tx, 3) // cy's follow goes with cy
		return err
	})

	commits, err := db.ChangesSince(at)
	if err != nil {
		log.Fatal(err) // ErrChangesGone: read the state again
	}
	for _, c := range commits {
		for _, ch := range follows.Changes(c.Changes) {
			switch ch.Kind {
			case memrel.Inserted:
				followers[ch.New.FollowedID]++
			case memrel.Deleted:
				followers[ch.Old.FollowedID]--
			}
		}
		at = c.Revision
	}
	fmt.Println("at revision", at, "followers of ann:", followers[1], "of bob:", followers[2])
	// Output:
	// at revision 2 followers of ann: 1 of bob: 1
}

type obOrder struct {
	ID       int64
	Customer string
}

// A program waits on a watch and prints each new order: read, watch what
// was read, wait, read again.
func ExampleTable_Watch() {
	orders := memrel.NewTable("orders", func(o *obOrder) *int64 { return &o.ID })
	db, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{orders}})
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		for _, c := range []string{"ann", "bob", "cy"} {
			time.Sleep(time.Millisecond)
			db.Update(func(tx *memrel.Tx) error { _, err := orders.Insert(tx, obOrder{Customer: c}); return err })
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	seen := int64(0)
	for seen < 3 {
		tx := db.BeginRead()
		for o := range orders.All(tx) {
			if o.ID > seen {
				fmt.Println("new order", o.ID, "for", o.Customer)
				seen = o.ID
			}
		}
		changed := orders.Watch(tx)
		tx.Abort()
		if seen == 3 {
			break
		}
		if err := memrel.Wait(ctx, changed); err != nil {
			log.Fatal(err)
		}
	}
	// Output:
	// new order 1 for ann
	// new order 2 for bob
	// new order 3 for cy
}
