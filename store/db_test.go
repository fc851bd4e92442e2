package store_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/memrel-go/memrel/store"
)

// joined returns the errors joined in err (errors.Join), or err alone.
func joined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func nameIndex(t *store.TableInfo, name string) *store.IndexDef {
	e := store.NewEncoder[string]()
	return store.NewIndexDef(t, name, func(dst []byte, obj any) ([]byte, bool) {
		return e.Append(dst, obj.(*item).Name)
	})
}

func TestOpenReportsEverySchemaProblemTogether(t *testing.T) {
	key := func(r *item) *int64 { return &r.ID }
	dupA := store.NewTable("dup", key)
	dupB := store.NewTable("dup", key)
	twice := store.NewTable("twice", key)
	good := store.NewTable("good", key)
	nilKey := store.NewTable[item, int64]("nilkey", nil)
	var tables []store.AnyTable
	tables = append(tables, dupA, dupB, twice, twice, good, nilKey, nil)
	badNames := []string{"bad-name", "1abc", "", "memrel.sequences", "naïve", "a b"}
	for _, n := range badNames {
		tables = append(tables, store.NewTable(n, key))
	}
	cfg := store.Config{
		Tables: tables,
		Indexes: []*store.IndexDef{
			nameIndex(strayed.Info(), "by_name"), // table not in schema
			nameIndex(nil, "orphan"),             // no table at all
			nameIndex(good.Info(), "by_name"),
			nameIndex(good.Info(), "by_name"), // duplicate
			nameIndex(good.Info(), "id"),      // reserved
			nameIndex(good.Info(), ""),        // empty
			nameIndex(dupA.Info(), "by_name"), // fine: another table
		},
	}
	db, err := store.Open(cfg)
	if db != nil {
		t.Errorf("Open returned a DB with an invalid schema")
	}
	if !errors.Is(err, store.ErrSchema) {
		t.Fatalf("Open = %v, want ErrSchema", err)
	}
	errs := joined(err)
	// dup names, twice listed, nil key accessor, nil table, 6 bad names,
	// 2 indexes off-schema, duplicate index, reserved, empty.
	const want = 1 + 1 + 1 + 1 + 6 + 2 + 1 + 1 + 1
	if len(errs) != want {
		for _, e := range errs {
			t.Log(e)
		}
		t.Fatalf("Open reported %d problems, want %d", len(errs), want)
	}
	for _, e := range errs {
		if !errors.Is(e, store.ErrSchema) {
			t.Errorf("problem %q does not wrap ErrSchema", e)
		}
	}
	msg := err.Error()
	for _, frag := range []string{"dup", "twice", "nilkey", "nil", "bad-name", "1abc", `""`, "memrel.sequences", "naïve", "strayed", "orphan", `"id"`, "by_name"} {
		if !strings.Contains(msg, frag) {
			t.Errorf("the report does not mention %q:\n%s", frag, msg)
		}
	}
}

func TestOpenTableNameValidation(t *testing.T) {
	key := func(r *item) *int64 { return &r.ID }
	for _, name := range []string{"a", "A", "_", "_a1", "snake_case", "CamelCase", "x9"} {
		if _, err := store.Open(store.Config{Tables: []store.AnyTable{store.NewTable(name, key)}}); err != nil {
			t.Errorf("valid name %q refused: %v", name, err)
		}
	}
	for _, name := range []string{"", "9a", "a-b", "a.b", "a b", "naïve", "a\x00", "tab\t"} {
		_, err := store.Open(store.Config{Tables: []store.AnyTable{store.NewTable(name, key)}})
		if !errors.Is(err, store.ErrSchema) || len(joined(err)) != 1 {
			t.Errorf("invalid name %q: Open = %v, want exactly one ErrSchema", name, err)
		}
	}
}

