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
	memrel.ForeignKey(items, func(x *etItem) *string { return &x.TagID }, tags, memrel.Protect)
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
	memrel.ForeignKey(items, func(x *etItem) *string { return &x.TagID }, tags, memrel.DoNothing)
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
	memrel.ForeignKey(items, func(x *etItem) *string { return &x.TagID }, tags, memrel.Cascade).Named("")
	memrel.Check[etItem, int64](items, "", nil)
	memrel.UniqueFunc(items, "pair", func(x *etItem) [2]any { return [2]any{x.ID, x.TagID} })
	memrel.UniqueFunc(items, "st", func(x *etItem) struct{ F func() } { return struct{ F func() }{} })
	memrel.UniqueFunc(items, "nul", func(x *etItem) struct{ N memrel.Null[[]int] } { return struct{ N memrel.Null[[]int] }{} })
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

type etFollow struct {
	ID         int64
	FollowerID int64
	FollowedID int64
	Note       string
}

type etPair struct {
	Follower, Followed int64
}

// A composite unique error shows both rows (an array value names no
// field; a struct value names its own); a check error shows the refused
// row, without the key the sequence was to give it. errors.As gives both
// rows as values of the row type.
func TestErrorTextRows(t *testing.T) {
	follows := memrel.NewTable("etr_follows", func(f *etFollow) *int64 { return &f.ID })
	memrel.Check(follows, "no_self", func(f *etFollow) bool { return f.FollowerID != f.FollowedID })
	memrel.UniqueFunc(follows, "pair", func(f *etFollow) [2]int64 { return [2]int64{f.FollowerID, f.FollowedID} })
	memrel.UniqueFunc(follows, "pair_named", func(f *etFollow) etPair { return etPair{f.FollowerID, -f.FollowedID} })
	memrel.UniqueFunc(follows, "note", func(f *etFollow) memrel.Null[string] {
		if f.Note == "" {
			return memrel.Null[string]{}
		}
		return memrel.Some(f.Note)
	})
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{follows}})
	tx := beginTx(t, db)
	first := cnInsert(t, tx, follows, etFollow{FollowerID: 1, FollowedID: 2, Note: "hi"})
	text := func(err error, want string) {
		t.Helper()
		if err == nil || err.Error() != want {
			t.Errorf("error %v,\n want %s", err, want)
		}
	}

	err := refused(t, tx, memrel.ErrUnique, func() error { return cnIns(follows.Insert(tx, etFollow{FollowerID: 1, FollowedID: 2})) })
	text(err, "memrel: unique constraint pair on etr_follows: a new etr_follows row {ID:0 FollowerID:1 FollowedID:2 Note:} has the value [1 2] of etr_follows 1 {ID:1 FollowerID:1 FollowedID:2 Note:hi}")
	var ue *memrel.UniqueError
	if !errors.As(err, &ue) || ue.RowData != (etFollow{FollowerID: 1, FollowedID: 2}) || ue.ConflictData != first {
		t.Errorf("UniqueError rows = %+v, %+v", ue.RowData, ue.ConflictData)
	}

	// An update names the row by its key and shows it as it would be.
	second := cnInsert(t, tx, follows, etFollow{FollowerID: 3, FollowedID: 4})
	moved := second
	moved.FollowerID, moved.FollowedID = 1, 2
	err = refused(t, tx, memrel.ErrUnique, func() error { return cnIns(follows.Update(tx, moved)) })
	text(err, "memrel: unique constraint pair on etr_follows: etr_follows 2 {ID:2 FollowerID:1 FollowedID:2 Note:} has the value [1 2] of etr_follows 1 {ID:1 FollowerID:1 FollowedID:2 Note:hi}")

	// A struct value names its fields, and the rows show too.
	follows2 := memrel.NewTable("etr_follows2", func(f *etFollow) *int64 { return &f.ID })
	memrel.UniqueFunc(follows2, "pair_named2", func(f *etFollow) etPair { return etPair{f.FollowerID, f.FollowedID} })
	db2 := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{follows2}})
	tx2 := beginTx(t, db2)
	cnInsert(t, tx2, follows2, etFollow{FollowerID: 1, FollowedID: 2})
	err = refused(t, tx2, memrel.ErrUnique, func() error { return cnIns(follows2.Insert(tx2, etFollow{ID: 9, FollowerID: 1, FollowedID: 2})) })
	text(err, "memrel: unique constraint pair_named2 on etr_follows2: a new etr_follows2 row 9 {ID:9 FollowerID:1 FollowedID:2 Note:} has the value {Follower:1 Followed:2} of etr_follows2 1 {ID:1 FollowerID:1 FollowedID:2 Note:}")

	// A single value (a Null formats itself as one) keeps the short form.
	err = refused(t, tx, memrel.ErrUnique, func() error { return cnIns(follows.Insert(tx, etFollow{FollowerID: 5, FollowedID: 6, Note: "hi"})) })
	text(err, "memrel: unique constraint note on etr_follows: a new etr_follows row has the value hi of etr_follows 1")
	if !errors.As(err, &ue) || ue.RowData != (etFollow{FollowerID: 5, FollowedID: 6, Note: "hi"}) || ue.ConflictData != first {
		t.Errorf("UniqueError rows = %+v, %+v", ue.RowData, ue.ConflictData)
	}

	// A check error shows the refused row, without the key the sequence
	// would have given it (it was never handed out).
	err = refused(t, tx, memrel.ErrCheck, func() error { return cnIns(follows.Insert(tx, etFollow{FollowerID: 7, FollowedID: 7})) })
	text(err, "memrel: check constraint no_self on etr_follows: a new etr_follows row violates it: {ID:0 FollowerID:7 FollowedID:7 Note:}")
	var ce *memrel.CheckError
	if !errors.As(err, &ce) || ce.RowData != (etFollow{FollowerID: 7, FollowedID: 7}) {
		t.Errorf("CheckError.RowData = %+v", ce.RowData)
	}
	self := first
	self.FollowedID = 1
	err = refused(t, tx, memrel.ErrCheck, func() error { return cnIns(follows.Update(tx, self)) })
	text(err, "memrel: check constraint no_self on etr_follows: etr_follows 1 violates it: {ID:1 FollowerID:1 FollowedID:1 Note:hi}")

	// A long row is cut short in the message; the error holds it whole.
	long := etFollow{FollowerID: 8, FollowedID: 8, Note: strings.Repeat("é", 300)}
	err = refused(t, tx, memrel.ErrCheck, func() error { return cnIns(follows.Insert(tx, long)) })
	shown := "{ID:0 FollowerID:8 FollowedID:8 Note:" + strings.Repeat("é", 200-len("{ID:0 FollowerID:8 FollowedID:8 Note:"))
	text(err, "memrel: check constraint no_self on etr_follows: a new etr_follows row violates it: "+shown+"... (138 more characters)")
	if !errors.As(err, &ce) || ce.RowData != long {
		t.Errorf("CheckError.RowData is not the whole row")
	}
	cnInsert(t, tx, follows, etFollow{FollowerID: 8, FollowedID: 9})
	finishTx(t, db, tx)
}

