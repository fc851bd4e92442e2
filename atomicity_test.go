package memrel_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/memrel-go/memrel"
)

// Every error path of the public API must leave the store exactly as it was
// (same rows, same indexes, same sequences) and the transaction usable.

// The atomicity schema: owners, and one child table per on-delete rule.
type (
	Owner struct {
		ID   int64
		Name string
	}
	Thing struct { // owner -> owners Set (SetFunc)
		ID      int64
		OwnerID int64
	}
	Lock struct { // owner -> owners Protect
		ID      int64
		OwnerID int64
	}
	Claim struct { // owner -> owners Restrict
		ID      int64
		OwnerID int64
	}
	Note struct { // owner -> owners DoNothing
		ID      int64
		OwnerID int64
	}
	Badge struct { // owner -> owners one-to-one, Set SetTo(1)
		ID      int64
		OwnerID int64
	}
	Seat struct { // owner -> owners one-to-one, Set SetTo(13), which has none
		ID      int64
		OwnerID int64
	}
	Pin struct { // owner -> owners SetDefault Default(999), a missing owner
		ID      int64
		OwnerID int64
	}
	Ticket struct { // owner -> owners Set SetTo(7); check owner != 7
		ID      int64
		OwnerID int64
	}
	Folder struct { // owner -> owners Cascade
		ID      int64
		OwnerID int64
	}
	File struct { // folder -> folders Protect: protected behind a cascade
		ID       int64
		FolderID int64
	}
	Tag struct { // string key, chosen by the caller
		Name string
	}
	Small struct { // int32 key: a sequence that can run out
		ID int32
	}
)

type atomSchema struct {
	db       *memrel.DB
	thingSet func(tx *memrel.Tx) (int64, error) // what the Set rule of things.owner calls

	owners  *memrel.Table[Owner, int64]
	things  *memrel.Table[Thing, int64]
	locks   *memrel.Table[Lock, int64]
	claims  *memrel.Table[Claim, int64]
	notes   *memrel.Table[Note, int64]
	badges  *memrel.Table[Badge, int64]
	seats   *memrel.Table[Seat, int64]
	pins    *memrel.Table[Pin, int64]
	tickets *memrel.Table[Ticket, int64]
	folders *memrel.Table[Folder, int64]
	files   *memrel.Table[File, int64]
	tags    *memrel.Table[Tag, string]
	smalls  *memrel.Table[Small, int32]
	stray   *memrel.Table[Owner, int64] // declared, but not in the schema

	badgeOwner *memrel.OneToOneFK[Badge, Owner, int64]
}

var errBoom = errors.New("boom")

