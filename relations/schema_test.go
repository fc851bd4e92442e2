package relations_test

// Open's validation, checked against Django's system checks (§6 of
// shared/reference/django-semantics.md, scenarios S21 and S90-S93). Like
// Django, Open reports every problem at once: the error joins one error per
// problem, each wrapping ErrSchema.
//
// Not tested, because memrel has no counterpart: E302/E303/E305 (a reverse
// name clashing with a field of the target: memrel's reverse names are not
// attributes of the row type, so they cannot clash with its fields),
// E308/E309 (query-name lookups), E310-E312 (to_field: memrel keys always
// reference the primary key), W342 (ForeignKey(unique=True): memrel has
// OneToOne), the through-table checks E331-E340 (not part of this file's
// scope), and E012 "refers to the nonexistent field" (fields are reached by
// Go accessors, so a misspelt field is a compile error); its nearest
// counterpart, a constraint on a table not in the schema, is tested.

import (
	"errors"
	"strings"
	"testing"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/store"
)

type personRow struct {
	ID   int64
	Name string
}

type petRow struct {
	ID     int64
	Owner  int64
	Sitter memrel.Null[int64]
}

func newPeople() (*memrel.Table[personRow, int64], *memrel.Table[petRow, int64]) {
	return memrel.NewTable("Person", func(r *personRow) *int64 { return &r.ID }),
		memrel.NewTable("Pet", func(r *petRow) *int64 { return &r.ID })
}

func owner(p *petRow) *int64                 { return &p.Owner }
func sitter(p *petRow) *memrel.Null[int64]   { return &p.Sitter }
func personName(p *personRow) string         { return p.Name }
func personNameOK(p *personRow) bool         { return p.Name != "" }
func petOwnerPair(p *petRow) [2]int64        { return [2]int64{p.ID, p.Owner} }
func petNames(p *petRow) map[string]struct{} { return nil }

// leaves flattens an errors.Join tree into its leaf errors.
func leaves(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}

// openFails opens schema, which must be refused, and checks that every
// problem wraps ErrSchema (through both imports) and that there are as many
// problems as wanted, each named by the substrings given for it.
func openFails(t *testing.T, schema memrel.Schema, want ...[]string) []error {
	t.Helper()
	db, err := memrel.Open(schema)
	if err == nil {
		t.Fatalf("Open succeeded, want it refused with %d problems %q", len(want), want)
	}
	if db != nil {
		t.Errorf("Open returned a DB with its error")
	}
	if !errors.Is(err, memrel.ErrSchema) || !errors.Is(err, store.ErrSchema) {
		t.Errorf("Open's error does not wrap ErrSchema: %v", err)
	}
	problems := leaves(err)
	for _, p := range problems {
		if !errors.Is(p, memrel.ErrSchema) {
			t.Errorf("problem %q does not wrap ErrSchema", p)
		}
	}
	if len(problems) != len(want) {
		t.Errorf("Open reported %d problems, want %d:\n%v", len(problems), len(want), err)
	}
	for _, subs := range want {
		found := false
		for _, p := range problems {
			all := true
			for _, s := range subs {
				all = all && strings.Contains(p.Error(), s)
			}
			found = found || all
		}
		if !found {
			t.Errorf("no problem mentions all of %q; got:\n%v", subs, err)
		}
	}
	return problems
}

func openOK(t *testing.T, schema memrel.Schema) *memrel.DB {
	t.Helper()
	db, err := memrel.Open(schema)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := db.Check(); err != nil {
		t.Errorf("Check of the empty DB: %v", err)
	}
	return db
}

