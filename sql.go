package memrel

import (
	"io"

	"github.com/memrel-go/memrel/relations"
)

// Leaving for SQL: a DB's schema as SQL DDL and its rows as INSERT
// statements, for SQLite and PostgreSQL.

type (
	// SQLDialect is the SQL database that WriteSQLSchema and WriteSQLData
	// write for: SQLite or PostgreSQL; see relations.SQLDialect.
	SQLDialect = relations.SQLDialect
	// SQLGap is a part of a schema that the SQL written for it lacks, such
	// as a check written in Go with no SQL form; see relations.SQLGap.
	SQLGap = relations.SQLGap
)

// The SQL dialects.
const (
	SQLite     = relations.SQLite
	PostgreSQL = relations.PostgreSQL
)

// WriteSQLSchema writes the schema of db to w as SQL DDL for dialect
// (CREATE TABLE with keys, foreign keys and their on-delete rules, unique
// and check constraints, an index per foreign key, tables in dependency
// order) and returns what the SQL lacks: every check or partial condition
// written in Go with no SQL form given (CheckConstraint.SQL,
// UniqueConstraint.WhereSQL), and whatever else has no SQL equivalent, each
// also written as a comment. See relations.WriteSQLSchema for the mapping.
//
//	gaps, err := memrel.WriteSQLSchema(f, db, memrel.PostgreSQL)
//	for _, g := range gaps {
//		log.Printf("not in the SQL: %v", g)
//	}
//
// Possible errors: ErrSchema, and w's.
func WriteSQLSchema(w io.Writer, db *DB, dialect SQLDialect) ([]SQLGap, error) {
	return relations.WriteSQLSchema(w, db, dialect)
}

// WriteSQLData writes the rows tx sees to w as a script of INSERT
// statements for dialect, in one transaction, tables in WriteSQLSchema's
// order, so that the schema and the rows load into an empty database and
// satisfy every constraint; it then moves the database's sequences to
// memrel's. See relations.WriteSQLData for the values' forms (times in UTC
// to the nanosecond, which PostgreSQL rounds to the microsecond).
//
// Possible errors: ErrSchema, a value the dialect cannot hold (named by
// table, key and field), and w's.
func WriteSQLData(w io.Writer, tx *Tx, dialect SQLDialect) error {
	return relations.WriteSQLData(w, tx, dialect)
}
