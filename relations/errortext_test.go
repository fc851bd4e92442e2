package relations_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/memrel-go/memrel"
)

// Error texts are read once, by a person: no stray space where a name or
// key is empty, no word said twice. These tests pin the texts whole.

type etTag struct{ Name string }

type etItem struct {
	ID    int64
	TagID string
}

func TestErrorTextKeys(t *testing.T) {
	tags := memrel.NewTable("et_tags", func(x *etTag) *string { return &x.Name })
	items := memrel.NewTable("et_items", func(x *etItem) *int64 { return &x.ID })
	memrel.ForeignKey(items, "tag", func(x *etItem) *string { return &x.TagID }, tags, memrel.Protect)
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{tags, items}})
	tx := beginTx(t, db)
	text := func(err error, want string) {
		t.Helper()
		if err == nil || err.Error() != want {
			t.Errorf("error %v,\n want %s", err, want)
		}
	}
	_, err := tags.Insert(tx, etTag{})
	text(err, `memrel: et_tags "": invalid key: the caller must choose the key`)
	cnInsert(t, tx, tags, etTag{"a b"})
	cnInsert(t, tx, tags, etTag{"go"})
	_, err = tags.Insert(tx, etTag{"a b"})
	text(err, `memrel: et_tags "a b": key already exists`)
	_, err = tags.Delete(tx, "", "go", "x,y")
	text(err, `memrel: et_tags "", "x,y": not found`)
	_, err = items.Insert(tx, etItem{TagID: "no such"})
	text(err, `memrel: foreign key et_items.tag: a new et_items row points at et_tags "no such", which does not exist`)
	cnInsert(t, tx, items, etItem{TagID: "a b"})
	_, err = tags.Delete(tx, "a b")
	text(err, `memrel: cannot delete et_tags "a b": protected by et_items.tag (et_items 1)`)
	_, err = tags.Delete(tx, "go")
	mustOK(t, err)
}

// A problem Check finds says "memrel: check" once, then the problem, then
// what kind of failure it is; errors.As still finds the typed error in it.
func TestErrorTextCheck(t *testing.T) {
	tags := memrel.NewTable("etc_tags", func(x *etTag) *string { return &x.Name })
	items := memrel.NewTable("etc_items", func(x *etItem) *int64 { return &x.ID })
	memrel.ForeignKey(items, "tag", func(x *etItem) *string { return &x.TagID }, tags, memrel.DoNothing)
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{tags, items}})
	tx := beginTx(t, db)
	cnInsert(t, tx, tags, etTag{"a b"})
	cnInsert(t, tx, items, etItem{TagID: "a b"})
	_, err := tags.Delete(tx, "a b")
	mustOK(t, err)
	err = tx.Check()
	want := `memrel: check: foreign key etc_items.tag: etc_items 1 points at etc_tags "a b", which does not exist: integrity check failed`
	if err == nil || err.Error() != want {
		t.Errorf("Check = %v,\n want %s", err, want)
	}
	var fe *memrel.ForeignKeyError
	if !errors.As(err, &fe) || fe.Relation != "etc_items.tag" {
		t.Errorf("errors.As(*ForeignKeyError) = %+v", fe)
	}
	if !errors.Is(err, memrel.ErrIntegrity) || !errors.Is(err, memrel.ErrForeignKey) {
		t.Errorf("Check's error %v is not ErrIntegrity and ErrForeignKey", err)
	}
}

// Schema errors quote a name that is not an identifier (an empty one reads
// ""), and say "cannot be indexed" once for a composite value.
func TestErrorTextSchema(t *testing.T) {
	items := memrel.NewTable("ets_items", func(x *etItem) *int64 { return &x.ID })
	tags := memrel.NewTable("ets_tags", func(x *etTag) *string { return &x.Name })
	memrel.ForeignKey(items, "", func(x *etItem) *string { return &x.TagID }, tags, memrel.Cascade)
	memrel.Check[etItem, int64](items, "", nil)
	memrel.Unique(items, "pair", func(x *etItem) [2]any { return [2]any{x.ID, x.TagID} })
	memrel.Unique(items, "st", func(x *etItem) struct{ F func() } { return struct{ F func() }{} })
	memrel.Unique(items, "nul", func(x *etItem) struct{ N memrel.Null[[]int] } { return struct{ N memrel.Null[[]int] }{} })
	_, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{tags, items, memrel.NewTable[etTag, string]("", nil)}})
	for _, want := range []string{
		`memrel: schema: table "": key accessor is nil: invalid schema`,
		`memrel: schema: relation ets_items."": field name "" is not an identifier: invalid schema`,
		`memrel: schema: check constraint "": the predicate is nil (required): invalid schema`,
		`memrel: schema: unique constraint pair: type [2]interface {} cannot be indexed: element: interface {} is not an integer, float, bool, string, time.Time or Null of one: invalid schema`,
		`memrel: schema: unique constraint st: type struct { F func() } cannot be indexed: field F: func() is not an integer, float, bool, string, time.Time or Null of one: invalid schema`,
		`memrel: schema: unique constraint nul: type struct { N store.Null[[]int] } cannot be indexed: field N: store.Null[[]int] holds []int, which is not an integer, float, bool, string or time.Time: invalid schema`,
	} {
		if !slices.Contains(strings.Split(err.Error(), "\n"), want) {
			t.Errorf("Open's error lacks the line\n %s\ngot:\n%v", want, err)
		}
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if strings.Contains(line, " :") || strings.Contains(line, "  ") || strings.Count(line, "cannot be indexed") > 1 {
			t.Errorf("stray space or repeated words in %q", line)
		}
	}
}
