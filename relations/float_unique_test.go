package relations_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/memrel-go/memrel"
)

type fuReading struct {
	ID    int64
	Value float64
	Alt   memrel.Null[float32]
	Where [2]float64
}

// Unique constraints on floats follow the key order: every NaN is one value
// (as in a PostgreSQL unique index, where NaN = NaN), and -0 is 0 (Go's ==
// holds them equal). So a second NaN, whatever its bits, collides with the
// first, and -0 with 0, in a plain, a Null and an array value.
func TestUniqueFloatNaNAndNegativeZeroCollide(t *testing.T) {
	readings := memrel.NewTable("readings", func(r *fuReading) *int64 { return &r.ID })
	uValue := memrel.UniqueFunc(readings, "uniq_value", func(r *fuReading) float64 { return r.Value })
	uAlt := memrel.UniqueFunc(readings, "uniq_alt", func(r *fuReading) memrel.Null[float32] { return r.Alt })
	uWhere := memrel.UniqueFunc(readings, "uniq_where", func(r *fuReading) [2]float64 { return r.Where })
	db := openDB(t, memrel.Schema{
		Tables:      []memrel.AnyTable{readings},
		Constraints: []memrel.Constraint{uValue, uAlt, uWhere},
	})
	nanA := math.Float64frombits(0x7FF8000000000001)
	nanB := math.Float64frombits(0xFFF0000000000042) // negative, signalling, another payload
	nan32 := math.Float32frombits(0xFFC00001)
	negZero := math.Copysign(0, -1)

	tx := beginTx(t, db)
	// Row 1 holds a NaN in each field; row 2 holds zeros.
	_, err := readings.Insert(tx, fuReading{Value: nanA, Alt: memrel.Some(float32(math.NaN())), Where: [2]float64{nanA, 1}})
	mustOK(t, err)
	_, err = readings.Insert(tx, fuReading{Value: 0, Alt: memrel.Some(float32(0)), Where: [2]float64{0, 0}})
	mustOK(t, err)

	for _, c := range []struct {
		name, constraint string
		conflict         int64
		row              fuReading
	}{
		{"another NaN", "uniq_value", 1, fuReading{Value: nanB, Alt: memrel.Some[float32](5), Where: [2]float64{5, 5}}},
		{"negative zero", "uniq_value", 2, fuReading{Value: negZero, Alt: memrel.Some[float32](6), Where: [2]float64{6, 6}}},
		{"another float32 NaN in a Null", "uniq_alt", 1, fuReading{Value: 7, Alt: memrel.Some(nan32), Where: [2]float64{7, 7}}},
		{"negative zero in a Null", "uniq_alt", 2, fuReading{Value: 8, Alt: memrel.Some(float32(negZero)), Where: [2]float64{8, 8}}},
		{"another NaN in an array", "uniq_where", 1, fuReading{Value: 9, Alt: memrel.Some[float32](9), Where: [2]float64{nanB, 1}}},
		{"negative zeros in an array", "uniq_where", 2, fuReading{Value: 10, Alt: memrel.Some[float32](10), Where: [2]float64{negZero, negZero}}},
	} {
		err := refused(t, tx, memrel.ErrUnique, func() error {
			_, err := readings.Insert(tx, c.row)
			return err
		})
		var ue *memrel.UniqueError
		if !errors.As(err, &ue) {
			t.Errorf("%s: error %v (%T) is not a *UniqueError", c.name, err, err)
			continue
		}
		if ue.Constraint != c.constraint || ue.Conflict.Key != c.conflict {
			t.Errorf("%s: UniqueError{Constraint: %q, Conflict: %v}, want %s against readings %d", c.name, ue.Constraint, ue.Conflict, c.constraint, c.conflict)
		}
		if !strings.Contains(err.Error(), c.constraint) || !strings.Contains(err.Error(), "readings") {
			t.Errorf("%s: message %q does not name the constraint and the table", c.name, err)
		}
	}
	// Updating row 2 to another NaN collides with row 1; keeping a NaN
	// with other bits on row 1 itself is no collision.
	refused(t, tx, memrel.ErrUnique, func() error {
		_, err := readings.Update(tx, fuReading{ID: 2, Value: nanB, Alt: memrel.Some(float32(0)), Where: [2]float64{0, 0}})
		return err
	})
	_, err = readings.Update(tx, fuReading{ID: 1, Value: nanB, Alt: memrel.Some(nan32), Where: [2]float64{nanB, 1}})
	mustOK(t, err)
	finishTx(t, db, tx)
}