// Every rule, nullable and required keys, one-to-one, self-reference,
// Default, DefaultNull, SetTo and SetFunc: a valid schema opens.
func TestOpen_ValidSchema(t *testing.T) {
	Person, Pet := newPeople()
	Node := memrel.NewTable("Node", func(r *nodeRow) *int64 { return &r.ID })
	Badge := memrel.NewTable("Badge", func(r *petRow) *int64 { return &r.ID })
	openOK(t, memrel.Schema{
		Tables: []memrel.AnyTable{Person, Pet, Node, Badge},
		Relations: []memrel.Relation{
			memrel.ForeignKey(Pet, owner, Person, memrel.Cascade).Named("owner"),
			memrel.ForeignKey(Pet, sitter, Person, memrel.SetNull).Named("sitter").Related("sat_pets"),
			memrel.ForeignKey(Node, func(r *nodeRow) *memrel.Null[int64] { return &r.Parent }, Node, memrel.Protect),
			memrel.OneToOne(Badge, owner, Person, memrel.SetDefault).Named("owner").Default(1),
			memrel.OneToOne(Badge, sitter, Person, memrel.SetDefault).Named("sitter").DefaultNull().Related("sitter_badge"),
		},
		Constraints: []memrel.Constraint{
			memrel.UniqueFunc(Person, "uniq_person_name", personName),
			memrel.Check(Person, "person_has_name", personNameOK),
			memrel.UniqueFunc(Pet, "uniq_pet_owner", petOwnerPair),
		},
	})
	for _, rule := range []memrel.OnDelete{memrel.Restrict, memrel.DoNothing} {
		Person, Pet := newPeople()
		openOK(t, memrel.Schema{Tables: []memrel.AnyTable{Person, Pet}, Relations: []memrel.Relation{
			memrel.ForeignKey(Pet, owner, Person, rule).Named("owner"),
			memrel.ForeignKey(Pet, sitter, Person, memrel.Set).Named("sitter").SetTo(1).Related("sat_pets"),
		}})
	}
}

// S90 / fields.E320: SetNull on a key that cannot be empty.
func TestOpen_E320_SetNullOnRequiredKey(t *testing.T) {
	Person, Pet := newPeople()
	openFails(t, memrel.Schema{
		Tables:    []memrel.AnyTable{Person, Pet},
		Relations: []memrel.Relation{memrel.ForeignKey(Pet, owner, Person, memrel.SetNull).Named("owner")},
	}, []string{"Pet.owner", "SetNull"})
}

// S90 / fields.E321: SetDefault without a default.
func TestOpen_E321_SetDefaultWithoutDefault(t *testing.T) {
	Person, Pet := newPeople()
	openFails(t, memrel.Schema{
		Tables: []memrel.AnyTable{Person, Pet},
		Relations: []memrel.Relation{
			memrel.ForeignKey(Pet, owner, Person, memrel.SetDefault).Named("owner"),
			memrel.ForeignKey(Pet, sitter, Person, memrel.SetDefault).Named("sitter").Related("sat_pets"),
		},
	}, []string{"Pet.owner", "SetDefault"}, []string{"Pet.sitter", "SetDefault"})
}

// Django's SET() needs a value; memrel's Set needs SetTo or SetFunc, and
// DefaultNull (Django's default=None) needs a nullable key.
func TestOpen_SetWithoutValueAndDefaultNullOnRequiredKey(t *testing.T) {
	Person, Pet := newPeople()
	openFails(t, memrel.Schema{
		Tables: []memrel.AnyTable{Person, Pet},
		Relations: []memrel.Relation{
			memrel.ForeignKey(Pet, owner, Person, memrel.Set).Named("owner"),
			memrel.ForeignKey(Pet, sitter, Person, memrel.Set).Named("sitter").SetFunc(nil).Related("sat_pets"),
		},
	}, []string{"Pet.owner", "Set"}, []string{"Pet.sitter", "Set"})

	Person, Pet = newPeople()
	openFails(t, memrel.Schema{
		Tables:    []memrel.AnyTable{Person, Pet},
		Relations: []memrel.Relation{memrel.ForeignKey(Pet, owner, Person, memrel.SetDefault).Named("owner").DefaultNull()},
	}, []string{"Pet.owner", "DefaultNull"})
}

