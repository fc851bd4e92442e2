package memrel_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/memrel-go/memrel"
)

// The deferred foreign-key checks' schema: an account and its profile
// point at each other (a cycle of required keys), and people form a tree
// through a nullable self-reference.

type DAccount struct {
	ID        int64
	ProfileID int64
	Name      string
}

type DProfile struct {
	ID        int64
	AccountID int64
	Bio       string
}

type DPerson struct {
	ID       int64
	ParentID memrel.Null[int64]
	Name     string
}

var (
	dAccountF, dProfileF, dPersonF = memrel.Fields[DAccount](), memrel.Fields[DProfile](), memrel.Fields[DPerson]()

	DAccounts = memrel.NewTable("d_accounts", func(a *DAccount) *int64 { return &a.ID })
	DProfiles = memrel.NewTable("d_profiles", func(p *DProfile) *int64 { return &p.ID })
	DPeople   = memrel.NewTable("d_people", func(p *DPerson) *int64 { return &p.ID })

	DAccountProfile = memrel.ForeignKey(DAccounts, &dAccountF.ProfileID, DProfiles, memrel.Cascade).Related("accounts")
	DProfileAccount = memrel.OneToOne(DProfiles, &dProfileF.AccountID, DAccounts, memrel.Cascade)
	DPersonParent   = memrel.ForeignKey(DPeople, &dPersonF.ParentID, DPeople, memrel.Cascade).Related("children")
	DUniqueName     = memrel.Unique(DAccounts, "d_uniq_account_name", &dAccountF.Name)
)

