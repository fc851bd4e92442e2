package relations

import (
	"testing"

	"github.com/memrel-go/memrel/store"
)

type luRow struct {
	ID      int64
	UserID  int64
	MaybeID store.Null[int64]
	Other   int64
	At      store.Null[int64]
}

// Which unique constraints can answer a foreign key's lookups: one on
// fields led by the key field, with no condition and no field that can be
// empty; never for a nullable relation or a one-to-one.
func TestLeadingUniqueEligibility(t *testing.T) {
	users := store.NewTable("users", func(r *luRow) *int64 { return &r.ID })
	rows := store.NewTable("rows", func(r *luRow) *int64 { return &r.ID })
	f := store.Fields[luRow]()
	fk := ForeignKey(rows, &f.UserID, users, Cascade).d
	nullable := ForeignKey(rows, &f.MaybeID, users, SetNull).d
	one := OneToOne(rows, &f.Other, users, Cascade).d

	led := UniqueTogether(rows, "led", &f.UserID, &f.Other).d
	alone := Unique(rows, "alone", &f.UserID).d
	second := UniqueTogether(rows, "second", &f.Other, &f.UserID).d
	emptyField := UniqueTogether(rows, "empty_field", &f.UserID, &f.At).d
	partial := UniqueTogether(rows, "partial", &f.UserID, &f.Other).Where(func(r *luRow) bool { return r.Other > 0 }).d
	closure := UniqueFunc(rows, "closure", func(r *luRow) int64 { return r.UserID }).d
	byNullable := UniqueTogether(rows, "by_nullable", &f.MaybeID, &f.Other).d

	for _, c := range []struct {
		name    string
		d       *fkDef
		uniques []*uniqueDef
		want    *uniqueDef
	}{
		{"led by the key field", fk, []*uniqueDef{led}, led},
		{"the key field alone", fk, []*uniqueDef{alone}, alone},
		{"the first that can", fk, []*uniqueDef{second, emptyField, partial, closure, led, alone}, led},
		{"the key field second", fk, []*uniqueDef{second}, nil},
		{"a field that can be empty", fk, []*uniqueDef{emptyField}, nil},
		{"a condition", fk, []*uniqueDef{partial}, nil},
		{"a key function", fk, []*uniqueDef{closure}, nil},
		{"a nullable relation", nullable, []*uniqueDef{byNullable}, nil},
		{"a one-to-one", one, []*uniqueDef{second}, nil}, // its field leads second
	} {
		if got := c.d.leadingUnique(c.uniques); got != c.want {
			t.Errorf("%s: leadingUnique = %v, want %v", c.name, got, c.want)
		}
	}
}