// S21 (test_non_callable): an on-delete rule that is not one of the rules
// (the zero value, or out of range) is refused, for a foreign key and for a
// one-to-one.
func TestOpen_S21_InvalidOnDelete(t *testing.T) {
	Person, Pet := newPeople()
	var zero memrel.OnDelete
	openFails(t, memrel.Schema{
		Tables: []memrel.AnyTable{Person, Pet},
		Relations: []memrel.Relation{
			memrel.ForeignKey(Pet, owner, Person, zero).Named("owner"),
			memrel.OneToOne(Pet, sitter, Person, memrel.OnDelete(200)).Named("sitter"),
		},
	}, []string{"Pet.owner", "rule"}, []string{"Pet.sitter", "rule"})
}

// S91 / fields.E300: a relation to (or from) a table that is not in the
// schema.
func TestOpen_E300_RelationToTableNotInSchema(t *testing.T) {
	Person, Pet := newPeople()
	openFails(t, memrel.Schema{
		Tables:    []memrel.AnyTable{Pet},
		Relations: []memrel.Relation{memrel.ForeignKey(Pet, owner, Person, memrel.Cascade).Named("owner")},
	}, []string{"Pet.owner", "Person", "not in the schema"})

	Person, Pet = newPeople()
	openFails(t, memrel.Schema{
		Tables:    []memrel.AnyTable{Person},
		Relations: []memrel.Relation{memrel.ForeignKey(Pet, owner, Person, memrel.Cascade).Named("owner")},
	}, []string{"Pet.owner", "Pet", "not in the schema"})
}

// S92 / fields.E304: two relations into the same table with the same
// reverse name. Without Related, two keys of one table to the same parent
// get the same default name (the child table's, "Pet"), as Django's
// model_set clashes.
func TestOpen_E304_ReverseNameClash(t *testing.T) {
	Person, Pet := newPeople()
	openFails(t, memrel.Schema{
		Tables: []memrel.AnyTable{Person, Pet},
		Relations: []memrel.Relation{
			memrel.ForeignKey(Pet, owner, Person, memrel.Cascade).Named("owner"),
			memrel.ForeignKey(Pet, sitter, Person, memrel.SetNull).Named("sitter"),
		},
	}, []string{"name Person.Pet of", "Pet.owner", "Pet.sitter"})

	Person, Pet = newPeople()
	Toy := memrel.NewTable("Toy", func(r *petRow) *int64 { return &r.ID })
	openFails(t, memrel.Schema{
		Tables: []memrel.AnyTable{Person, Pet, Toy},
		Relations: []memrel.Relation{
			memrel.ForeignKey(Pet, owner, Person, memrel.Cascade).Named("owner").Related("things"),
			memrel.ForeignKey(Toy, owner, Person, memrel.Cascade).Named("owner").Related("things"),
		},
	}, []string{"things", "Pet.owner", "Toy.owner"})

	// A one-to-one's default reverse name is its row type's, in snake case.
	Person, Pet = newPeople()
	Badge := memrel.NewTable("Badge", func(r *petRow) *int64 { return &r.ID })
	openFails(t, memrel.Schema{
		Tables: []memrel.AnyTable{Person, Pet, Badge},
		Relations: []memrel.Relation{
			memrel.OneToOne(Badge, owner, Person, memrel.Cascade).Named("owner"),
			memrel.ForeignKey(Pet, owner, Person, memrel.Cascade).Named("owner").Related("pet_row"),
		},
	}, []string{"pet_row", "Badge.owner", "Pet.owner"})
}

// E304 is per target table: the same reverse name on relations into two
// different tables is fine.
func TestOpen_E304_SameReverseNameOnDifferentTargets(t *testing.T) {
	Person, Pet := newPeople()
	Vet := memrel.NewTable("Vet", func(r *personRow) *int64 { return &r.ID })
	openOK(t, memrel.Schema{
		Tables: []memrel.AnyTable{Person, Pet, Vet},
		Relations: []memrel.Relation{
			memrel.ForeignKey(Pet, owner, Person, memrel.Cascade).Named("owner").Related("pets"),
			memrel.ForeignKey(Pet, sitter, Vet, memrel.SetNull).Named("sitter").Related("pets"),
		},
	})
}

