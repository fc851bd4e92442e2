package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/memrel-go/memrel/internal/quote"
)

// The sentinel errors of memrel, grouped by the operation that returns them.
// Every error memrel returns wraps one of these, so errors.Is works on it;
// most also come as a typed error (KeyError here, ForeignKeyError,
// ProtectedError, RestrictedError, UniqueError and CheckError in package
// relations) that errors.As can extract with the table, key and rows
// involved. The root package memrel re-exports all of them.
var (
	// Schema (Open).

	// ErrSchema is returned by Open when the schema is invalid; the error
	// joins one error per problem found.
	ErrSchema = errors.New("invalid schema")
	// ErrUnknownTable is returned when an operation names a table that is
	// not part of the DB's schema.
	ErrUnknownTable = errors.New("table not in schema")

	// Transactions.

	// ErrReadOnly is returned when a write is attempted in a read
	// transaction.
	ErrReadOnly = errors.New("transaction is read-only")
	// ErrTxClosed is returned when a transaction is used after Commit or
	// Abort.
	ErrTxClosed = errors.New("transaction is closed")

	// Rows.

	// ErrNotFound is returned when a key names no row (Update, Delete).
	ErrNotFound = errors.New("not found")
	// ErrExists is returned when Insert is given a key that is taken.
	ErrExists = errors.New("key already exists")
	// ErrInvalidKey is returned when a caller-chosen key is not usable: an
	// empty string key, or an integer sequence that ran past its type.
	ErrInvalidKey = errors.New("invalid key")

	// Relations and constraints (the typed errors live in package relations).

	// ErrForeignKey is returned when a row would point at a missing parent
	// row, on Insert and Update, and at Commit for DoNothing relations.
	ErrForeignKey = errors.New("foreign key violation")
	// ErrProtected is returned when a delete reaches a row referenced
	// through a Protect relation.
	ErrProtected = errors.New("protected")
	// ErrRestricted is returned when a delete reaches a row referenced
	// through a Restrict relation by a row that the delete does not remove.
	ErrRestricted = errors.New("restricted")
	// ErrUnique is returned when a row would duplicate the values of a unique
	// constraint (one-to-one relations included).
	ErrUnique = errors.New("unique constraint violation")
	// ErrCheck is returned when a row fails a check constraint.
	ErrCheck = errors.New("check constraint violation")
	// ErrIntegrity is returned by Check when the store is inconsistent.
	ErrIntegrity = errors.New("integrity check failed")

	// Fixtures and saved DBs.

	// ErrFormat is returned when a fixture or a saved DB cannot be read:
	// malformed JSON, an unknown field, an unknown format version.
	ErrFormat = errors.New("malformed input")
)

// KeyError reports an operation on one row, named by its table and key, that
// failed with Err (ErrNotFound, ErrExists or ErrInvalidKey).
type KeyError struct {
	Table string
	Key   any
	// Keys lists every missing key of a Delete (Key is the first of
	// them); nil for the other operations, which name one row.
	Keys []any
	Err  error
}

func (e *KeyError) Error() string {
	if len(e.Keys) > 1 {
		var b strings.Builder
		for i, k := range e.Keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quote.Key(k))
		}
		return fmt.Sprintf("memrel: %s %s: %v", e.Table, b.String(), e.Err)
	}
	return fmt.Sprintf("memrel: %s %s: %v", e.Table, quote.Key(e.Key), e.Err)
}

func (e *KeyError) Unwrap() error { return e.Err }

// TableError reports an operation on a table that failed with Err, such as
// ErrUnknownTable.
type TableError struct {
	Table string
	Err   error
}

func (e *TableError) Error() string {
	return fmt.Sprintf("memrel: table %s: %v", e.Table, e.Err)
}

func (e *TableError) Unwrap() error { return e.Err }
