// Package sqlengines proves memrel's SQL export on real engines: for each
// of the seven example domains it loads the DDL of memrel.WriteSQLSchema
// and the rows of memrel.WriteSQLData into SQLite (in memory, foreign keys
// on) and into PostgreSQL, reads every row back and compares it with
// memrel's, then runs the same deletes on memrel and on each engine and
// compares the states they leave; and it pins, as asserted expectations,
// every difference that SQL's row-by-row rules make.
//
// It is a module of its own, so that the database drivers never enter the
// library's go.mod. The PostgreSQL tests need a server: set
// MEMREL_POSTGRES_URL (for example postgres://postgres@/postgres?host=/tmp/pg)
// or run bash ../../.ci/with-postgres go test ./... in this directory, which
// starts a throwaway cluster (bash .ci/run does it too). Without one they
// skip, except under CI (CI set), where a skip fails.
package sqlengines
