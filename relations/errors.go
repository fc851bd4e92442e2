package relations

import (
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/memrel-go/memrel/internal/quote"
	"github.com/memrel-go/memrel/store"
)

// RowRef names one row: its table and primary key. New marks a row that a
// refused Insert was adding; its Key is then nil if the key was to come from
// the table's sequence (which never handed it out).
type RowRef struct {
	Table string
	Key   any
	New   bool
}

func (r RowRef) String() string {
	if r.New {
		if r.Key == nil || reflect.ValueOf(r.Key).IsZero() {
			return fmt.Sprintf("a new %s row", r.Table)
		}
		return fmt.Sprintf("a new %s row %s", r.Table, quote.Key(r.Key))
	}
	return fmt.Sprintf("%s %s", r.Table, quote.Key(r.Key))
}

// BlockingRow is a row that stops a delete, with the relation (child
// table.field) through which it references a row being deleted.
type BlockingRow struct {
	RowRef
	Relation string
}

func (b BlockingRow) String() string { return fmt.Sprintf("%s (through %s)", b.RowRef, b.Relation) }

// ForeignKeyError reports a row that points, through Relation, at a parent
// row that does not exist: on Insert or Update (the parent is missing), at
// Commit (a DoNothing relation left the row pointing at a deleted parent),
// or in a delete whose SetDefault or Set value names a missing or deleted
// row. It unwraps to store.ErrForeignKey.
type ForeignKeyError struct {
	Relation string // "posts.author"
	Row      RowRef // the referencing row
	Field    string // "author"
	Parent   RowRef // the missing parent row
	AtCommit bool   // raised by Commit, for a DoNothing relation
}

func (e *ForeignKeyError) Error() string {
	when := ""
	if e.AtCommit {
		when = " at commit"
	}
	return fmt.Sprintf("memrel: foreign key %s%s: %s points at %s, which does not exist", e.Relation, when, e.Row, e.Parent)
}

func (e *ForeignKeyError) Unwrap() error { return store.ErrForeignKey }

// ProtectedError reports a delete refused because rows reference the rows
// being deleted (directly or behind a Cascade) through Protect relations.
// Nothing was changed. It unwraps to store.ErrProtected.
type ProtectedError struct {
	Table string // the table the delete was called on
	Keys  []any  // the keys it was called with
	// Relations are the relations of Table through which protected rows were
	// reached (Django's message keys): the first hop, which for a row
	// protected behind a Cascade is the cascading relation.
	Relations []string
	// Rows are the protecting rows, each with the Protect relation itself.
	Rows []BlockingRow
}

func (e *ProtectedError) Error() string {
	return blockedMessage(e.Table, e.Keys, "protected", e.Rows)
}

func (e *ProtectedError) Unwrap() error { return store.ErrProtected }

// RestrictedError reports a delete refused because rows that the delete
// does not remove reference the rows being deleted through Restrict
// relations. Nothing was changed. It unwraps to store.ErrRestricted.
type RestrictedError struct {
	Table     string   // the table the delete was called on
	Keys      []any    // the keys it was called with
	Relations []string // the Restrict relations that still have rows
	Rows      []BlockingRow
}

func (e *RestrictedError) Error() string {
	return blockedMessage(e.Table, e.Keys, "restricted", e.Rows)
}

func (e *RestrictedError) Unwrap() error { return store.ErrRestricted }

// blockedMessage reads "memrel: cannot delete users 3: protected by
// orders.customer (orders 7, 9)".
func blockedMessage(table string, keys []any, how string, rows []BlockingRow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "memrel: cannot delete %s %s: %s by ", table, joinAny(keys), how)
	var rels []string
	byRel := map[string][]any{}
	tables := map[string]string{}
	for _, r := range rows {
		if _, ok := byRel[r.Relation]; !ok {
			rels = append(rels, r.Relation)
		}
		byRel[r.Relation] = append(byRel[r.Relation], r.Key)
		tables[r.Relation] = r.Table
	}
	for i, rel := range rels {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (%s %s)", rel, tables[rel], joinAny(byRel[rel]))
	}
	return b.String()
}