func newAtomSchema(t *testing.T) *atomSchema {
	t.Helper()
	s := &atomSchema{
		owners:  memrel.NewTable("owners", func(o *Owner) *int64 { return &o.ID }),
		things:  memrel.NewTable("things", func(r *Thing) *int64 { return &r.ID }),
		locks:   memrel.NewTable("locks", func(r *Lock) *int64 { return &r.ID }),
		claims:  memrel.NewTable("claims", func(r *Claim) *int64 { return &r.ID }),
		notes:   memrel.NewTable("notes", func(r *Note) *int64 { return &r.ID }),
		badges:  memrel.NewTable("badges", func(r *Badge) *int64 { return &r.ID }),
		seats:   memrel.NewTable("seats", func(r *Seat) *int64 { return &r.ID }),
		pins:    memrel.NewTable("pins", func(r *Pin) *int64 { return &r.ID }),
		tickets: memrel.NewTable("tickets", func(r *Ticket) *int64 { return &r.ID }),
		folders: memrel.NewTable("folders", func(r *Folder) *int64 { return &r.ID }),
		files:   memrel.NewTable("files", func(r *File) *int64 { return &r.ID }),
		tags:    memrel.NewTable("tags", func(r *Tag) *string { return &r.Name }),
		smalls:  memrel.NewTable("smalls", func(r *Small) *int32 { return &r.ID }),
		stray:   memrel.NewTable("stray", func(o *Owner) *int64 { return &o.ID }),
	}
	s.thingSet = func(*memrel.Tx) (int64, error) { return 0, errors.New("thingSet not set by the test") }
	// things.owner is declared before locks.owner, so a delete calls the Set
	// function before it finds the Protect relation.
	thingOwner := memrel.ForeignKey(s.things, func(r *Thing) *int64 { return &r.OwnerID }, s.owners, memrel.Set).
		SetFunc(func(tx *memrel.Tx) (int64, error) { return s.thingSet(tx) })
	s.badgeOwner = memrel.OneToOne(s.badges, func(r *Badge) *int64 { return &r.OwnerID }, s.owners, memrel.Set).SetTo(1)
	db, err := memrel.Open(memrel.Schema{
		Tables: []memrel.AnyTable{s.owners, s.things, s.locks, s.claims, s.notes, s.badges, s.seats, s.pins,
			s.tickets, s.folders, s.files, s.tags, s.smalls},
		Relations: []memrel.Relation{
			thingOwner,
			memrel.ForeignKey(s.locks, func(r *Lock) *int64 { return &r.OwnerID }, s.owners, memrel.Protect),
			memrel.ForeignKey(s.claims, func(r *Claim) *int64 { return &r.OwnerID }, s.owners, memrel.Restrict),
			memrel.ForeignKey(s.notes, func(r *Note) *int64 { return &r.OwnerID }, s.owners, memrel.DoNothing),
			s.badgeOwner,
			memrel.OneToOne(s.seats, func(r *Seat) *int64 { return &r.OwnerID }, s.owners, memrel.Set).SetTo(ownMay),
			memrel.ForeignKey(s.pins, func(r *Pin) *int64 { return &r.OwnerID }, s.owners, memrel.SetDefault).Default(999),
			memrel.ForeignKey(s.tickets, func(r *Ticket) *int64 { return &r.OwnerID }, s.owners, memrel.Set).SetTo(7),
			memrel.ForeignKey(s.folders, func(r *Folder) *int64 { return &r.OwnerID }, s.owners, memrel.Cascade),
			memrel.ForeignKey(s.files, func(r *File) *int64 { return &r.FolderID }, s.folders, memrel.Protect),
		},
		Constraints: []memrel.Constraint{
			memrel.UniqueFunc(s.owners, "uniq_owner_name", func(o *Owner) string { return o.Name }),
			memrel.Check(s.owners, "owner_name_not_empty", func(o *Owner) bool { return o.Name != "" }),
			memrel.Check(s.tickets, "ticket_not_owner_7", func(r *Ticket) bool { return r.OwnerID != 7 }),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.db = db
	return s
}

// The owners of the fixture, by explicit key; each case uses its own.
const (
	ownAnn   = 1  // badge 1; the target of badges' SetTo(1)
	ownBob   = 2  // badge 2
	ownCid   = 3  // lock 1
	ownDan   = 4  // claim 1
	ownEve   = 5  // note 1 (DoNothing)
	ownFay   = 6  // pin 1 (SetDefault to missing owner 999)
	ownGus   = 7  // the target of tickets' SetTo(7)
	ownHal   = 8  // ticket 1
	ownIvy   = 9  // thing 1 and lock 2
	ownJo    = 10 // folder 1 with file 1 (Protect behind Cascade), folder 2
	ownKim   = 11 // thing 2
	ownLee   = 12 // nothing
	ownMay   = 13 // nothing; the target of seats' SetTo(13)
	ownNia   = 14 // seat 1
	ownOli   = 15 // seat 2
	ownerMax = 15
)

// load writes the fixture with explicit keys (which also move the
// sequences).
func (s *atomSchema) load(tx *memrel.Tx) error {
	names := []string{"ann", "bob", "cid", "dan", "eve", "fay", "gus", "hal", "ivy", "jo", "kim", "lee", "may", "nia", "oli"}
	for i, n := range names {
		if _, err := s.owners.Insert(tx, Owner{ID: int64(i + 1), Name: n}); err != nil {
			return err
		}
	}
	return errors.Join(
		ins(s.badges.Insert(tx, Badge{ID: 1, OwnerID: ownAnn})),
		ins(s.badges.Insert(tx, Badge{ID: 2, OwnerID: ownBob})),
		ins(s.locks.Insert(tx, Lock{ID: 1, OwnerID: ownCid})),
		ins(s.claims.Insert(tx, Claim{ID: 1, OwnerID: ownDan})),
		ins(s.notes.Insert(tx, Note{ID: 1, OwnerID: ownEve})),
		ins(s.pins.Insert(tx, Pin{ID: 1, OwnerID: ownFay})),
		ins(s.tickets.Insert(tx, Ticket{ID: 1, OwnerID: ownHal})),
		ins(s.things.Insert(tx, Thing{ID: 1, OwnerID: ownIvy})),
		ins(s.locks.Insert(tx, Lock{ID: 2, OwnerID: ownIvy})),
		ins(s.folders.Insert(tx, Folder{ID: 1, OwnerID: ownJo})),
		ins(s.folders.Insert(tx, Folder{ID: 2, OwnerID: ownJo})),
		ins(s.files.Insert(tx, File{ID: 1, FolderID: 1})),
		ins(s.things.Insert(tx, Thing{ID: 2, OwnerID: ownKim})),
		ins(s.seats.Insert(tx, Seat{ID: 1, OwnerID: ownNia})),
		ins(s.seats.Insert(tx, Seat{ID: 2, OwnerID: ownOli})),
		ins(s.tags.Insert(tx, Tag{Name: "red"})),
		ins(s.smalls.Insert(tx, Small{ID: math.MaxInt32})),
	)
}

// ins keeps the error of a write whose returned row the test does not need.
func ins[T any](_ T, err error) error { return err }

var errPanicked = errors.New("panicked")

// panics runs fn and turns a panic into an error wrapping errPanicked.
func panics(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errPanicked, r)
		}
	}()
	return fn()
}