func TestOpenDuplicateTablesAreDistinguished(t *testing.T) {
	key := func(r *item) *int64 { return &r.ID }
	a, b := store.NewTable("same", key), store.NewTable("same", key)
	_, err := store.Open(store.Config{Tables: []store.AnyTable{a, b}})
	if !errors.Is(err, store.ErrSchema) || !strings.Contains(err.Error(), "two tables") {
		t.Errorf("two handles with one name: %v", err)
	}
	_, err = store.Open(store.Config{Tables: []store.AnyTable{a, a}})
	if !errors.Is(err, store.ErrSchema) || !strings.Contains(err.Error(), "twice") {
		t.Errorf("one handle listed twice: %v", err)
	}
}

// Open promises to validate its configuration and report every problem as
// an ErrSchema; nil entries must be reported, not crash.
func TestOpenReportsNilEntriesWithoutPanicking(t *testing.T) {
	t.Run("untyped nil table", func(t *testing.T) {
		var err error
		noPanic(t, "Open", func() { _, err = store.Open(store.Config{Tables: []store.AnyTable{items, nil}}) })
		if !errors.Is(err, store.ErrSchema) || len(joined(err)) != 1 {
			t.Errorf("Open = %v, want one ErrSchema", err)
		}
	})
	t.Run("typed nil *Table", func(t *testing.T) {
		var notDeclared *store.Table[item, int64] // e.g. a package variable read before its initialization
		var err error
		noPanic(t, "Open", func() { _, err = store.Open(store.Config{Tables: []store.AnyTable{items, notDeclared}}) })
		if !errors.Is(err, store.ErrSchema) {
			t.Errorf("Open = %v, want ErrSchema", err)
		}
	})
	t.Run("nil *IndexDef", func(t *testing.T) {
		var err error
		noPanic(t, "Open", func() {
			_, err = store.Open(store.Config{Tables: []store.AnyTable{items}, Indexes: []*store.IndexDef{nil}})
		})
		if !errors.Is(err, store.ErrSchema) {
			t.Errorf("Open = %v, want ErrSchema", err)
		}
	})
}

func TestOpenValidSchema(t *testing.T) {
	db, err := store.Open(store.Config{})
	if err != nil {
		t.Fatalf("empty schema: %v", err)
	}
	if len(db.Tables()) != 0 || db.Hooks() != nil || db.Check() != nil {
		t.Errorf("empty DB: tables %v hooks %v", db.Tables(), db.Hooks())
	}

	db = openDB(t, names, items, others)
	got := db.Tables()
	if want := []*store.TableInfo{names.Info(), items.Info(), others.Info()}; !slices.Equal(got, want) {
		t.Fatalf("Tables() = %v, want schema order", got)
	}
	got[0] = nil
	if db.Tables()[0] != names.Info() {
		t.Errorf("Tables() returns the DB's own slice")
	}
	// One handle can serve many DBs, which do not share data.
	other := openDB(t, items)
	insertItems(t, db, item{Name: "in db"})
	if rows := readItems(t, other); len(rows) != 0 {
		t.Errorf("a second DB of the same table sees %+v", rows)
	}
}