func joinAny(vs []any) string {
	const max = 10
	var b strings.Builder
	for i, v := range vs {
		if i == max {
			fmt.Fprintf(&b, ", and %d more", len(vs)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quote.Key(v))
	}
	return b.String()
}

// UniqueError reports a row whose values in a unique constraint (or a
// one-to-one relation) are those of another row. It unwraps to
// store.ErrUnique.
type UniqueError struct {
	Constraint string // the constraint's name, or the one-to-one relation
	Table      string
	Row        RowRef // the row refused
	Conflict   RowRef // the row it collides with
	Value      any    // the constrained value they share
	// Parent is set for a one-to-one relation: the parent row that already
	// has its one child (Conflict).
	Parent *RowRef
	// RowData and ConflictData are the two rows themselves, values of the
	// table's row type: the row refused (with a zero key if its key was to
	// come from the sequence) and the stored row it collides with. The
	// message shows them when the value is composite (a struct or an
	// array), whose parts the value alone does not name.
	RowData, ConflictData any
	// Fields names the constrained fields when the constraint was declared
	// on fields (Unique, UniqueTogether); the message then says which
	// field holds which value.
	Fields []string
}

func (e *UniqueError) Error() string {
	if e.Parent != nil {
		return fmt.Sprintf("memrel: one-to-one %s: %s already has %s, so %s cannot reference it too", e.Constraint, e.Parent, e.Conflict, e.Row)
	}
	if len(e.Fields) > 0 {
		return fmt.Sprintf("memrel: unique constraint %s on %s: %s has %s, as %s does",
			e.Constraint, e.Table, e.Row, showFields(e.Fields, e.Value), e.Conflict)
	}
	if composite(e.Value) && e.RowData != nil && e.ConflictData != nil {
		return fmt.Sprintf("memrel: unique constraint %s on %s: %s %s has the value %s of %s %s",
			e.Constraint, e.Table, e.Row, showRow(e.RowData), showValue(e.Value), e.Conflict, showRow(e.ConflictData))
	}
	return fmt.Sprintf("memrel: unique constraint %s on %s: %s has the value %s of %s", e.Constraint, e.Table, e.Row, showValue(e.Value), e.Conflict)
}

func (e *UniqueError) Unwrap() error { return store.ErrUnique }

// CheckError reports a row that fails a check constraint. It unwraps to
// store.ErrCheck.
type CheckError struct {
	Constraint string
	Table      string
	Row        RowRef
	// RowData is the row refused, a value of the table's row type (with a
	// zero key if its key was to come from the sequence).
	RowData any
}

func (e *CheckError) Error() string {
	if e.RowData != nil {
		return fmt.Sprintf("memrel: check constraint %s on %s: %s violates it: %s", e.Constraint, e.Table, e.Row, showRow(e.RowData))
	}
	return fmt.Sprintf("memrel: check constraint %s on %s: %s violates it", e.Constraint, e.Table, e.Row)
}

func (e *CheckError) Unwrap() error { return store.ErrCheck }

// showValue quotes strings, so that an empty or spaced value reads clearly,
// and names the fields of a struct.
func showValue(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	if composite(v) {
		return fmt.Sprintf("%+v", v)
	}
	return fmt.Sprintf("%v", v)
}

// showFields shows the values of named fields: "username = \"ann\"", or
// "(follower, followed) = (1, 2)" for the parts of a Pair.
func showFields(fields []string, v any) string {
	p, ok := v.(interface{ parts() []any })
	if len(fields) == 1 || !ok {
		return fmt.Sprintf("%s = %s", strings.Join(fields, ", "), showValue(v))
	}
	vals := make([]string, 0, len(fields))
	for _, x := range p.parts() {
		vals = append(vals, showValue(x))
	}
	return fmt.Sprintf("(%s) = (%s)", strings.Join(fields, ", "), strings.Join(vals, ", "))
}

// showRow formats a row with its field names, cut short after 200
// characters (a long text field would bury the message; the error holds the
// whole row).
func showRow(row any) string {
	const max = 200
	s := fmt.Sprintf("%+v", row)
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return fmt.Sprintf("%s... (%d more characters)", string(r[:max]), len(r)-max)
}

// composite reports whether v is a value of several parts (an array, or a
// struct that does not format itself as one value, as Null and time.Time
// do): a unique error then shows the two rows, which name the fields.
func composite(v any) bool {
	if v == nil {
		return false
	}
	switch reflect.TypeOf(v).Kind() {
	case reflect.Array:
		return true
	case reflect.Struct:
		_, one := v.(fmt.Stringer)
		return !one
	}
	return false
}

// rowData is a row for an error to show: without the key the sequence was
// to assign to a new row (self names it without one).
func rowData(t *store.TableInfo, self RowRef, obj any) any {
	return eng.RowValue(t, obj, !self.New || self.Key != nil)
}

// integrityError is a problem that Check found: "memrel: check: <the
// problem>: integrity check failed", as the store's own Check reports one.
// It unwraps to the problem (errors.As finds a *ForeignKeyError in it) and
// to store.ErrIntegrity.
type integrityError struct{ err error }

func (e integrityError) Error() string {
	return "memrel: check: " + strings.TrimPrefix(e.err.Error(), "memrel: ") + ": " + store.ErrIntegrity.Error()
}

func (e integrityError) Unwrap() []error { return []error{e.err, store.ErrIntegrity} }
