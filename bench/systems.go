package bench

// System is one of the compared stores.
type System struct {
	Name string
	New  func() (Store, error)
}

// Systems lists every compared store; benchmarks name them
// "system=<Name>".
var Systems = []System{
	{"memrel", NewMemrel},
	{"memdb", NewMemdb},
	{"sqlite-mattn", NewSQLiteMattn},
	{"sqlite-modernc", NewSQLiteModernc},
	{"maps", NewMaps},
}
