// Package profiles is the Profiles domain: one-to-one relations. A user has
// at most one profile; a patient has at most one medical record, kept in a
// table of its own so that listing patients never reads sensitive data. The
// Django models it mirrors:
//
//	class Profile(Model):
//	    user = OneToOneField(User, CASCADE, related_name="profile")
//	    timezone = CharField(default="UTC")
//	    marketing_opt_in = BooleanField(default=False)
//	class Patient(Model):
//	    name = CharField()
//	class PatientMedicalRecord(Model):
//	    patient = OneToOneField(Patient, CASCADE, related_name="medical_record")
//	    blood_type = CharField(); allergies = TextField()
package profiles

import (
	"errors"
	"fmt"
	"io"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/examples/internal/show"
)

// User is a row of users.
type User struct {
	ID       int64
	Username string
}

// Profile is a row of profiles.
type Profile struct {
	ID             int64
	UserID         int64
	Timezone       string // "" is filled in as "UTC"
	MarketingOptIn bool   // false unless the user opts in
}

// Patient is a row of patients.
type Patient struct {
	ID   int64
	Name string
}

// MedicalRecord is a row of patient_medical_records.
type MedicalRecord struct {
	ID        int64
	PatientID int64
	BloodType string
	Allergies string
}

// The schema. profileF and recordF are the field-reference rows of Profile
// and MedicalRecord (memrel.Fields): &profileF.UserID names the UserID field
// of Profile, checked by the compiler. The F suffix keeps them apart from row
// variables; nothing reads or writes them. A one-to-one's reverse name is
// its child row type's name in snake case, as related_name says here:
// user.profile, patient.medical_record.
var (
	profileF, recordF = memrel.Fields[Profile](), memrel.Fields[MedicalRecord]()

	Users = memrel.NewTable("users", func(u *User) *int64 { return &u.ID })
	// marketing_opt_in needs no default: Go's false is Django's default.
	Profiles = memrel.NewTable("profiles", func(p *Profile) *int64 { return &p.ID },
		memrel.Default(&profileF.Timezone, "UTC"))
	Patients       = memrel.NewTable("patients", func(p *Patient) *int64 { return &p.ID })
	MedicalRecords = memrel.NewTable("patient_medical_records", func(r *MedicalRecord) *int64 { return &r.ID })

	ProfileUser   = memrel.OneToOne(Profiles, &profileF.UserID, Users, memrel.Cascade)
	RecordPatient = memrel.OneToOne(MedicalRecords, &recordF.PatientID, Patients, memrel.Cascade)

	Schema = memrel.Schema{Tables: []memrel.AnyTable{Users, Profiles, Patients, MedicalRecords}}
)

// Run opens a DB with the schema and walks through the domain, writing what
// happens to w.
func Run(w io.Writer) error {
	_, err := RunDB(w)
	return err
}

// RunDB is Run that also returns the DB, in the state the walk leaves it
// (for tests that dump or save it).
func RunDB(w io.Writer) (*memrel.DB, error) {
	db, err := memrel.Open(Schema)
	if err != nil {
		return nil, err
	}
	return db, run(w, db)
}

func run(w io.Writer, db *memrel.DB) error {
	say := show.New(w)
	var err error

	var ann, bob User
	var profile Profile
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		if ann, err = Users.Insert(tx, User{Username: "ann"}); err != nil {
			return err
		}
		if bob, err = Users.Insert(tx, User{Username: "bob"}); err != nil {
			return err
		}
		profile, err = Profiles.Insert(tx, Profile{UserID: ann.ID})
		return err
	})
	if err != nil {
		return err
	}
	say.Line("Created users %s (id %d) and %s (id %d). Only ann gets a profile, every field left to its default:",
		ann.Username, ann.ID, bob.Username, bob.ID)
	say.Line("  profile %d of user %d: timezone %q, marketing_opt_in %t", profile.ID, profile.UserID,
		profile.Timezone, profile.MarketingOptIn)

	say.Line("")
	say.Line("A user has at most one profile (profiles.user is one-to-one):")
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := Profiles.Insert(tx, Profile{UserID: ann.ID, Timezone: "Europe/Paris"})
		return err
	})
	var ue *memrel.UniqueError
	if !errors.As(err, &ue) {
		return fmt.Errorf("a second profile: want a UniqueError, got %v", err)
	}
	say.Line("  a second profile for ann is refused: %v", err)

	say.Line("")
	say.Line("Following the relation both ways:")
	err = db.View(func(tx *memrel.Tx) error {
		for _, u := range []User{ann, bob} {
			if p, ok := ProfileUser.Child(tx, u.ID); ok {
				say.Line("  %s.%s: profile %d, timezone %s", u.Username, ProfileUser.RelatedName(), p.ID, p.Timezone)
			} else {
				say.Line("  %s.%s: none", u.Username, ProfileUser.RelatedName())
			}
		}
		u, _ := ProfileUser.Parent(tx, profile)
		say.Line("  profile %d.user: %s", profile.ID, u.Username)
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("Patients and their medical records, kept in a table apart:")
	var dana Patient
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		if dana, err = Patients.Insert(tx, Patient{Name: "Dana"}); err != nil {
			return err
		}
		if _, err = Patients.Insert(tx, Patient{Name: "Eli"}); err != nil {
			return err
		}
		_, err = MedicalRecords.Insert(tx, MedicalRecord{PatientID: dana.ID, BloodType: "O+", Allergies: "penicillin"})
		return err
	})
	if err != nil {
		return err
	}
	err = db.View(func(tx *memrel.Tx) error {
		for p := range Patients.All(tx) {
			say.Line("  patient %d %s", p.ID, p.Name) // no medical data read
		}
		for p := range Patients.All(tx) {
			if r, ok := RecordPatient.Child(tx, p.ID); ok {
				say.Line("  %s.%s: blood type %s, allergies: %s", p.Name, RecordPatient.RelatedName(), r.BloodType, r.Allergies)
			} else {
				say.Line("  %s.%s: none", p.Name, RecordPatient.RelatedName())
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := MedicalRecords.Insert(tx, MedicalRecord{PatientID: dana.ID, BloodType: "A-"})
		return err
	})
	if !errors.As(err, &ue) {
		return fmt.Errorf("a second medical record: want a UniqueError, got %v", err)
	}
	say.Line("  a second record for Dana is refused: %v", err)

	say.Line("")
	say.Line("Deleting a user deletes the profile, deleting a patient the record (both Cascade):")
	var res memrel.DeleteResult
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		res, err = Users.Delete(tx, ann.ID)
		return err
	})
	if err != nil {
		return err
	}
	say.Line("  delete user ann: %v", res)
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		res, err = Patients.Delete(tx, dana.ID)
		return err
	})
	if err != nil {
		return err
	}
	say.Line("  delete patient Dana: %v", res)
	err = db.View(func(tx *memrel.Tx) error {
		say.Line("  left: users %d, profiles %d, patients %d, patient_medical_records %d",
			Users.Len(tx), Profiles.Len(tx), Patients.Len(tx), MedicalRecords.Len(tx))
		return nil
	})
	if err != nil {
		return err
	}

	return say.Finish(db)
}
