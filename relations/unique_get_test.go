package relations_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/memrel-go/memrel"
)

type ugTag struct {
	ID   int64
	Name string
}

type ugSub struct {
	ID      int64
	UserID  int64
	Plan    string
	EndedAt memrel.Null[int64]
}

// UniqueConstraint.Get finds a row by its unique value, sees the
// transaction's own writes, and for a partial constraint finds only rows
// that satisfy the condition.
func TestUniqueConstraintGet(t *testing.T) {
	tags := memrel.NewTable("ug_tags", func(r *ugTag) *int64 { return &r.ID })
	subs := memrel.NewTable("ug_subs", func(r *ugSub) *int64 { return &r.ID })
	byName := memrel.UniqueFunc(tags, "ug_uniq_tag_name", func(r *ugTag) string { return r.Name })
	active := memrel.UniqueFunc(subs, "ug_one_active", func(r *ugSub) int64 { return r.UserID }).
		Where(func(r *ugSub) bool { return !r.EndedAt.Valid })
	nullable := memrel.UniqueFunc(subs, "ug_ended", func(r *ugSub) memrel.Null[int64] { return r.EndedAt })
	db, err := memrel.Open(memrel.Schema{
		Tables:      []memrel.AnyTable{tags, subs},
		Constraints: []memrel.Constraint{byName, active, nullable},
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *memrel.Tx) error {
		for _, n := range []string{"go", "", "db"} {
			if _, err := tags.Insert(tx, ugTag{Name: n}); err != nil {
				return err
			}
		}
		if got, ok := byName.Get(tx, "db"); !ok || got.ID != 3 {
			t.Errorf(`Get("db") = %+v, %v; want tag 3`, got, ok)
		}
		if got, ok := byName.Get(tx, ""); !ok || got.ID != 2 {
			t.Errorf(`Get("") = %+v, %v; want tag 2 (an empty string is a value)`, got, ok)
		}
		if _, ok := byName.Get(tx, "rust"); ok {
			t.Errorf(`Get("rust") found a row`)
		}
		// Read-your-writes: after a rename the old name is gone.
		if _, err := tags.Update(tx, ugTag{ID: 3, Name: "sql"}); err != nil {
			return err
		}
		if _, ok := byName.Get(tx, "db"); ok {
			t.Errorf(`Get("db") after the rename still finds a row`)
		}
		if got, ok := byName.Get(tx, "sql"); !ok || got.ID != 3 {
			t.Errorf(`Get("sql") = %+v, %v; want tag 3`, got, ok)
		}

		old, err := subs.Insert(tx, ugSub{UserID: 7, Plan: "basic", EndedAt: memrel.Some[int64](100)})
		if err != nil {
			return err
		}
		cur, err := subs.Insert(tx, ugSub{UserID: 7, Plan: "pro"})
		if err != nil {
			return err
		}
		if got, ok := active.Get(tx, 7); !ok || got.ID != cur.ID {
			t.Errorf("active.Get(7) = %+v, %v; want the active subscription %d, not the ended %d", got, ok, cur.ID, old.ID)
		}
		if got, ok := nullable.Get(tx, memrel.Some[int64](100)); !ok || got.ID != old.ID {
			t.Errorf("Get(Some(100)) = %+v, %v; want subscription %d", got, ok, old.ID)
		}
		if _, ok := nullable.Get(tx, memrel.None[int64]()); ok {
			t.Errorf("Get(None) found a row: empty values take no part in a unique constraint")
		}
		return tx.Check()
	})
	if err != nil {
		t.Fatal(err)
	}
	// The row a Get returns is a copy.
	err = db.View(func(tx *memrel.Tx) error {
		got, _ := byName.Get(tx, "go")
		got.Name = "changed"
		if again, _ := byName.Get(tx, "go"); again.Name != "go" {
			t.Errorf("mutating a returned row changed the store: %+v", again)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

type ugPerson struct{ ID int64 }

// Related on a symmetrical relation would have no effect: Open refuses it
// rather than ignore it silently (Django warns, fields.W345).
func TestOpenRefusesRelatedOnSymmetrical(t *testing.T) {
	people := memrel.NewTable("ug_people", func(p *ugPerson) *int64 { return &p.ID })
	friends := memrel.ManyToMany(people, "friends", people).Symmetrical().Related("befriended")
	_, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{people}, Relations: []memrel.Relation{friends}})
	if !errors.Is(err, memrel.ErrSchema) || !strings.Contains(err.Error(), `Related("befriended") has no effect`) {
		t.Fatalf("Open = %v; want a schema error about Related on a symmetrical relation", err)
	}
	people = memrel.NewTable("ug_people", func(p *ugPerson) *int64 { return &p.ID }) // without the refused relation
	plain := memrel.ManyToMany(people, "friends", people).Symmetrical()
	if _, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{people}, Relations: []memrel.Relation{plain}}); err != nil {
		t.Fatalf("Open without Related = %v", err)
	}
}
