package memrel_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memrel-go/memrel"
)

// DNote is a row whose JSON encoding has tags: "id" is its key, Secret is
// never written, and Author is a nullable key to d_people.
type DNote struct {
	ID     int64              `json:"id"`
	Title  string             `json:"title"`
	Author memrel.Null[int64] `json:"author"`
	Secret string             `json:"-"`
}

var (
	dNoteF       = memrel.Fields[DNote]()
	DNotes       = memrel.NewTable("d_notes", func(n *DNote) *int64 { return &n.ID }, memrel.Default(&dNoteF.Title, "untitled"))
	DNoteAuthor  = memrel.ForeignKey(DNotes, &dNoteF.Author, DPeople, memrel.SetNull)
	DNoteTitleOK = memrel.Check(DNotes, "d_note_title_not_bad", func(n *DNote) bool { return n.Title != "bad" })
)

func openFixtures(t *testing.T) *memrel.DB {
	t.Helper()
	// Notes first: the dump lists it after d_people, which it references.
	db, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{DNotes, DAccounts, DProfiles, DPeople}})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Entries in any order: children before parents, a cycle of required
// keys, a note before its author.
const cycleFixture = `[
  {"model": "d_notes", "pk": 1, "fields": {"title": "hello", "author": 3}},
  {"model": "d_people", "pk": 3, "fields": {"ParentID": 2, "Name": "c"}},
  {"model": "d_accounts", "pk": 1, "fields": {"ProfileID": 10, "Name": "ann"}},
  {"model": "d_people", "pk": 2, "fields": {"ParentID": 1, "Name": "b"}},
  {"model": "d_profiles", "pk": 10, "fields": {"AccountID": 1, "Bio": "hi"}},
  {"model": "d_people", "pk": 1, "fields": {"ParentID": null, "Name": "a"}},
  {"model": "d_notes", "pk": 2, "fields": {"title": ""}}
]
`

// cycleDump is its dump: d_people (which references only itself) first,
// then d_notes (which references d_people), then the cycle in schema
// order; within a table, keys ascending.
const cycleDump = `[
{"model":"d_people","pk":1,"fields":{"ParentID":null,"Name":"a"}},
{"model":"d_people","pk":2,"fields":{"ParentID":1,"Name":"b"}},
{"model":"d_people","pk":3,"fields":{"ParentID":2,"Name":"c"}},
{"model":"d_notes","pk":1,"fields":{"title":"hello","author":3}},
{"model":"d_notes","pk":2,"fields":{"title":"","author":null}},
{"model":"d_accounts","pk":1,"fields":{"ProfileID":10,"Name":"ann"}},
{"model":"d_profiles","pk":10,"fields":{"AccountID":1,"Bio":"hi"}}
]
`

