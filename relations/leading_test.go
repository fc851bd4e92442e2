package relations_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/memrel-go/memrel"
)

type lqUser struct {
	ID   int64
	Name string
}

type lqFollow struct {
	ID         int64
	FollowerID int64
	FollowedID int64
}

// lqSchema is users and follows, whose follower relation (with rule) is led
// by the unique pair (follower, followed): its lookups are answered from
// the pair's index, ordered by (followed, key) there.
func lqSchema(t *testing.T, rule memrel.OnDelete) (*memrel.DB, *memrel.Table[lqUser, int64], *memrel.Table[lqFollow, int64], *memrel.FK[lqFollow, lqUser, int64]) {
	t.Helper()
	users := memrel.NewTable("users", func(u *lqUser) *int64 { return &u.ID })
	follows := memrel.NewTable("follows", func(f *lqFollow) *int64 { return &f.ID })
	f := memrel.Fields[lqFollow]()
	follower := memrel.ForeignKey(follows, &f.FollowerID, users, rule).Related("following")
	memrel.ForeignKey(follows, &f.FollowedID, users, memrel.Cascade).Related("followers")
	memrel.UniqueTogether(follows, "follow_pair", &f.FollowerID, &f.FollowedID)
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{users, follows}})
	mustOK(t, db.Update(func(tx *memrel.Tx) error {
		for range 4 {
			if _, err := users.Insert(tx, lqUser{}); err != nil {
				return err
			}
		}
		// Keys 1..4; by the pair's order user 1's follows are 2, 1, 4.
		for _, p := range [][2]int64{{1, 3}, {1, 2}, {2, 1}, {1, 4}} {
			if _, err := follows.Insert(tx, lqFollow{FollowerID: p[0], FollowedID: p[1]}); err != nil {
				return err
			}
		}
		return nil
	}))
	return db, users, follows, follower
}

func lqKeys(rows []lqFollow) []int64 {
	var keys []int64
	for _, r := range rows {
		keys = append(keys, r.ID)
	}
	return keys
}

