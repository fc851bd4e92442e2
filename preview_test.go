package memrel_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/memrel-go/memrel"
)

// A preview in a read transaction says what one in a write transaction
// says, and neither changes anything; a delete that needs a Set function
// can only be previewed in a write transaction.
func TestDeletePreviewReadTransaction(t *testing.T) {
	h := newFzHarness(t)
	h.fixture()
	keySets := [][]int64{{1}, {2}, {4}, {3, 5}, {6, 7, 8}, {1, 2, 3, 4, 5, 6, 7, 8}}

	// Every parent has a fz_funcs row, whose rule is a Set function.
	for _, keys := range keySets {
		h.deleting = keys
		err := h.db.View(func(tx *memrel.Tx) error {
			_, err := h.parents.DeletePreview(tx, keys...)
			return err
		})
		if !errors.Is(err, memrel.ErrReadOnly) {
			t.Fatalf("read-only preview of %v with a Set function to run: %v, want ErrReadOnly", keys, err)
		}
	}
	h.deleting = nil
	for f := range h.funcs.All(h.tx) {
		if _, err := h.funcs.Delete(h.tx, f.ID); err != nil {
			t.Fatal(err)
		}
	}
	h.commit()
	h.tx.Abort()

	refused := 0
	for _, keys := range keySets {
		var read, write memrel.DeletePlan
		err := h.db.View(func(tx *memrel.Tx) error {
			before := tx.Dump()
			var err error
			read, err = h.parents.DeletePreview(tx, keys...)
			if after := tx.Dump(); after != before {
				t.Errorf("read-only preview of %v changed the snapshot", keys)
			}
			return err
		})
		if err != nil {
			t.Fatalf("read-only preview of %v: %v", keys, err)
		}
		tx := h.db.BeginWrite()
		before := tx.Dump()
		write, err = h.parents.DeletePreview(tx, keys...)
		if err != nil {
			t.Fatalf("preview of %v: %v", keys, err)
		}
		if after := tx.Dump(); after != before {
			t.Errorf("preview of %v changed the transaction:\n%s", keys, diffLines(before, after))
		}
		if read.String() != write.String() {
			t.Errorf("preview of %v: read-only\n%vwrite\n%v", keys, read, write)
		}
		res, err := h.parents.Delete(tx, keys...)
		switch {
		case write.Refused != nil:
			refused++
			if err == nil || err.Error() != write.Refused.Error() {
				t.Errorf("delete %v: %v, the preview said %v", keys, err, write.Refused)
			}
		case err != nil:
			t.Errorf("delete %v: %v, the preview said\n%v", keys, err, write)
		case res.String() != write.Result().String():
			t.Errorf("delete %v: %v, the preview said %v", keys, res, write.Result())
		}
		tx.Abort()
	}
	if refused == 0 || refused == len(keySets) {
		t.Errorf("%d of %d deletes refused: the key sets should mix both", refused, len(keySets))
	}
}

func TestDeletePreviewErrors(t *testing.T) {
	h := newFzHarness(t)
	h.fixture()
	defer h.tx.Abort()
	_, err := h.parents.DeletePreview(h.tx, 1, 99, 98)
	var ke *memrel.KeyError
	if !errors.As(err, &ke) || !errors.Is(err, memrel.ErrNotFound) || fmt.Sprint(ke.Keys) != "[99 98]" {
		t.Errorf("preview of missing keys: %v", err)
	}
	if plan, err := h.parents.DeletePreview(h.tx); err != nil || plan.String() != "" || plan.Result().Total() != 0 {
		t.Errorf("preview of no keys: %v, %v", plan, err)
	}
	h.setMode = fzSetError
	h.deleting = []int64{1}
	if _, err := h.parents.DeletePreview(h.tx, 1); !errors.Is(err, errBoom) {
		t.Errorf("preview with a failing Set function: %v, want its error", err)
	}
	h.deleting = nil
	tx := h.db.BeginRead()
	tx.Abort()
	if _, err := h.parents.DeletePreview(tx, 1); !errors.Is(err, memrel.ErrTxClosed) {
		t.Errorf("preview in a closed transaction: %v", err)
	}
	other := memrel.NewTable("other", func(r *fzParent) *int64 { return &r.ID })
	if _, err := other.DeletePreview(h.tx, 1); !errors.Is(err, memrel.ErrUnknownTable) {
		t.Errorf("preview of a table not in the schema: %v", err)
	}
}

// The plan's String, for a delete the fixture refuses.
func TestDeletePlanString(t *testing.T) {
	h := newFzHarness(t)
	h.fixture()
	defer h.tx.Abort()
	h.setMode = fzSetSentinel
	h.deleting = []int64{4}
	plan, err := h.parents.DeletePreview(h.tx, 4)
	h.deleting = nil
	if err != nil {
		t.Fatal(err)
	}
	var pe *memrel.ProtectedError
	if !errors.As(plan.Refused, &pe) || len(pe.Rows) == 0 || !errors.Is(plan.Refused, memrel.ErrProtected) {
		t.Fatalf("parent 4 has a Protect row: %v", plan.Refused)
	}
	want := `delete fz_claims 4
delete fz_kids 4
delete fz_profiles 4
delete fz_members 4
delete fz_parents_tags 7, 8
delete fz_parents 4
update fz_opts 4
update fz_defs 4
update fz_fixeds 4
update fz_funcs 4
update fz_seats 4
refused: memrel: cannot delete fz_parents 4: protected by fz_guards.parent (fz_guards 4)
`
	if got := plan.String(); got != want {
		t.Errorf("plan:\n%s\nwant:\n%s", got, want)
	}
	if len(plan.Deleted) == 0 || plan.Result().Total() != 0 {
		t.Errorf("a refused plan lists what it collected and counts nothing: %v", plan)
	}
}