func TestLoadFixturesAnyOrderAndDump(t *testing.T) {
	db := openFixtures(t)
	if err := memrel.LoadFixtures(db, writeFile(t, "cycle.json", cycleFixture)); err != nil {
		t.Fatal(err)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	var dump, lines bytes.Buffer
	err := db.View(func(tx *memrel.Tx) error {
		if n, ok := DNotes.Get(tx, 2); !ok || n.Title != "" {
			t.Errorf("note 2 = %+v: a fixture's row is stored as given, without the table's defaults", n)
		}
		if err := memrel.DumpFixture(tx, &dump, memrel.FixtureJSON); err != nil {
			return err
		}
		return memrel.DumpFixture(tx, &lines, memrel.FixtureJSONLines)
	})
	if err != nil {
		t.Fatal(err)
	}
	if dump.String() != cycleDump {
		t.Errorf("dump:\n%s\nwant:\n%s", dump.String(), cycleDump)
	}
	wantLines := strings.TrimSuffix(strings.TrimPrefix(strings.ReplaceAll(cycleDump, "},\n", "}\n"), "[\n"), "]\n")
	if lines.String() != wantLines {
		t.Errorf("JSON Lines dump:\n%s\nwant:\n%s", lines.String(), wantLines)
	}
	// Both formats load back into an empty DB, to the same rows.
	for _, f := range []struct{ name, text string }{{"again.json", dump.String()}, {"again.jsonl", lines.String()}} {
		db2 := openFixtures(t)
		if err := memrel.LoadFixtures(db2, writeFile(t, f.name, f.text)); err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		if a, b := dumpDB(db), dumpDB(db2); a != b {
			t.Errorf("%s: the reloaded DB differs:\n%s", f.name, diffLines(a, b))
		}
	}
	// The sequences moved past the keys the fixture holds.
	err = db.Update(func(tx *memrel.Tx) error {
		p, err := DPeople.Insert(tx, DPerson{Name: "d"})
		if p.ID != 4 {
			t.Errorf("next person key = %d, want 4", p.ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDumpFixtureEmptyAndUnknownFormat(t *testing.T) {
	db := openFixtures(t)
	var b bytes.Buffer
	err := db.View(func(tx *memrel.Tx) error {
		if err := memrel.DumpFixture(tx, &b, memrel.FixtureJSON); err != nil {
			return err
		}
		if err := memrel.DumpFixture(tx, &b, memrel.FixtureJSONLines); err != nil {
			return err
		}
		if err := memrel.DumpFixture(tx, &b, memrel.FixtureFormat(9)); err == nil {
			t.Error("DumpFixture with an unknown format: no error")
		}
		return nil
	})
	if err != nil || b.String() != "[]\n" {
		t.Errorf("empty dump: %q, %v", b.String(), err)
	}
}

// A refused load names the file, the entry (index and line) and the rule,
// and leaves the DB as it was.
func TestLoadFixturesRefused(t *testing.T) {
	seed := `{"model": "d_people", "pk": 1, "fields": {"Name": "a"}}` + "\n"
	for _, c := range []struct {
		name, text string
		want       error
		entry      int
		line       int
		msg        string
	}{
		{"unknown.json", `[{"model": "d_people", "pk": 5, "fields": {}}, {"model": "nope", "pk": 1, "fields": {}}]`,
			memrel.ErrUnknownTable, 1, 1, "fixture unknown.json: entry 1 (line 1), nope pk 1: table nope: table not in schema"},
		{"field.jsonl", "{\"model\": \"d_people\", \"pk\": 5, \"fields\": {}}\n\n{\"model\": \"d_people\", \"pk\": 6, \"fields\": {\"Nmae\": \"x\"}}\n",
			memrel.ErrFormat, 1, 3, `fixture field.jsonl: entry 1 (line 3), d_people pk 6: malformed input: fields: json: unknown field "Nmae"`},
		{"check.json", "[\n{\"model\": \"d_notes\", \"pk\": 1, \"fields\": {\"title\": \"ok\"}},\n  {\"model\": \"d_notes\", \"pk\": 2, \"fields\": {\"title\": \"bad\"}}\n]",
			memrel.ErrCheck, 1, 3, "fixture check.json: entry 1 (line 3), d_notes pk 2: check constraint d_note_title_not_bad on d_notes"},
		{"unique.json", `[{"model": "d_accounts", "pk": 1, "fields": {"ProfileID": 1, "Name": "x"}}, {"model": "d_profiles", "pk": 1, "fields": {"AccountID": 1}}, {"model": "d_accounts", "pk": 2, "fields": {"ProfileID": 1, "Name": "x"}}]`,
			memrel.ErrUnique, 2, 1, "fixture unique.json: entry 2 (line 1), d_accounts pk 2: unique constraint d_uniq_account_name"},
		{"exists.json", `[{"model": "d_people", "pk": 1, "fields": {"Name": "again"}}]`,
			memrel.ErrExists, 0, 1, "fixture exists.json: entry 0 (line 1), d_people pk 1: d_people 1: key already exists"},
		{"dangling.json", "[\n{\"model\": \"d_people\", \"pk\": 2, \"fields\": {\"ParentID\": 1}},\n{\"model\": \"d_people\", \"pk\": 3, \"fields\": {\"ParentID\": 99}}\n]",
			memrel.ErrForeignKey, 1, 3, "fixture dangling.json: entry 1 (line 3), d_people pk 3: foreign key d_people.parent at commit: d_people 3 points at d_people 99, which does not exist"},
		{"broken.json", "[\n{\"model\": \"d_people\", \"pk\": 2, \"fields\": {}},\n{\"model\": \"d_people\", \"pk\": 3,",
			memrel.ErrFormat, 1, 3, "fixture broken.json: entry 1 (line 3): malformed input"},
		{"scalar.json", `42`, memrel.ErrFormat, -1, 1, "a fixture is a JSON array of entries or JSON Lines"},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := openFixtures(t)
			if err := memrel.LoadFixtures(db, writeFile(t, "seed.jsonl", seed)); err != nil {
				t.Fatal(err)
			}
			before := dumpDB(db)
			err := memrel.LoadFixtures(db, writeFile(t, c.name, c.text))
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			var fe *memrel.FixtureError
			if !errors.As(err, &fe) {
				t.Fatalf("%v is not a *FixtureError", err)
			}
			if filepath.Base(fe.File) != c.name || fe.Entry != c.entry || fe.Line != c.line {
				t.Errorf("FixtureError names %s entry %d line %d, want %s entry %d line %d", fe.File, fe.Entry, fe.Line, c.name, c.entry, c.line)
			}
			if msg := strings.ReplaceAll(err.Error(), filepath.Dir(fe.File)+string(filepath.Separator), ""); !strings.Contains(msg, c.msg) {
				t.Errorf("message %q lacks %q", msg, c.msg)
			}
			if after := dumpDB(db); after != before {
				t.Errorf("a refused load changed the DB:\n%s", diffLines(before, after))
			}
		})
	}
}

// Entries of several files reference each other; a file that is missing
// loads nothing.
func TestLoadFixturesSeveralFiles(t *testing.T) {
	db := openFixtures(t)
	a := writeFile(t, "a.json", `[{"model": "d_people", "pk": 2, "fields": {"ParentID": 1, "Name": "b"}}]`)
	b := writeFile(t, "b.jsonl", `{"model": "d_people", "pk": 1, "fields": {"Name": "a"}}`)
	if err := memrel.LoadFixtures(db, a, filepath.Join(t.TempDir(), "missing.json"), b); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a missing file: %v", err)
	}
	if got := dumpRows(dumpDB(db)); strings.Contains(got, "Name:") {
		t.Fatalf("a failed load left rows:\n%s", got)
	}
	if err := memrel.LoadFixtures(db, a, b); err != nil {
		t.Fatal(err)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

// LoadFixture loads into a transaction of the caller's, all or nothing.
func TestLoadFixtureInTransaction(t *testing.T) {
	db := openFixtures(t)
	tx := db.BeginWrite()
	defer tx.Abort()
	if _, err := DPeople.Insert(tx, DPerson{Name: "mine"}); err != nil {
		t.Fatal(err)
	}
	before := tx.Dump()
	err := memrel.LoadFixture(tx, "inline", strings.NewReader(`{"model": "d_people", "pk": 7, "fields": {}}
{"model": "d_notes", "pk": 1, "fields": {"title": "bad"}}`))
	if !errors.Is(err, memrel.ErrCheck) || !strings.Contains(err.Error(), "fixture inline: entry 1 (line 2)") {
		t.Fatalf("error %v", err)
	}
	if after := tx.Dump(); after != before {
		t.Errorf("a refused LoadFixture changed the transaction:\n%s", diffLines(before, after))
	}
	if err := memrel.LoadFixture(tx, "inline", strings.NewReader(`[{"model": "d_notes", "fields": {"title": "t", "author": 2}}, {"model": "d_people", "pk": 2, "fields": {}}]`)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *memrel.Tx) error {
		if n, ok := DNotes.Get(tx, 1); !ok || n.Author != memrel.Some[int64](2) {
			t.Errorf("note without a pk: %+v %v, want key 1 from the sequence, author 2", n, ok)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ro := db.BeginRead()
	defer ro.Abort()
	if err := memrel.LoadFixture(ro, "x", strings.NewReader("[]")); !errors.Is(err, memrel.ErrReadOnly) {
		t.Errorf("into a read transaction: %v", err)
	}
}
