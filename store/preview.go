package store

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// previewHooks is what the hooks implement to serve DeletePreview. The
// relations layer implements it.
type previewHooks interface {
	// PreviewDelete runs Delete's collection of rows (stored *Row values of
	// t) without applying it, and leaves the transaction exactly as it was.
	PreviewDelete(tx *Tx, t *TableInfo, rows []any) (DeletePlan, error)
}

// DeletePlan is what a delete would do, as DeletePreview reports it before
// anything is written (Django admin's confirmation page).
type DeletePlan struct {
	// Deleted lists the rows the delete would remove: tables in the order
	// the delete removes them (referencing tables first), keys in order.
	// Link-table rows are included.
	Deleted []PlannedRows
	// Updated lists the rows that SetNull, SetDefault and Set rules would
	// rewrite, in the same order. Rows also deleted are not listed.
	Updated []PlannedRows
	// Refused is the error the delete would return instead of deleting
	// anything, or nil: a *ProtectedError or *RestrictedError (of package
	// relations) naming every blocking row with its relation, or the error
	// of a row a SetDefault or Set rule would rewrite (wrapping
	// ErrForeignKey, ErrUnique or ErrCheck). Deleted and Updated still
	// list what the delete collected, as Django's admin lists the objects
	// along with the protected ones.
	Refused error
}

// PlannedRows are the rows of one table that a delete would remove or
// rewrite.
type PlannedRows struct {
	Table string
	Keys  []any // the primary keys, of the table's key type, in order
}

// Result is the DeleteResult the delete would return: the counts of the
// plan, or a zero DeleteResult if the delete would be refused.
func (p DeletePlan) Result() DeleteResult {
	if p.Refused != nil {
		return DeleteResult{}
	}
	count := func(rows []PlannedRows) map[string]int {
		var m map[string]int
		for _, r := range rows {
			if len(r.Keys) == 0 {
				continue
			}
			if m == nil {
				m = map[string]int{}
			}
			m[r.Table] += len(r.Keys)
		}
		return m
	}
	return DeleteResult{Deleted: count(p.Deleted), Updated: count(p.Updated)}
}

// String lists the plan, one line per table, in the plan's order:
//
//	delete comments 1, 2
//	delete posts 1
//	update posts 3
//	refused: memrel: ...
func (p DeletePlan) String() string {
	var b strings.Builder
	part := func(label string, rows []PlannedRows) {
		for _, r := range rows {
			fmt.Fprintf(&b, "%s %s", label, r.Table)
			for i, k := range r.Keys {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, " %v", k)
			}
			b.WriteByte('\n')
		}
	}
	part("delete", p.Deleted)
	part("update", p.Updated)
	if p.Refused != nil {
		fmt.Fprintf(&b, "refused: %v\n", p.Refused)
	}
	return b.String()
}

// DeletePreview reports what Delete(tx, keys...) would do, without writing
// anything: the same collection of the whole graph, judged as the delete
// judges it, but never applied. It works in a read transaction as in a
// write one, and leaves the transaction exactly as it was.
//
// A delete that would be refused is not an error of DeletePreview: the
// plan's Refused field holds the refusal, and Deleted and Updated what the
// delete collected.
//
// Set functions (relations.FK.SetFunc) may write, and the delete is judged
// on the state that includes their writes. In a write transaction, the
// functions the delete needs run inside a savepoint that is always rolled
// back, so the plan is exact and nothing they wrote remains. In a read
// transaction they cannot run: DeletePreview returns an error wrapping
// ErrReadOnly when the delete needs one (a relation with a Set function
// that has rows pointing at a collected row).
//
// A DoNothing relation is not followed, as by Delete: a row left pointing
// at a deleted row makes Commit fail, which the plan does not foresee.
//
// Possible errors: ErrTxClosed, ErrUnknownTable, ErrNotFound (as *KeyError
// listing every missing key), ErrReadOnly as said, and a Set function's
// error.
func (t *Table[T, K]) DeletePreview(tx *Tx, keys ...K) (DeletePlan, error) {
	if tx.closed {
		return DeletePlan{}, fmt.Errorf("memrel: %w", ErrTxClosed)
	}
	if _, ok := tx.db.tables[t.info]; !ok {
		return DeletePlan{}, &TableError{Table: t.info.name, Err: ErrUnknownTable}
	}
	rows, err := t.stored(tx, keys)
	if err != nil || len(rows) == 0 {
		return DeletePlan{}, err
	}
	if h, ok := tx.db.hooks.(previewHooks); ok {
		return h.PreviewDelete(tx, t.info, rows)
	}
	plan := DeletePlan{Deleted: []PlannedRows{{Table: t.info.name}}}
	for _, obj := range rows {
		plan.Deleted[0].Keys = append(plan.Deleted[0].Keys, *t.key(obj.(*T)))
	}
	slices.SortFunc(plan.Deleted[0].Keys, func(a, b any) int { return cmp.Compare(a.(K), b.(K)) })
	return plan, nil
}