type atomCase struct {
	name string
	op   func(tx *memrel.Tx, s *atomSchema) error
	want error                                        // errors.Is(err, want)
	as   func(t *testing.T, err error, s *atomSchema) // optional: the typed error
}

var atomCases = []atomCase{
	// Insert.
	{name: "Insert/missing parent", want: memrel.ErrForeignKey,
		op: func(tx *memrel.Tx, s *atomSchema) error {
			return ins(s.locks.Insert(tx, Lock{OwnerID: 404}))
		},
		as: func(t *testing.T, err error, s *atomSchema) {
			var fe *memrel.ForeignKeyError
			if !errors.As(err, &fe) || fe.Relation != "locks.owner" || fe.Parent != (memrel.RowRef{Table: "owners", Key: int64(404)}) || fe.AtCommit {
				t.Errorf("got %#v", fe)
			}
		}},
	{name: "Insert/duplicate unique", want: memrel.ErrUnique,
		op: func(tx *memrel.Tx, s *atomSchema) error { return ins(s.owners.Insert(tx, Owner{Name: "ann"})) },
		as: func(t *testing.T, err error, s *atomSchema) {
			var ue *memrel.UniqueError
			if !errors.As(err, &ue) || ue.Constraint != "uniq_owner_name" || ue.Conflict != (memrel.RowRef{Table: "owners", Key: int64(ownAnn)}) {
				t.Errorf("got %#v", ue)
			}
		}},
	{name: "Insert/one-to-one taken", want: memrel.ErrUnique,
		op: func(tx *memrel.Tx, s *atomSchema) error { return ins(s.badges.Insert(tx, Badge{OwnerID: ownAnn})) },
		as: func(t *testing.T, err error, s *atomSchema) {
			var ue *memrel.UniqueError
			if !errors.As(err, &ue) || ue.Constraint != "badges.owner" {
				t.Errorf("got %#v", ue)
			}
		}},
	{name: "Insert/failed check", want: memrel.ErrCheck,
		op: func(tx *memrel.Tx, s *atomSchema) error { return ins(s.owners.Insert(tx, Owner{Name: ""})) },
		as: func(t *testing.T, err error, s *atomSchema) {
			var ce *memrel.CheckError
			if !errors.As(err, &ce) || ce.Constraint != "owner_name_not_empty" {
				t.Errorf("got %#v", ce)
			}
		}},
	{name: "Insert/duplicate key", want: memrel.ErrExists,
		op: func(tx *memrel.Tx, s *atomSchema) error {
			return ins(s.owners.Insert(tx, Owner{ID: ownBob, Name: "zed"}))
		},
		as: func(t *testing.T, err error, s *atomSchema) {
			var ke *memrel.KeyError
			if !errors.As(err, &ke) || ke.Table != "owners" || ke.Key != int64(ownBob) {
				t.Errorf("got %#v", ke)
			}
		}},
	{name: "Insert/duplicate string key", want: memrel.ErrExists,
		op: func(tx *memrel.Tx, s *atomSchema) error { return ins(s.tags.Insert(tx, Tag{Name: "red"})) }},
	{name: "Insert/empty string key", want: memrel.ErrInvalidKey,
		op: func(tx *memrel.Tx, s *atomSchema) error { return ins(s.tags.Insert(tx, Tag{})) }},
	{name: "Insert/sequence exhausted", want: memrel.ErrInvalidKey,
		op: func(tx *memrel.Tx, s *atomSchema) error { return ins(s.smalls.Insert(tx, Small{})) }},
	{name: "Insert/table not in schema", want: memrel.ErrUnknownTable,
		op: func(tx *memrel.Tx, s *atomSchema) error { return ins(s.stray.Insert(tx, Owner{Name: "x"})) }},

	// Update.
	{name: "Update/missing parent", want: memrel.ErrForeignKey,
		op: func(tx *memrel.Tx, s *atomSchema) error { return ins(s.locks.Update(tx, Lock{ID: 1, OwnerID: 404})) }},
	{name: "Update/duplicate unique", want: memrel.ErrUnique,
		op: func(tx *memrel.Tx, s *atomSchema) error {
			return ins(s.owners.Update(tx, Owner{ID: ownBob, Name: "ann"}))
		}},
	{name: "Update/one-to-one taken", want: memrel.ErrUnique,
		op: func(tx *memrel.Tx, s *atomSchema) error {
			return ins(s.badges.Update(tx, Badge{ID: 2, OwnerID: ownAnn}))
		}},
	{name: "Update/failed check", want: memrel.ErrCheck,
		op: func(tx *memrel.Tx, s *atomSchema) error {
			return ins(s.tickets.Update(tx, Ticket{ID: 1, OwnerID: ownGus}))
		}},
	{name: "Update/missing key", want: memrel.ErrNotFound,
		op: func(tx *memrel.Tx, s *atomSchema) error { return ins(s.owners.Update(tx, Owner{ID: 404, Name: "zed"})) }},
	{name: "Update/table not in schema", want: memrel.ErrUnknownTable,
		op: func(tx *memrel.Tx, s *atomSchema) error { return ins(s.stray.Update(tx, Owner{ID: 1, Name: "x"})) }},

	// Modify.
	{name: "Modify/fn error", want: errBoom,
		op: func(tx *memrel.Tx, s *atomSchema) error {
			return ins(s.owners.Modify(tx, ownAnn, func(o *Owner) error {
				o.Name = "changed" // changed, then refused: must not be stored
				return errBoom
			}))
		}},
	{name: "Modify/failed check", want: memrel.ErrCheck,
		op: func(tx *memrel.Tx, s *atomSchema) error {
			return ins(s.owners.Modify(tx, ownAnn, func(o *Owner) error { o.Name = ""; return nil }))
		}},
	{name: "Modify/duplicate unique", want: memrel.ErrUnique,
		op: func(tx *memrel.Tx, s *atomSchema) error {
			return ins(s.owners.Modify(tx, ownAnn, func(o *Owner) error { o.Name = "bob"; return nil }))
		}},
	{name: "Modify/missing parent", want: memrel.ErrForeignKey,
		op: func(tx *memrel.Tx, s *atomSchema) error {
			return ins(s.locks.Modify(tx, 1, func(l *Lock) error { l.OwnerID = 404; return nil }))
		}},
	{name: "Modify/primary key changed", want: memrel.ErrInvalidKey,
		op: func(tx *memrel.Tx, s *atomSchema) error {
			return ins(s.owners.Modify(tx, ownLee, func(o *Owner) error { o.ID = 500; return nil }))
		}},
	{name: "Modify/missing key", want: memrel.ErrNotFound,
		op: func(tx *memrel.Tx, s *atomSchema) error {
			return ins(s.owners.Modify(tx, 404, func(o *Owner) error { return nil }))
		}},

	// Delete.
	{name: "Delete/protected", want: memrel.ErrProtected,
		op: func(tx *memrel.Tx, s *atomSchema) error { return ins(s.owners.Delete(tx, ownCid)) },
		as: func(t *testing.T, err error, s *atomSchema) {
			var pe *memrel.ProtectedError
			want := []memrel.BlockingRow{{RowRef: memrel.RowRef{Table: "locks", Key: int64(1)}, Relation: "locks.owner"}}
			if !errors.As(err, &pe) || !slices.Equal(pe.Rows, want) || !slices.Equal(pe.Relations, []string{"locks.owner"}) {
				t.Errorf("got %#v", pe)
			}
		}},
	{name: "Delete/protected behind cascade", want: memrel.ErrProtected,
		op: func(tx *memrel.Tx, s *atomSchema) error { return ins(s.owners.Delete(tx, ownLee, ownJo)) },
		as: func(t *testing.T, err error, s *atomSchema) {
			var pe *memrel.ProtectedError
			want := []memrel.BlockingRow{{RowRef: memrel.RowRef{Table: "files", Key: int64(1)}, Relation: "files.folder"}}
			if !errors.As(err, &pe) || !slices.Equal(pe.Rows, want) || !slices.Equal(pe.Relations, []string{"folders.owner"}) {
				t.Errorf("got %#v", pe)
			}
		}},
	{name: "Delete/restricted", want: memrel.ErrRestricted,
		op: func(tx *memrel.Tx, s *atomSchema) error { return ins(s.owners.Delete(tx, ownDan)) },
		as: func(t *testing.T, err error, s *atomSchema) {
			var re *memrel.RestrictedError
			if !errors.As(err, &re) || !slices.Equal(re.Relations, []string{"claims.owner"}) {
				t.Errorf("got %#v", re)
			}
		}},
	{name: "Delete/missing key among several", want: memrel.ErrNotFound,
		op: func(tx *memrel.Tx, s *atomSchema) error { return ins(s.owners.Delete(tx, ownLee, 404, ownMay)) },
		as: func(t *testing.T, err error, s *atomSchema) {
			var ke *memrel.KeyError
			if !errors.As(err, &ke) || ke.Key != int64(404) {
				t.Errorf("got %#v", ke)
			}
		}},
	{name: "Delete/Set function error", want: errBoom,
		op: func(tx *memrel.Tx, s *atomSchema) error {
			s.thingSet = func(*memrel.Tx) (int64, error) { return 0, errBoom }
			return ins(s.owners.Delete(tx, ownLee, ownKim))
		}},
	{name: "Delete/Set function writes, then Protect", want: memrel.ErrProtected,
		op: func(tx *memrel.Tx, s *atomSchema) error {
			called := false
			s.thingSet = func(tx *memrel.Tx) (int64, error) {
				called = true
				ghost, err := s.owners.Insert(tx, Owner{Name: "ghost"})
				if err != nil {
					return 0, err
				}
				if _, err := s.tags.Insert(tx, Tag{Name: "ghost"}); err != nil {
					return 0, err
				}
				return ghost.ID, nil
			}
			_, err := s.owners.Delete(tx, ownIvy)
			if !called {
				return fmt.Errorf("the Set function was not called: %w", err)
			}
			return err
		},
		as: func(t *testing.T, err error, s *atomSchema) {
			var pe *memrel.ProtectedError
			if !errors.As(err, &pe) || !slices.Equal(pe.Relations, []string{"locks.owner"}) {
				t.Errorf("got %#v", pe)
			}
		}},
	{name: "Delete/Set function writes, then fails", want: errBoom,
		op: func(tx *memrel.Tx, s *atomSchema) error {
			s.thingSet = func(tx *memrel.Tx) (int64, error) {
				if _, err := s.owners.Insert(tx, Owner{Name: "ghost"}); err != nil {
					return 0, err
				}
				if _, err := s.owners.Delete(tx, ownMay); err != nil {
					return 0, err
				}
				return 0, errBoom
			}
			return ins(s.owners.Delete(tx, ownKim))
		}},
	{name: "Delete/Set function panics", want: errPanicked,
		op: func(tx *memrel.Tx, s *atomSchema) error {
			s.thingSet = func(tx *memrel.Tx) (int64, error) {
				if _, err := s.owners.Insert(tx, Owner{Name: "ghost"}); err != nil {
					return 0, err
				}
				panic("in Set function")
			}
			return panics(func() error { return ins(s.owners.Delete(tx, ownKim)) })
		}},
	{name: "Delete/SetDefault to a missing row", want: memrel.ErrForeignKey,
		op: func(tx *memrel.Tx, s *atomSchema) error { return ins(s.owners.Delete(tx, ownFay)) },
		as: func(t *testing.T, err error, s *atomSchema) {
			var fe *memrel.ForeignKeyError
			if !errors.As(err, &fe) || fe.Relation != "pins.owner" || fe.Parent.Key != int64(999) {
				t.Errorf("got %#v", fe)
			}
		}},
	{name: "Delete/Set breaks a one-to-one", want: memrel.ErrUnique,
		op: func(tx *memrel.Tx, s *atomSchema) error { return ins(s.owners.Delete(tx, ownBob)) }},
	{name: "Delete/Set makes two updated rows collide", want: memrel.ErrUnique,
		op: func(tx *memrel.Tx, s *atomSchema) error { return ins(s.owners.Delete(tx, ownNia, ownOli)) },
		as: func(t *testing.T, err error, s *atomSchema) {
			var ue *memrel.UniqueError
			if !errors.As(err, &ue) || ue.Constraint != "seats.owner" {
				t.Errorf("got %#v", ue)
			}
		}},
	{name: "Delete/Set to a deleted row", want: memrel.ErrForeignKey,
		op: func(tx *memrel.Tx, s *atomSchema) error { return ins(s.owners.Delete(tx, ownAnn)) }},
	{name: "Delete/Set breaks a check", want: memrel.ErrCheck,
		op: func(tx *memrel.Tx, s *atomSchema) error { return ins(s.owners.Delete(tx, ownHal)) }},
	{name: "Delete/table not in schema", want: memrel.ErrUnknownTable,
		op: func(tx *memrel.Tx, s *atomSchema) error { return ins(s.stray.Delete(tx, 1)) }},
}

