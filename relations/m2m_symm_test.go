package relations_test

import (
	"testing"

	"github.com/memrel-go/memrel"
)

type symCountry struct {
	Code string
	Name string
}

type symCity struct {
	ID   int64
	Name string
}

// symLink joins a city to a country: two foreign keys to two different
// tables, with different key types.
type symLink struct {
	ID      int64
	CityID  int64
	Country string
}

func symTables() (*memrel.Table[symCity, int64], *memrel.Table[symCountry, string], *memrel.Table[symLink, int64], *memrel.FK[symLink, symCity, int64], *memrel.FK[symLink, symCountry, string]) {
	cities := memrel.NewTable("cities", func(c *symCity) *int64 { return &c.ID })
	countries := memrel.NewTable("countries", func(c *symCountry) *string { return &c.Code })
	links := memrel.NewTable("city_countries", func(l *symLink) *int64 { return &l.ID })
	lc := memrel.ForeignKey(links, func(l *symLink) *int64 { return &l.CityID }, cities, memrel.Cascade)
	lk := memrel.ForeignKey(links, func(l *symLink) *string { return &l.Country }, countries, memrel.Cascade)
	return cities, countries, links, lc, lk
}

// A symmetrical through relation between two tables of different key types
// is refused by Open, naming the relation, without a panic.
func TestM2MSymmetricalThroughDifferentTablesRefusedAtOpen(t *testing.T) {
	cities, countries, links, lc, lk := symTables()
	var rel *memrel.M2M[symCity, int64, symCountry, string, symLink, int64]
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("declaring the relation panicked: %v", r)
			}
		}()
		rel = memrel.ManyToManyThrough(links, "countries", lc, lk).Symmetrical()
	}()
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("Open panicked: %v", r)
			}
		}()
		schemaErr(t, memrel.Schema{
			Tables:    []memrel.AnyTable{cities, countries, links},
			Relations: []memrel.Relation{lc, lk, rel},
		}, "cities.countries", "Symmetrical", "cities", "countries")
	}()
}

// A relation declared with a missing table or foreign key can still be
// made Symmetrical and reversed; Open reports what is missing, and the
// handle's operations fail with that error instead of panicking.
func TestM2MDeclaredWithNilPartsNoPanic(t *testing.T) {
	cities, countries, links, lc, _ := symTables()
	var through *memrel.M2M[symCity, int64, symCountry, string, symLink, int64]
	var auto *memrel.M2M[symCity, int64, symCountry, string, memrel.Link[int64, string], int64]
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("declaring panicked: %v", r)
			}
		}()
		through = memrel.ManyToManyThrough(links, "countries", lc, (*memrel.FK[symLink, symCountry, string])(nil)).Symmetrical()
		auto = memrel.ManyToMany[symCity, int64, symCountry, string](cities, "lands", nil).Symmetrical()
	}()
	schemaErr(t, memrel.Schema{
		Tables:    []memrel.AnyTable{cities, countries, links},
		Relations: []memrel.Relation{lc, through},
	}, "countries", "the target foreign key is nil (required)")
	schemaErr(t, memrel.Schema{
		Tables:    []memrel.AnyTable{cities, countries, links},
		Relations: []memrel.Relation{auto},
	}, "lands", "the target table is nil (required)")

	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{cities, countries, links}, Relations: []memrel.Relation{lc}})
	tx := beginTx(t, db)
	ops := map[string]func() error{
		"through Add":           func() error { return cnIns(through.Add(tx, 1, "FR")) },
		"through Reverse().Add": func() error { return cnIns(through.Reverse().Add(tx, "FR", 1)) },
		"auto Clear":            func() error { return auto.Clear(tx, 1) },
		"auto Reverse().Set":    func() error { return auto.Reverse().Set(tx, "FR", []int64{1}) },
	}
	for name, op := range ops {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s panicked: %v", name, r)
				}
			}()
			refused(t, tx, memrel.ErrSchema, op)
		}()
	}
	// Reads find nothing.
	noPanicM2M(t, "reads", func() {
		if through.Has(tx, 1, "FR") || through.Count(tx, 1) != 0 || auto.Reverse().Count(tx, "FR") != 0 {
			t.Errorf("a refused relation reports links")
		}
		for range auto.Links(tx, 1) {
			t.Errorf("a refused relation yields link rows")
		}
	})
}

func noPanicM2M(t *testing.T, what string, fn func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s panicked: %v", what, r)
		}
	}()
	fn()
}