func TestSnapshotIsIndependentFork(t *testing.T) {
	db := openDB(t)
	insertItems(t, db, item{Name: "a"}, item{Name: "b"}, item{Name: "c"})
	snap := db.Snapshot()
	if dump(snap) != dump(db) {
		t.Fatalf("fresh snapshot differs:\n%s\n%s", dump(snap), dump(db))
	}
	if snap.Hooks() != db.Hooks() || !slices.Equal(snap.Tables(), db.Tables()) {
		t.Errorf("snapshot does not share the schema")
	}

	// Both sequences continue from 3, independently.
	mustUpdate(t, db, func(tx *store.Tx) error {
		r, err := items.Insert(tx, item{Name: "db only"})
		if err == nil && r.ID != 4 {
			t.Errorf("db key = %d, want 4", r.ID)
		}
		if _, err := items.Delete(tx, 1); err != nil {
			return err
		}
		return err
	})
	mustUpdate(t, snap, func(tx *store.Tx) error {
		r, err := items.Insert(tx, item{Name: "snap only"})
		if err == nil && r.ID != 4 {
			t.Errorf("snapshot key = %d, want 4", r.ID)
		}
		if _, err := items.Update(tx, item{ID: 2, Name: "B"}); err != nil {
			return err
		}
		_, err = names.Insert(tx, named{Code: "x"})
		return err
	})
	if rows := readItems(t, db); !slices.Equal(rows, []item{{ID: 2, Name: "b"}, {ID: 3, Name: "c"}, {ID: 4, Name: "db only"}}) {
		t.Errorf("db rows = %+v", rows)
	}
	if rows := readItems(t, snap); !slices.Equal(rows, []item{{ID: 1, Name: "a"}, {ID: 2, Name: "B"}, {ID: 3, Name: "c"}, {ID: 4, Name: "snap only"}}) {
		t.Errorf("snapshot rows = %+v", rows)
	}
	_ = db.View(func(tx *store.Tx) error {
		if names.Has(tx, "x") {
			t.Errorf("db sees the snapshot's names row")
		}
		return nil
	})
	if insertItems(t, db, item{})[0].ID != 5 || insertItems(t, snap, item{})[0].ID != 5 {
		t.Errorf("sequences are not independent")
	}
	if err := db.Check(); err != nil {
		t.Error(err)
	}
	if err := snap.Check(); err != nil {
		t.Error(err)
	}

	// A snapshot of a snapshot.
	snap2 := snap.Snapshot()
	insertItems(t, snap2, item{Name: "deep"})
	if rows := readItems(t, snap); len(rows) != 5 {
		t.Errorf("snapshot sees its own snapshot's write: %+v", rows)
	}
}

func TestSnapshotDuringOpenWriteSeesOnlyCommitted(t *testing.T) {
	db := openDB(t)
	insertItems(t, db, item{Name: "committed"})
	w := db.BeginWrite()
	defer w.Abort()
	if _, err := items.Insert(w, item{Name: "pending"}); err != nil {
		t.Fatal(err)
	}
	snap := db.Snapshot()
	// The snapshot has its own writer: it is not blocked by db's open write.
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := snap.Update(func(tx *store.Tx) error {
			r, err := items.Insert(tx, item{Name: "snap"})
			if err == nil && r.ID != 2 {
				t.Errorf("snapshot key = %d, want 2 (the pending insert is not committed)", r.ID)
			}
			return err
		}); err != nil {
			t.Error(err)
		}
	}()
	within(t, deadlockGuard, "write on a snapshot while the original has an open writer", done)
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if rows := readItems(t, snap); !slices.Equal(rows, []item{{ID: 1, Name: "committed"}, {ID: 2, Name: "snap"}}) {
		t.Errorf("snapshot rows = %+v", rows)
	}
	if rows := readItems(t, db); !slices.Equal(rows, []item{{ID: 1, Name: "committed"}, {ID: 2, Name: "pending"}}) {
		t.Errorf("db rows = %+v", rows)
	}
}

// Snapshot is O(1): its cost does not depend on how many rows the DB holds.
func TestSnapshotCostDoesNotGrowWithRows(t *testing.T) {
	small := openDB(t)
	insertItems(t, small, item{})
	big := openDB(t)
	mustUpdate(t, big, func(tx *store.Tx) error {
		for range 3000 {
			if _, err := items.Insert(tx, item{Name: "row"}); err != nil {
				return err
			}
		}
		return nil
	})
	a := testing.AllocsPerRun(50, func() { _ = small.Snapshot() })
	b := testing.AllocsPerRun(50, func() { _ = big.Snapshot() })
	if b > a {
		t.Fatalf("Snapshot allocates %.0f times for 3000 rows, %.0f for 1 row", b, a)
	}
}
