package store

// rowValue returns obj, a *Row of this table, as a Row value, for an error
// to show the row it refused. Without withKey its key is left zero: the
// row of a refused Insert whose key the sequence was to assign, and never
// handed out, is shown as the caller gave it.
func (ti *TableInfo) rowValue(obj any, withKey bool) any { return ti.value(obj, withKey) }