func openDeferred(t *testing.T) *memrel.DB {
	t.Helper()
	db, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{DAccounts, DProfiles, DPeople}})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestDeferredForeignKeysLoadCycles(t *testing.T) {
	db := openDeferred(t)
	// Without deferral, neither side of the cycle can be inserted first.
	err := db.Update(func(tx *memrel.Tx) error {
		_, err := DAccounts.Insert(tx, DAccount{ID: 1, ProfileID: 10, Name: "ann"})
		return err
	})
	if !errors.Is(err, memrel.ErrForeignKey) {
		t.Fatalf("immediate insert of a dangling key: %v, want ErrForeignKey", err)
	}
	err = db.Update(func(tx *memrel.Tx) error {
		if err := tx.DeferForeignKeys(); err != nil {
			return err
		}
		if !tx.ForeignKeysDeferred() {
			t.Error("ForeignKeysDeferred = false after DeferForeignKeys")
		}
		// Children first, then the parents they name.
		for _, p := range []DPerson{{ID: 3, ParentID: memrel.Some[int64](2), Name: "c"}, {ID: 2, ParentID: memrel.Some[int64](1), Name: "b"}, {ID: 1, Name: "a"}} {
			if _, err := DPeople.Insert(tx, p); err != nil {
				return err
			}
		}
		if _, err := DAccounts.Insert(tx, DAccount{ID: 1, ProfileID: 10, Name: "ann"}); err != nil {
			return err
		}
		// Inside the transaction, Check reports the key that dangles now.
		if err := tx.Check(); !errors.Is(err, memrel.ErrForeignKey) {
			t.Errorf("Check with a dangling key: %v, want ErrForeignKey", err)
		}
		_, err := DProfiles.Insert(tx, DProfile{ID: 10, AccountID: 1, Bio: "hi"})
		return err
	})
	if err != nil {
		t.Fatalf("deferred load of a cycle: %v", err)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	if got := dumpRows(dumpDB(db)); !strings.Contains(got, "1 {ID:1 ProfileID:10 Name:ann}") || !strings.Contains(got, "3 {ID:3 ParentID:2 Name:c}") {
		t.Errorf("the rows are not all in:\n%s", got)
	}
	// A later transaction is not deferred.
	err = db.Update(func(tx *memrel.Tx) error {
		if tx.ForeignKeysDeferred() {
			t.Error("a new transaction starts deferred")
		}
		_, err := DPeople.Insert(tx, DPerson{ParentID: memrel.Some[int64](99)})
		return err
	})
	if !errors.Is(err, memrel.ErrForeignKey) {
		t.Errorf("insert after a deferred transaction: %v, want ErrForeignKey", err)
	}
}

func TestDeferredForeignKeysCommitReportsEveryDanglingKey(t *testing.T) {
	db := openDeferred(t)
	if err := db.Update(func(tx *memrel.Tx) error {
		_, err := DPeople.Insert(tx, DPerson{Name: "root"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	before := dumpDB(db)
	err := db.Update(func(tx *memrel.Tx) error {
		if err := tx.DeferForeignKeys(); err != nil {
			return err
		}
		if _, err := DAccounts.Insert(tx, DAccount{ID: 5, ProfileID: 50, Name: "bob"}); err != nil {
			return err
		}
		if _, err := DPeople.Insert(tx, DPerson{ID: 8, ParentID: memrel.Some[int64](7)}); err != nil {
			return err
		}
		// An update that points a stored row at a missing one.
		if _, err := DPeople.Update(tx, DPerson{ID: 1, ParentID: memrel.Some[int64](42), Name: "root"}); err != nil {
			return err
		}
		// A dangling row deleted before Commit is not reported; a row
		// re-pointed at an existing one is not either.
		if _, err := DPeople.Insert(tx, DPerson{ID: 9, ParentID: memrel.Some[int64](77)}); err != nil {
			return err
		}
		if _, err := DPeople.Delete(tx, 9); err != nil {
			return err
		}
		if _, err := DPeople.Insert(tx, DPerson{ID: 10, ParentID: memrel.Some[int64](78)}); err != nil {
			return err
		}
		_, err := DPeople.Update(tx, DPerson{ID: 10, ParentID: memrel.Some[int64](1)})
		return err
	})
	if !errors.Is(err, memrel.ErrForeignKey) {
		t.Fatalf("commit with dangling keys: %v, want ErrForeignKey", err)
	}
	var got []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var fe *memrel.ForeignKeyError
		if !errors.As(e, &fe) || !fe.AtCommit {
			t.Errorf("%v: not a ForeignKeyError at commit", e)
			continue
		}
		got = append(got, fe.Relation+" "+fe.Row.String()+" -> "+fe.Parent.String())
	}
	want := []string{
		"d_accounts.profile d_accounts 5 -> d_profiles 50",
		"d_people.parent d_people 1 -> d_people 42",
		"d_people.parent d_people 8 -> d_people 7",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("dangling keys reported:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(err.Error(), "memrel: foreign key d_people.parent at commit: d_people 8 points at d_people 7, which does not exist") {
		t.Errorf("message: %v", err)
	}
	if after := dumpDB(db); after != before {
		t.Errorf("a failed commit changed the DB:\n%s", diffLines(before, after))
	}
	// The writer is free.
	if err := db.Update(func(tx *memrel.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

// Only the foreign-key checks are deferred: a unique or check constraint,
// the primary key and a one-to-one are refused on the write, leaving the
// transaction as it was and usable.
func TestDeferredForeignKeysOtherChecksStayImmediate(t *testing.T) {
	db := openDeferred(t)
	tx := db.BeginWrite()
	defer tx.Abort()
	if err := tx.DeferForeignKeys(); err != nil {
		t.Fatal(err)
	}
	if _, err := DAccounts.Insert(tx, DAccount{ID: 1, ProfileID: 1, Name: "ann"}); err != nil {
		t.Fatal(err)
	}
	if _, err := DProfiles.Insert(tx, DProfile{ID: 1, AccountID: 1}); err != nil {
		t.Fatal(err)
	}
	before := tx.Dump()
	for _, c := range []struct {
		name string
		op   func() error
		want error
	}{
		{"unique", func() error { return ins(DAccounts.Insert(tx, DAccount{ProfileID: 9, Name: "ann"})) }, memrel.ErrUnique},
		{"one-to-one", func() error { return ins(DProfiles.Insert(tx, DProfile{ID: 2, AccountID: 1})) }, memrel.ErrUnique},
		{"primary key", func() error { return ins(DAccounts.Insert(tx, DAccount{ID: 1, Name: "x"})) }, memrel.ErrExists},
	} {
		if err := c.op(); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if after := tx.Dump(); after != before {
			t.Errorf("%s: the refused write changed the transaction:\n%s", c.name, diffLines(before, after))
		}
	}
	// Deletes keep their rules: deleting the account cascades to its
	// profile, and through the profile to the account (a cycle).
	res, err := DAccounts.Delete(tx, 1)
	if err != nil || res.String() != "deleted d_accounts 1, d_profiles 1" {
		t.Errorf("cascade in a deferred transaction: %v %v", res, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestDeferForeignKeysErrors(t *testing.T) {
	db := openDeferred(t)
	err := db.View(func(tx *memrel.Tx) error { return tx.DeferForeignKeys() })
	if !errors.Is(err, memrel.ErrReadOnly) {
		t.Errorf("in a read transaction: %v, want ErrReadOnly", err)
	}
	tx := db.BeginWrite()
	tx.Abort()
	if err := tx.DeferForeignKeys(); !errors.Is(err, memrel.ErrTxClosed) {
		t.Errorf("after Abort: %v, want ErrTxClosed", err)
	}
}

// A deferred insert undone by an Atomic block is not checked at Commit;
// a failed Commit of a manual transaction leaves the sequences as they
// were.
func TestDeferredForeignKeysAtomicAndSequences(t *testing.T) {
	db := openDeferred(t)
	tx := db.BeginWrite()
	defer tx.Abort()
	if err := tx.DeferForeignKeys(); err != nil {
		t.Fatal(err)
	}
	err := tx.Atomic(func(tx *memrel.Tx) error {
		if _, err := DPeople.Insert(tx, DPerson{ParentID: memrel.Some[int64](5)}); err != nil {
			return err
		}
		return errors.New("undo")
	})
	if err == nil || err.Error() != "undo" {
		t.Fatal(err)
	}
	if _, err := DPeople.Insert(tx, DPerson{Name: "kept"}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit after the block was undone: %v", err)
	}

	before := dumpDB(db)
	tx = db.BeginWrite()
	if err := tx.DeferForeignKeys(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := DPeople.Insert(tx, DPerson{ParentID: memrel.Some[int64](100)}); err != nil {
			t.Fatal(err)
		}
	}
	err = tx.Commit()
	var fe *memrel.ForeignKeyError
	if !errors.As(err, &fe) || len(err.(interface{ Unwrap() []error }).Unwrap()) != 3 {
		t.Fatalf("commit: %v, want three ForeignKeyErrors", err)
	}
	if after := dumpDB(db); after != before {
		t.Errorf("a failed commit changed the DB (sequences included):\n%s", diffLines(before, after))
	}
}
