package relations_test

import (
	"errors"
	"testing"

	"github.com/memrel-go/memrel"
)

type kyPatient struct {
	ID   int64
	Name string
}

// kyRecord shares its patient's key (Django's OneToOneField(primary_key=True)).
type kyRecord struct {
	PatientID int64
	Notes     string
}

// kyProfile has a key of its own, and a one-to-one to its patient.
type kyProfile struct {
	ID        int64
	PatientID int64
}

// A table whose primary key is also its foreign key must never number a
// row from its own sequence: the number would silently name an unrelated
// parent. memrel detects the shared field and makes the caller choose the
// key; a refused insert leaves everything as it was.
func TestKeyThatIsAForeignKeyIsNeverNumbered(t *testing.T) {
	patients := memrel.NewTable("ky_patients", func(p *kyPatient) *int64 { return &p.ID })
	records := memrel.NewTable("ky_records", func(r *kyRecord) *int64 { return &r.PatientID })
	profiles := memrel.NewTable("ky_profiles", func(p *kyProfile) *int64 { return &p.ID })
	recordOf := memrel.OneToOne(records, func(r *kyRecord) *int64 { return &r.PatientID },
		patients, memrel.Cascade).Related("record")
	profileOf := memrel.OneToOne(profiles, func(p *kyProfile) *int64 { return &p.PatientID },
		patients, memrel.Cascade).Related("profile")
	db, err := memrel.Open(memrel.Schema{
		Tables:    []memrel.AnyTable{patients, records, profiles},
		Relations: []memrel.Relation{recordOf, profileOf},
	})
	if err != nil {
		t.Fatal(err)
	}
	tx := db.BeginWrite()
	defer tx.Abort()
	for _, n := range []string{"dana", "eli"} {
		if _, err := patients.Insert(tx, kyPatient{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := records.Insert(tx, kyRecord{PatientID: 2, Notes: "eli's"}); err != nil {
		t.Fatalf("a record with its patient's key: %v", err)
	}

	refused := func(what string, row kyRecord, want error) {
		t.Helper()
		before := tx.Dump()
		_, err := records.Insert(tx, row)
		if !errors.Is(err, want) {
			t.Fatalf("%s: err = %v, want %v", what, err, want)
		}
		if after := tx.Dump(); after != before {
			t.Fatalf("%s changed the store:\nbefore:\n%s\nafter:\n%s", what, before, after)
		}
		if err := tx.Check(); err != nil {
			t.Fatalf("%s: Check: %v", what, err)
		}
	}
	// Numbered from the records' own sequence, this row would get key 1 and
	// belong to dana, whom nobody named.
	refused("a record with no key", kyRecord{Notes: "whose?"}, memrel.ErrInvalidKey)
	var ke *memrel.KeyError
	if _, err := records.Insert(tx, kyRecord{}); !errors.As(err, &ke) || ke.Table != "ky_records" {
		t.Errorf("error %v is not a *KeyError naming ky_records", err)
	}
	refused("a second record for eli", kyRecord{PatientID: 2}, memrel.ErrExists)
	refused("a record for a missing patient", kyRecord{PatientID: 9}, memrel.ErrForeignKey)

	// The transaction is still usable, and the rows link as named.
	if _, err := records.Insert(tx, kyRecord{PatientID: 1, Notes: "dana's"}); err != nil {
		t.Fatalf("a record for dana after the refusals: %v", err)
	}
	if r, ok := recordOf.Child(tx, 1); !ok || r.Notes != "dana's" {
		t.Errorf("dana's record = %+v, %v", r, ok)
	}
	// A one-to-one with a key of its own is still numbered (the control).
	if p, err := profiles.Insert(tx, kyProfile{PatientID: 2}); err != nil || p.ID != 1 {
		t.Errorf("a profile with its own key = %+v, %v; want key 1 from the sequence", p, err)
	}
	res, err := patients.Delete(tx, 2)
	if err != nil || res.Deleted["ky_records"] != 1 || res.Deleted["ky_profiles"] != 1 {
		t.Errorf("deleting eli = %v, %v; want his record and profile cascaded", res, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}
