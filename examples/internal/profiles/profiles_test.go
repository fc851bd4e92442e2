package profiles

import (
	"testing"

	"github.com/memrel-go/memrel/examples/internal/showtest"
)

func TestRun(t *testing.T) {
	showtest.Check(t, Run,
		`profile 1 of user 1: timezone "UTC", marketing_opt_in false`,
		"a second profile for ann is refused: memrel: one-to-one profiles.user: users 1 already has profiles 1",
		"ann.profile: profile 1, timezone UTC",
		"bob.profile: none",
		"profile 1.user: ann",
		"Dana.medical_record: blood type O+, allergies: penicillin",
		"Eli.medical_record: none",
		"a second record for Dana is refused: memrel: one-to-one patient_medical_records.patient: patients 1 already has patient_medical_records 1",
		"delete user ann: deleted profiles 1, users 1",
		"delete patient Dana: deleted patient_medical_records 1, patients 1",
		"left: users 1, profiles 0, patients 1, patient_medical_records 0",
		"Integrity check (db.Check): ok",
	)
}