// A foreign key whose field leads a unique constraint is answered from the
// constraint's index (it has none of its own), as one with its own index
// is: children in key order, in a write transaction with its own writes
// (inserted, deleted, re-pointed rows), through eager loading, and in a
// cascade that leaves a store Check finds whole.
func TestLeadingUniqueAnswersForeignKey(t *testing.T) {
	db, users, follows, follower := lqSchema(t, memrel.Cascade)
	r := db.BeginRead()
	defer r.Abort()
	if got := lqKeys(slices.Collect(follower.Children(r, 1))); !reflect.DeepEqual(got, []int64{1, 2, 4}) {
		t.Errorf("Children(1) = %v, want [1 2 4] (key order)", got)
	}
	if n := follower.Count(r, 1); n != 3 {
		t.Errorf("Count(1) = %d, want 3", n)
	}

	tx := beginTx(t, db)
	if _, err := follows.Delete(tx, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := follows.Update(tx, lqFollow{ID: 4, FollowerID: 2, FollowedID: 4}); err != nil {
		t.Fatal(err)
	}
	for _, p := range [][2]int64{{3, 1}, {1, 2}} { // keys 5 and 6
		if _, err := follows.Insert(tx, lqFollow{FollowerID: p[0], FollowedID: p[1]}); err != nil {
			t.Fatal(err)
		}
	}
	if got := lqKeys(slices.Collect(follower.Children(tx, 1))); !reflect.DeepEqual(got, []int64{1, 6}) {
		t.Errorf("Children(1) in the transaction = %v, want [1 6]", got)
	}
	if got := lqKeys(slices.Collect(follower.Children(tx, 2))); !reflect.DeepEqual(got, []int64{3, 4}) {
		t.Errorf("Children(2) in the transaction = %v, want [3 4]", got)
	}
	if got := lqKeys(slices.Collect(follower.Children(r, 1))); !reflect.DeepEqual(got, []int64{1, 2, 4}) {
		t.Errorf("Children(1) in a read transaction begun before = %v, want [1 2 4]", got)
	}
	all := slices.Collect(users.All(tx))
	l, err := memrel.Load(tx, all, follower.Reverse())
	if err != nil {
		t.Fatal(err)
	}
	if got := lqKeys(follower.LoadedChildren(l, 2)); !reflect.DeepEqual(got, []int64{3, 4}) {
		t.Errorf("LoadedChildren(2) = %v, want [3 4]", got)
	}

	res, err := users.Delete(tx, 1)
	if err != nil {
		t.Fatal(err)
	}
	// User 1 follows 1 and 6; 3 and 5 follow user 1.
	if res.Deleted["follows"] != 4 {
		t.Errorf("the cascade deleted %v, want 4 follows", res.Deleted)
	}
	if n := follows.Len(tx); n != 1 {
		t.Errorf("%d follows left, want 1 (user 2 follows user 4)", n)
	}
	if err := tx.Check(); err != nil {
		t.Fatal(err)
	}
}

// A delete that such a relation restricts names the rows in the way in key
// order.
func TestLeadingUniqueRestricts(t *testing.T) {
	db, users, _, _ := lqSchema(t, memrel.Restrict)
	tx := beginTx(t, db)
	before := tx.Dump()
	_, err := users.Delete(tx, 1)
	if tx.Dump() != before {
		t.Fatal("the refused delete changed the store")
	}
	var re *memrel.RestrictedError
	if !errors.As(err, &re) {
		t.Fatalf("delete of a user who follows others: %v, want a RestrictedError", err)
	}
	var keys []any
	for _, r := range re.Rows {
		if r.Relation == "follows.follower" {
			keys = append(keys, r.Key)
		}
	}
	if !reflect.DeepEqual(keys, []any{int64(1), int64(2), int64(4)}) {
		t.Errorf("rows in the way through follows.follower: %v, want [1 2 4]", keys)
	}
}

// A unique constraint made partial (some rows then missing from its index)
// cannot answer the relation, which keeps an index of its own and finds
// every row; a failed Open before the condition was given changes nothing.
func TestLeadingUniqueNotWhenPartial(t *testing.T) {
	users := memrel.NewTable("users", func(u *lqUser) *int64 { return &u.ID })
	follows := memrel.NewTable("follows", func(f *lqFollow) *int64 { return &f.ID })
	f := memrel.Fields[lqFollow]()
	follower := memrel.ForeignKey(follows, &f.FollowerID, users, memrel.Cascade)
	pair := memrel.UniqueTogether(follows, "follow_pair", &f.FollowerID, &f.FollowedID)
	if _, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{follows}}); !errors.Is(err, memrel.ErrSchema) {
		t.Fatalf("Open without the parent table: %v, want ErrSchema", err)
	}
	pair.Where(func(f *lqFollow) bool { return f.FollowedID > 1 })
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{users, follows}})
	tx := beginTx(t, db)
	for range 2 {
		if _, err := users.Insert(tx, lqUser{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, followed := range []int64{1, 2} { // the first is outside the condition
		if _, err := follows.Insert(tx, lqFollow{FollowerID: 2, FollowedID: followed}); err != nil {
			t.Fatal(err)
		}
	}
	mustOK(t, tx.Commit())
	r := db.BeginRead()
	defer r.Abort()
	if got := lqKeys(slices.Collect(follower.Children(r, 2))); !reflect.DeepEqual(got, []int64{1, 2}) {
		t.Errorf("Children(2) = %v, want [1 2]", got)
	}
	// A second DB with the same declarations too.
	db2 := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{users, follows}})
	mustOK(t, db2.Update(func(tx *memrel.Tx) error {
		if _, err := users.Insert(tx, lqUser{}); err != nil {
			return err
		}
		_, err := follows.Insert(tx, lqFollow{FollowerID: 1, FollowedID: 1})
		return err
	}))
	r2 := db2.BeginRead()
	defer r2.Abort()
	if n := follower.Count(r2, 1); n != 1 {
		t.Errorf("Count(1) in a second DB = %d, want 1", n)
	}
}

// Reading the children through a shared index costs no allocation per
// row: Count reads no row, and the key order is restored with a few
// allocations whatever the number of children.
func TestLeadingUniqueReadAllocations(t *testing.T) {
	db, users, follows, follower := lqSchema(t, memrel.Cascade)
	mustOK(t, db.Update(func(tx *memrel.Tx) error {
		for range 200 { // keys 5 to 204
			if _, err := users.Insert(tx, lqUser{}); err != nil {
				return err
			}
		}
		// Inserted in descending order of the pair's second field.
		for followed := int64(204); followed >= 5; followed-- {
			if _, err := follows.Insert(tx, lqFollow{FollowerID: 2, FollowedID: followed}); err != nil {
				return err
			}
		}
		return nil
	}))
	r := db.BeginRead()
	defer r.Abort()
	if n := follower.Count(r, 2); n != 201 {
		t.Fatalf("Count(2) = %d, want 201", n)
	}
	if got := lqKeys(slices.Collect(follower.Children(r, 2))); !slices.IsSorted(got) || len(got) != 201 {
		t.Fatalf("Children(2) = %v, want 201 keys in order", got)
	}
	few := testing.AllocsPerRun(20, func() { follower.Count(r, 1) })
	many := testing.AllocsPerRun(20, func() { follower.Count(r, 2) })
	if many != few {
		t.Errorf("Count: %v allocations for 3 children, %v for 201", few, many)
	}
	walk := func(k int64) func() {
		return func() {
			for range follower.Children(r, k) {
			}
		}
	}
	few, many = testing.AllocsPerRun(20, walk(1)), testing.AllocsPerRun(20, walk(2))
	if many > few+12 { // the slice of rows grows by doubling
		t.Errorf("Children: %v allocations for 3 children, %v for 201: some per row", few, many)
	}
}
