package bench

import (
	"fmt"

	sqlite3 "github.com/mattn/go-sqlite3"
	_ "modernc.org/sqlite" // the "sqlite" driver
)

// NewSQLiteMattn returns an empty SQLite store on mattn/go-sqlite3 (cgo).
func NewSQLiteMattn() (Store, error) { return openSQLite(mattnDriver) }

// NewSQLiteModernc returns an empty SQLite store on modernc.org/sqlite.
func NewSQLiteModernc() (Store, error) { return openSQLite(modernDriver) }

// mattn forks with the backup API into the scratch connection: its
// Deserialize maps the buffer without SQLITE_DESERIALIZE_RESIZEABLE, so the
// copy could not grow (BENCHMARKS.md gives both figures).
var mattnDriver = &sqliteDriver{name: "sqlite3", restore: mattnBackup}

// modernc forks by deserializing into the scratch connection a template
// serialized once, at the first Fork (the template must not change after
// it); its backup API opens a connection per copy.
var modernDriver = &sqliteDriver{name: "sqlite", restore: moderncDeserialize}

// rawPair runs fn with the driver connections of src and dst.
func rawPair(src, dst *sqliteStore, fn func(src, dst any) error) error {
	return src.conn.Raw(func(s any) error {
		return dst.conn.Raw(func(d any) error { return fn(s, d) })
	})
}

func mattnBackup(src, dst *sqliteStore) error {
	return rawPair(src, dst, func(s, d any) error {
		sc, ok1 := s.(*sqlite3.SQLiteConn)
		dc, ok2 := d.(*sqlite3.SQLiteConn)
		if !ok1 || !ok2 {
			return fmt.Errorf("not mattn connections: %T, %T", s, d)
		}
		bk, err := dc.Backup("main", sc, "main")
		if err != nil {
			return err
		}
		done, err := bk.Step(-1)
		if err == nil && !done {
			err = fmt.Errorf("backup not done after one step")
		}
		if ferr := bk.Finish(); err == nil {
			err = ferr
		}
		return err
	})
}

// mattnDeserialize is the alternative measured by BenchmarkW7ForkVariants.
func mattnDeserialize(src, dst *sqliteStore) error {
	if src.template == nil {
		err := src.conn.Raw(func(c any) error {
			b, err := c.(*sqlite3.SQLiteConn).Serialize("main")
			src.template = b
			return err
		})
		if err != nil {
			return err
		}
	}
	return dst.conn.Raw(func(c any) error { return c.(*sqlite3.SQLiteConn).Deserialize(src.template, "main") })
}

// moderncSerializer is what modernc's driver connection offers.
type moderncSerializer interface {
	Serialize() ([]byte, error)
	Deserialize([]byte) error
}

func moderncDeserialize(src, dst *sqliteStore) error {
	if src.template == nil {
		err := src.conn.Raw(func(c any) error {
			sc, ok := c.(moderncSerializer)
			if !ok {
				return fmt.Errorf("%T cannot serialize", c)
			}
			b, err := sc.Serialize()
			src.template = b
			return err
		})
		if err != nil {
			return err
		}
	}
	return dst.conn.Raw(func(c any) error {
		dc, ok := c.(moderncSerializer)
		if !ok {
			return fmt.Errorf("%T cannot deserialize", c)
		}
		return dc.Deserialize(src.template)
	})
}