// fields.E306: a reverse name that is not an identifier.
func TestOpen_E306_InvalidReverseName(t *testing.T) {
	Person, Pet := newPeople()
	openFails(t, memrel.Schema{
		Tables: []memrel.AnyTable{Person, Pet},
		Relations: []memrel.Relation{
			memrel.ForeignKey(Pet, owner, Person, memrel.Cascade).Named("owner").Related("my pets"),
			memrel.ForeignKey(Pet, sitter, Person, memrel.SetNull).Named("sitter").Related(""),
		},
	}, []string{"Pet.owner", "my pets"}, []string{"Pet.sitter", "reverse name"})
}

// Django's hidden related_name ("+", or ending in "+") has no memrel form:
// the README ("Where memrel differs from Django") says reverse names must be
// identifiers. Open refuses it like any other invalid name.
func TestOpen_E306_NoHiddenReverseName(t *testing.T) {
	Person, Pet := newPeople()
	openFails(t, memrel.Schema{
		Tables: []memrel.AnyTable{Person, Pet},
		Relations: []memrel.Relation{
			memrel.ForeignKey(Pet, owner, Person, memrel.Cascade).Named("owner").Related("+"),
			memrel.ForeignKey(Pet, sitter, Person, memrel.SetNull).Named("sitter").Related("sitter+"),
		},
	}, []string{"Pet.owner", `"+"`}, []string{"Pet.sitter", `"sitter+"`})
}

// A field name that is not an identifier, two relations with the same field
// name on one table, and one relation listed twice.
func TestOpen_RelationNames(t *testing.T) {
	Person, Pet := newPeople()
	openFails(t, memrel.Schema{
		Tables: []memrel.AnyTable{Person, Pet},
		Relations: []memrel.Relation{
			memrel.ForeignKey(Pet, owner, Person, memrel.Cascade).Named("owner id"),
			memrel.ForeignKey(Pet, owner, Person, memrel.Cascade).Named("sitter").Related("a"),
			memrel.ForeignKey(Pet, sitter, Person, memrel.SetNull).Named("sitter").Related("b"),
		},
	}, []string{"owner id"}, []string{"Pet", "sitter", "two relations"})

	Person, Pet = newPeople()
	fk := memrel.ForeignKey(Pet, owner, Person, memrel.Cascade).Named("owner")
	openFails(t, memrel.Schema{
		Tables:    []memrel.AnyTable{Person, Pet},
		Relations: []memrel.Relation{fk, fk},
	}, []string{"Pet.owner", "twice"})
}

// Missing parts of a declaration: a nil relation, table, accessor or
// constraint.
func TestOpen_NilParts(t *testing.T) {
	Person, Pet := newPeople()
	openFails(t, memrel.Schema{
		Tables: []memrel.AnyTable{Person, Pet, nil},
		Relations: []memrel.Relation{
			nil,
			memrel.ForeignKey(Pet, (func(*petRow) *int64)(nil), Person, memrel.Cascade).Named("owner"),
			memrel.ForeignKey(Pet, owner, (*memrel.Table[personRow, int64])(nil), memrel.Cascade).Named("sitter"),
		},
		Constraints: []memrel.Constraint{
			nil,
			memrel.Check[personRow, int64](Person, "nil_check", nil),
		},
	}, []string{"table"}, []string{"relation"}, []string{"owner"}, []string{"sitter"}, []string{"constraint"}, []string{"nil_check"})
}

// Tables: two with one name, one listed twice, a name that is not an
// identifier.
func TestOpen_TableNames(t *testing.T) {
	Person, Pet := newPeople()
	Person2 := memrel.NewTable("Person", func(r *personRow) *int64 { return &r.ID })
	Bad := memrel.NewTable("bad name", func(r *personRow) *int64 { return &r.ID })
	openFails(t, memrel.Schema{
		Tables: []memrel.AnyTable{Person, Pet, Person2, Pet, Bad},
	}, []string{"two tables", "Person"}, []string{"Pet", "twice"}, []string{"bad name"})
}

