package relations

import "fmt"

// OnDelete is what happens to the rows that reference a row being deleted.
// The rules are Django's on_delete options; the zero value is not a rule,
// and Open refuses a relation declared with it.
type OnDelete uint8

const (
	_ OnDelete = iota // the zero value is not a rule
	// Cascade deletes the referencing rows too, and what references them.
	Cascade
	// Protect refuses the delete while any row references it, even a row
	// that the same delete would remove through another relation.
	Protect
	// Restrict refuses the delete, unless every referencing row is removed
	// by the same delete through a Cascade path (Django's RESTRICT).
	Restrict
	// SetNull empties the referencing field; the relation must be nullable.
	SetNull
	// SetDefault sets the referencing field to the relation's Default.
	SetDefault
	// Set sets the referencing field to the value given with SetTo or
	// computed by the function given with SetFunc.
	Set
	// DoNothing leaves referencing rows alone, as SQL's NO ACTION: inside the
	// transaction they may be re-pointed or deleted, and Commit fails with a
	// ForeignKeyError if any still points at a missing row.
	DoNothing
)

var _ fmt.Stringer = Cascade

func (a OnDelete) String() string {
	switch a {
	case Cascade:
		return "Cascade"
	case Protect:
		return "Protect"
	case Restrict:
		return "Restrict"
	case SetNull:
		return "SetNull"
	case SetDefault:
		return "SetDefault"
	case Set:
		return "Set"
	case DoNothing:
		return "DoNothing"
	}
	return fmt.Sprintf("OnDelete(%d)", uint8(a))
}

func (a OnDelete) valid() bool { return a >= Cascade && a <= DoNothing }