// TestAtomicityRefusedOperations runs every refused operation twice: on a
// committed fixture, and in the same transaction that loaded it (so that the
// rollback must keep the transaction's earlier, unjournaled writes).
func TestAtomicityRefusedOperations(t *testing.T) {
	for _, c := range atomCases {
		for _, sameTx := range []bool{false, true} {
			name := c.name + "/committed"
			if sameTx {
				name = c.name + "/same tx"
			}
			t.Run(name, func(t *testing.T) {
				s := newAtomSchema(t)
				if !sameTx {
					if err := s.db.Update(s.load); err != nil {
						t.Fatal(err)
					}
				}
				tx := s.db.BeginWrite()
				defer tx.Abort()
				if sameTx {
					if err := s.load(tx); err != nil {
						t.Fatal(err)
					}
				}
				// A write of this transaction before the refused operation.
				if _, err := s.tags.Insert(tx, Tag{Name: "blue"}); err != nil {
					t.Fatal(err)
				}
				before := tx.Dump()

				err := c.op(tx, s)
				if !errors.Is(err, c.want) {
					t.Fatalf("err = %v, want %v", err, c.want)
				}
				if c.as != nil {
					c.as(t, err, s)
				}
				if after := tx.Dump(); after != before {
					t.Fatalf("the refused operation changed the transaction:\n%s", diffLines(before, after))
				}
				if err := tx.Check(); err != nil {
					t.Fatalf("Check after the refused operation: %v", err)
				}

				// The transaction is still usable, and its sequences are
				// those of before.
				o, err := s.owners.Insert(tx, Owner{Name: "after"})
				if err != nil {
					t.Fatalf("insert after the refused operation: %v", err)
				}
				if o.ID != ownerMax+1 {
					t.Errorf("insert after the refused operation got key %d, want %d", o.ID, ownerMax+1)
				}
				if _, err := s.locks.Insert(tx, Lock{OwnerID: o.ID}); err != nil {
					t.Fatalf("insert after the refused operation: %v", err)
				}
				want := tx.Dump()
				if err := tx.Commit(); err != nil {
					t.Fatalf("commit after the refused operation: %v", err)
				}
				if err := s.db.Check(); err != nil {
					t.Fatalf("Check after commit: %v", err)
				}
				if got := dumpDB(s.db); got != want {
					t.Fatalf("committed state differs from the transaction's:\n%s", diffLines(want, got))
				}
			})
		}
	}
}