// A delete whose Set value makes two rows collide shows the rewritten rows.
func TestErrorTextRowsInDelete(t *testing.T) {
	type room struct{ ID int64 }
	type seat struct {
		ID     int64
		RoomID int64
		Row    int64
	}
	rooms := memrel.NewTable("etd_rooms", func(r *room) *int64 { return &r.ID })
	seats := memrel.NewTable("etd_seats", func(s *seat) *int64 { return &s.ID })
	memrel.ForeignKey(seats, func(s *seat) *int64 { return &s.RoomID }, rooms, memrel.Set).SetTo(1)
	memrel.UniqueFunc(seats, "room_row", func(s *seat) [2]int64 { return [2]int64{s.RoomID, s.Row} })
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{rooms, seats}})
	tx := beginTx(t, db)
	for range 3 {
		cnInsert(t, tx, rooms, room{})
	}
	cnInsert(t, tx, seats, seat{RoomID: 2, Row: 5})
	cnInsert(t, tx, seats, seat{RoomID: 3, Row: 5})
	err := refused(t, tx, memrel.ErrUnique, func() error { return cnIns(rooms.Delete(tx, 2, 3)) })
	want := "memrel: unique constraint room_row on etd_seats: etd_seats 2 {ID:2 RoomID:1 Row:5} has the value [1 5] of etd_seats 1 {ID:1 RoomID:1 Row:5}"
	if err.Error() != want {
		t.Errorf("error %v,\n want %s", err, want)
	}
	finishTx(t, db, tx)
}
