package relations

// Declaration options that match Django's SET(None) and db_constraint=False.

// SetToNull makes the Set rule empty the key (Django's on_delete=SET(None)).
// Its effect is SetNull's; it exists so that a model written with SET(None)
// translates as written. The relation must be nullable: Open refuses it on
// a required key, as a database refuses NULL in a NOT NULL column. SetTo
// and SetFunc replace it, and it replaces them.
func (fk *FK[C, P, K]) SetToNull() *FK[C, P, K] {
	fk.d.mustBeOpen("SetToNull")
	var zero K
	fk.setTo, fk.setFunc, fk.d.hasSet, fk.d.setFunc, fk.d.setNull = zero, nil, true, false, true
	return fk
}

// NoConstraint declares a key whose parent's existence is not checked
// (Django's db_constraint=False), for data loaded out of order or from a
// legacy source: Insert and Update accept a key that names no row, Check
// does not report it, and a DoNothing relation does not make Commit fail.
// Everything else stays: the on-delete rule applies to the rows that point
// at a deleted parent (Cascade deletes them, Protect refuses, SetNull
// empties them...), a value written by SetDefault or Set is not checked
// either, a one-to-one stays unique, and Parent reports false for a key
// whose row is missing.
func (fk *FK[C, P, K]) NoConstraint() *FK[C, P, K] {
	fk.d.mustBeOpen("NoConstraint")
	fk.d.unchecked = true
	return fk
}

// SetToNull makes the Set rule empty the key; see FK.SetToNull.
func (o *OneToOneFK[C, P, K]) SetToNull() *OneToOneFK[C, P, K] {
	o.FK.SetToNull()
	return o
}

// NoConstraint declares a key whose parent's existence is not checked; see
// FK.NoConstraint.
func (o *OneToOneFK[C, P, K]) NoConstraint() *OneToOneFK[C, P, K] {
	o.FK.NoConstraint()
	return o
}