// TestAtomicitySetFunctionWritesKept is the control of the cases above: a
// delete that succeeds keeps what its Set function wrote.
func TestAtomicitySetFunctionWritesKept(t *testing.T) {
	s := newAtomSchema(t)
	if err := s.db.Update(s.load); err != nil {
		t.Fatal(err)
	}
	s.thingSet = func(tx *memrel.Tx) (int64, error) {
		ghost, err := s.owners.Insert(tx, Owner{Name: "ghost"})
		return ghost.ID, err
	}
	err := s.db.Update(func(tx *memrel.Tx) error {
		res, err := s.owners.Delete(tx, ownKim)
		if err != nil {
			return err
		}
		if res.String() != "deleted owners 1; updated things 1" {
			t.Errorf("DeleteResult = %v", res)
		}
		th, ok := s.things.Get(tx, 2)
		if !ok || th.OwnerID != ownerMax+1 {
			t.Errorf("thing 2 = %+v, %v; want it re-pointed at the ghost owner %d", th, ok, ownerMax+1)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestAtomicityReadOnlyAndClosed: writes in a read transaction, or in a
// closed one, are refused and change nothing.
func TestAtomicityReadOnlyAndClosed(t *testing.T) {
	s := newAtomSchema(t)
	if err := s.db.Update(s.load); err != nil {
		t.Fatal(err)
	}
	writes := []struct {
		name string
		op   func(tx *memrel.Tx) error
	}{
		{"Insert", func(tx *memrel.Tx) error { return ins(s.owners.Insert(tx, Owner{Name: "zed"})) }},
		{"Update", func(tx *memrel.Tx) error { return ins(s.owners.Update(tx, Owner{ID: ownLee, Name: "zed"})) }},
		{"Modify", func(tx *memrel.Tx) error {
			return ins(s.owners.Modify(tx, ownLee, func(o *Owner) error { o.Name = "zed"; return nil }))
		}},
		{"Delete", func(tx *memrel.Tx) error { return ins(s.owners.Delete(tx, ownLee)) }},
	}
	for _, w := range writes {
		t.Run(w.name+"/read-only", func(t *testing.T) {
			before := dumpDB(s.db)
			err := s.db.View(func(tx *memrel.Tx) error {
				err := w.op(tx)
				if after := tx.Dump(); after != before {
					t.Errorf("state changed:\n%s", diffLines(before, after))
				}
				return err
			})
			if !errors.Is(err, memrel.ErrReadOnly) {
				t.Fatalf("err = %v, want ErrReadOnly", err)
			}
			tx := s.db.BeginRead()
			defer tx.Abort()
			if err := w.op(tx); !errors.Is(err, memrel.ErrReadOnly) {
				t.Fatalf("err = %v, want ErrReadOnly", err)
			}
		})
		for _, end := range []string{"Abort", "Commit"} {
			t.Run(w.name+"/after "+end, func(t *testing.T) {
				before := dumpDB(s.db)
				tx := s.db.BeginWrite()
				defer tx.Abort()
				o, err := s.owners.Insert(tx, Owner{Name: "discarded"})
				if err != nil {
					t.Fatal(err)
				}
				if end == "Abort" {
					tx.Abort()
				} else {
					if _, err := s.owners.Delete(tx, o.ID); err != nil {
						t.Fatal(err)
					}
					if err := tx.Commit(); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.op(tx); !errors.Is(err, memrel.ErrTxClosed) {
					t.Fatalf("err = %v, want ErrTxClosed", err)
				}
				if err := tx.Commit(); !errors.Is(err, memrel.ErrTxClosed) {
					t.Fatalf("second Commit: err = %v, want ErrTxClosed", err)
				}
				tx.Abort() // a no-op
				// Only the rows are compared: a committed transaction
				// consumed a key of the sequence.
				if got := dumpRows(dumpDB(s.db)); got != dumpRows(before) {
					t.Fatalf("state changed:\n%s", diffLines(dumpRows(before), got))
				}
			})
		}
	}
}

// TestAtomicityDoNothingAtCommit: a DoNothing relation left pointing at a
// deleted row fails the commit, and the whole transaction is discarded.
func TestAtomicityDoNothingAtCommit(t *testing.T) {
	// writes makes several successful writes, then the delete that leaves
	// note 1 dangling.
	writes := func(tx *memrel.Tx, s *atomSchema) error {
		o, err := s.owners.Insert(tx, Owner{Name: "new"})
		if err != nil {
			return err
		}
		if _, err := s.locks.Insert(tx, Lock{OwnerID: o.ID}); err != nil {
			return err
		}
		if _, err := s.owners.Delete(tx, ownLee); err != nil {
			return err
		}
		if _, err := s.tags.Insert(tx, Tag{Name: "green"}); err != nil {
			return err
		}
		res, err := s.owners.Delete(tx, ownEve)
		if err != nil {
			return err
		}
		if res.String() != "deleted owners 1" {
			return fmt.Errorf("DeleteResult = %v, want only the owner (DoNothing touches nothing)", res)
		}
		if _, ok := s.notes.Get(tx, 1); !ok {
			return errors.New("note 1 is gone")
		}
		return nil
	}
	checkCommitErr := func(t *testing.T, err error) {
		t.Helper()
		var fe *memrel.ForeignKeyError
		if !errors.As(err, &fe) || !errors.Is(err, memrel.ErrForeignKey) {
			t.Fatalf("commit: err = %v, want a *ForeignKeyError", err)
		}
		if !fe.AtCommit || fe.Relation != "notes.owner" || fe.Row != (memrel.RowRef{Table: "notes", Key: int64(1)}) ||
			fe.Parent != (memrel.RowRef{Table: "owners", Key: int64(ownEve)}) {
			t.Errorf("commit error = %#v", fe)
		}
	}
	// after checks that the DB is as before and usable, with the same
	// sequences.
	after := func(t *testing.T, s *atomSchema, before string) {
		t.Helper()
		if got := dumpDB(s.db); got != before {
			t.Fatalf("the failed commit changed the DB:\n%s", diffLines(before, got))
		}
		if err := s.db.Check(); err != nil {
			t.Fatal(err)
		}
		err := s.db.Update(func(tx *memrel.Tx) error {
			o, err := s.owners.Insert(tx, Owner{Name: "new"})
			if err == nil && o.ID != ownerMax+1 {
				err = fmt.Errorf("new owner got key %d, want %d", o.ID, ownerMax+1)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	t.Run("Update", func(t *testing.T) {
		s := newAtomSchema(t)
		if err := s.db.Update(s.load); err != nil {
			t.Fatal(err)
		}
		before := dumpDB(s.db)
		err := s.db.Update(func(tx *memrel.Tx) error { return writes(tx, s) })
		checkCommitErr(t, err)
		after(t, s, before)
	})
	t.Run("Commit", func(t *testing.T) {
		s := newAtomSchema(t)
		if err := s.db.Update(s.load); err != nil {
			t.Fatal(err)
		}
		before := dumpDB(s.db)
		tx := s.db.BeginWrite()
		defer tx.Abort()
		if err := writes(tx, s); err != nil {
			t.Fatal(err)
		}
		checkCommitErr(t, tx.Commit())
		if _, err := s.owners.Insert(tx, Owner{Name: "x"}); !errors.Is(err, memrel.ErrTxClosed) {
			t.Fatalf("insert after the failed commit: err = %v, want ErrTxClosed", err)
		}
		tx.Abort()
		after(t, s, before)
	})
	// The controls: the dangling row is deleted, or re-pointed, or its
	// parent re-created, before the commit.
	for _, fix := range []struct {
		name string
		fn   func(tx *memrel.Tx, s *atomSchema) error
	}{
		{"child deleted", func(tx *memrel.Tx, s *atomSchema) error { return ins(s.notes.Delete(tx, 1)) }},
		{"child re-pointed", func(tx *memrel.Tx, s *atomSchema) error {
			return ins(s.notes.Update(tx, Note{ID: 1, OwnerID: ownMay}))
		}},
		{"parent re-created", func(tx *memrel.Tx, s *atomSchema) error {
			return ins(s.owners.Insert(tx, Owner{ID: ownEve, Name: "eve again"}))
		}},
	} {
		t.Run("fixed/"+fix.name, func(t *testing.T) {
			s := newAtomSchema(t)
			if err := s.db.Update(s.load); err != nil {
				t.Fatal(err)
			}
			err := s.db.Update(func(tx *memrel.Tx) error {
				if err := writes(tx, s); err != nil {
					return err
				}
				return fix.fn(tx, s)
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.db.Check(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestAtomicityUpdateDiscards: Update discards everything fn wrote when fn
// returns an error or panics, sequences included.
func TestAtomicityUpdateDiscards(t *testing.T) {
	// writes touches every kind of state: inserts with assigned and chosen
	// keys, an update, a cascade delete, a Set function that inserts.
	writes := func(tx *memrel.Tx, s *atomSchema) error {
		n0 := s.owners.Len(tx)
		s.thingSet = func(tx *memrel.Tx) (int64, error) {
			ghost, err := s.owners.Insert(tx, Owner{Name: "ghost"})
			return ghost.ID, err
		}
		for _, name := range []string{"x1", "x2", "x3"} {
			if _, err := s.owners.Insert(tx, Owner{Name: name}); err != nil {
				return err
			}
		}
		if _, err := s.owners.Insert(tx, Owner{ID: 100, Name: "hundred"}); err != nil {
			return err
		}
		if _, err := s.folders.Insert(tx, Folder{OwnerID: 100}); err != nil {
			return err
		}
		if _, err := s.owners.Update(tx, Owner{ID: ownAnn, Name: "ann2"}); err != nil {
			return err
		}
		if _, err := s.owners.Insert(tx, Owner{Name: "ann2"}); !errors.Is(err, memrel.ErrUnique) {
			return fmt.Errorf("refused insert: err = %v", err)
		}
		if _, err := s.folders.Delete(tx, 2); err != nil {
			return err
		}
		if _, err := s.owners.Delete(tx, ownKim); err != nil { // calls thingSet
			return err
		}
		if _, err := s.smalls.Insert(tx, Small{ID: 5}); err != nil {
			return err
		}
		// 3 + hundred + ghost - kim
		if n := s.owners.Len(tx); n != n0+4 {
			return fmt.Errorf("owners: %d rows, want %d", n, n0+4)
		}
		return nil
	}
	for _, how := range []string{"error", "panic"} {
		t.Run(how, func(t *testing.T) {
			s := newAtomSchema(t)
			if err := s.db.Update(s.load); err != nil {
				t.Fatal(err)
			}
			before := dumpDB(s.db)
			err := panics(func() error {
				return s.db.Update(func(tx *memrel.Tx) error {
					if err := writes(tx, s); err != nil {
						return fmt.Errorf("the writes failed: %w", err)
					}
					if how == "panic" {
						panic("boom")
					}
					return errBoom
				})
			})
			want := errBoom
			if how == "panic" {
				want = errPanicked
			}
			if !errors.Is(err, want) {
				t.Fatalf("Update: err = %v, want %v", err, want)
			}
			if got := dumpDB(s.db); got != before {
				t.Fatalf("Update changed the DB:\n%s", diffLines(before, got))
			}
			if err := s.db.Check(); err != nil {
				t.Fatal(err)
			}
			// The next key is the one it would have been.
			err = s.db.Update(func(tx *memrel.Tx) error {
				o, err := s.owners.Insert(tx, Owner{Name: "next"})
				if err == nil && o.ID != ownerMax+1 {
					err = fmt.Errorf("next owner got key %d, want %d", o.ID, ownerMax+1)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			// And the manual form: Abort discards as much.
			before = dumpDB(s.db)
			tx := s.db.BeginWrite()
			if err := writes(tx, s); err != nil {
				t.Fatal(err)
			}
			tx.Abort()
			if got := dumpDB(s.db); got != before {
				t.Fatalf("Abort changed the DB:\n%s", diffLines(before, got))
			}
		})
	}
}

// dumpDB is the Dump of the DB's committed state.
func dumpDB(db *memrel.DB) string {
	tx := db.BeginRead()
	defer tx.Abort()
	return tx.Dump()
}

// dumpRows drops the sequence lines of a Dump.
func dumpRows(dump string) string {
	var b strings.Builder
	for line := range strings.Lines(dump) {
		if !strings.HasPrefix(strings.TrimSpace(line), "sequence ") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// diffLines lists the lines only in a (-) and only in b (+).
func diffLines(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out strings.Builder
	for _, l := range la {
		if !slices.Contains(lb, l) {
			fmt.Fprintf(&out, "- %s\n", l)
		}
	}
	for _, l := range lb {
		if !slices.Contains(la, l) {
			fmt.Fprintf(&out, "+ %s\n", l)
		}
	}
	return out.String()
}