// models.E031/E032: constraint names are unique, within a table and across
// tables; a constraint on a table not in the schema, a constraint name that
// is not an identifier, and a unique value that cannot be indexed are
// refused.
func TestOpen_E031_E032_Constraints(t *testing.T) {
	Person, Pet := newPeople()
	Other := memrel.NewTable("Other", func(r *personRow) *int64 { return &r.ID })
	openFails(t, memrel.Schema{
		Tables: []memrel.AnyTable{Person, Pet},
		Constraints: []memrel.Constraint{
			memrel.UniqueFunc(Person, "same_name", personName),
			memrel.Check(Person, "same_name", personNameOK),
			memrel.UniqueFunc(Pet, "same_name", petOwnerPair),
			memrel.UniqueFunc(Other, "on_other", personName),
			memrel.Check(Person, "bad name", personNameOK),
			memrel.UniqueFunc(Pet, "pet_names", petNames),
		},
	}, []string{"same_name"}, []string{"same_name"}, []string{"on_other", "Other", "not in the schema"},
		[]string{"bad name"}, []string{"pet_names", "cannot be indexed"})
}

// Django runs every check and reports them together; so does Open, across
// tables, relations and constraints.
func TestOpen_ReportsEveryProblemAtOnce(t *testing.T) {
	Person, Pet := newPeople()
	Missing := memrel.NewTable("Missing", func(r *personRow) *int64 { return &r.ID })
	problems := openFails(t, memrel.Schema{
		Tables: []memrel.AnyTable{Person, Pet, Pet},
		Relations: []memrel.Relation{
			memrel.ForeignKey(Pet, owner, Person, memrel.SetNull).Named("owner"),
			memrel.ForeignKey(Pet, sitter, Person, memrel.SetDefault).Named("sitter").Related("sat"),
			memrel.ForeignKey(Pet, owner, Missing, memrel.Cascade).Named("vet").Related("vet_pets"),
		},
		Constraints: []memrel.Constraint{
			memrel.UniqueFunc(Person, "dup", personName),
			memrel.UniqueFunc(Person, "dup", personName),
		},
	}, []string{"Pet", "twice"}, []string{"Pet.owner", "SetNull"}, []string{"Pet.sitter", "SetDefault"},
		[]string{"Pet.vet", "Missing"}, []string{"dup"})
	for _, p := range problems {
		if strings.Count(p.Error(), "\n") > 0 {
			t.Errorf("problem %q spans several lines; want one problem per error", p)
		}
	}
}

// A schema error says which argument of a declaration is missing, once.
func TestSchemaErrorsNameTheMissingArgument(t *testing.T) {
	users := memrel.NewTable("users", func(u *personRow) *int64 { return &u.ID })
	var noUsers *memrel.Table[personRow, int64]
	err := schemaErr(t, memrel.Schema{
		Tables: []memrel.AnyTable{users},
		Relations: []memrel.Relation{
			memrel.ForeignKey(users, (*int64)(nil), noUsers, memrel.Cascade).Named("boss"),
		},
		Constraints: []memrel.Constraint{
			memrel.UniqueFunc[personRow, int64, string](users, "uniq_nothing", nil),
			memrel.Check[personRow, int64](nil, "chk_nowhere", func(*personRow) bool { return true }),
		},
	}, "relation users.boss: the parent table and the key field are nil (required)",
		"unique constraint uniq_nothing: the key function is nil (required)",
		"check constraint chk_nowhere: the table is nil (required)")
	if strings.Count(err.Error(), "uniq_nothing") != 1 || strings.Count(err.Error(), "chk_nowhere") != 1 {
		t.Errorf("a constraint is named more than once: %v", err)
	}
}
