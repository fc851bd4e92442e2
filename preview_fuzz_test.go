package memrel_test

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/memrel-go/memrel"
)

// fzPreview is what DeletePreview said before a delete of the harness.
type fzPreview struct {
	plan   memrel.DeletePlan
	err    error
	called bool // the preview ran the Set function
}

// previewParents previews the delete of keys, in the harness's write
// transaction, and checks that it changed nothing; when the transaction
// holds nothing uncommitted, a preview in a read transaction must say the
// same, or refuse with ErrReadOnly when the Set function had to run.
func (h *fzHarness) previewParents(keys []int64) fzPreview {
	h.t.Helper()
	before := h.tx.Dump()
	var p fzPreview
	// The Set function's notes count the log: it must be as long as when
	// the delete runs.
	h.log = append(h.log, fmt.Sprintf("preview delete parents %v", keys))
	p.err = h.call(func() error {
		var err error
		p.plan, err = h.parents.DeletePreview(h.tx, keys...)
		return err
	})
	h.log = h.log[:len(h.log)-1]
	p.called = h.set.calls > 0
	h.set = fzSetEffects{} // the real delete calls it anew
	if after := h.tx.Dump(); after != before {
		h.fatalf("preview of delete parents %v changed the transaction:\n%s", keys, diffLines(before, after))
	}
	if before != h.start {
		return p
	}
	h.deleting = nil // the Set function must not run: a read transaction cannot write
	err := h.db.View(func(tx *memrel.Tx) error {
		plan, err := h.parents.DeletePreview(tx, keys...)
		switch {
		case p.called && p.err == nil:
			if !errors.Is(err, memrel.ErrReadOnly) {
				h.fatalf("read-only preview of delete parents %v needs the Set function: got %v, want ErrReadOnly", keys, err)
			}
			h.hits["preview read-only refused"]++
		case p.err != nil && !errors.Is(p.err, errBoom) && !errors.Is(p.err, errPanicked):
			if err == nil || err.Error() != p.err.Error() {
				h.fatalf("read-only preview of delete parents %v: error %v, the write one %v", keys, err, p.err)
			}
		case p.err == nil:
			if err != nil || plan.String() != p.plan.String() {
				h.fatalf("read-only preview of delete parents %v:\n%v(%v)\nthe write one:\n%v", keys, plan, err, p.plan)
			}
			h.hits["preview read-only"]++
		}
		return nil
	})
	if err != nil {
		h.fatalf("%v", err)
	}
	h.set = fzSetEffects{}
	h.deleting = keys
	return p
}

// checkPreview checks that the delete did what its preview said: the same
// error, or the same result and the same rows gone and rewritten.
func (h *fzHarness) checkPreview(keys []int64, p fzPreview, before string, res memrel.DeleteResult, err error) {
	h.t.Helper()
	what := fmt.Sprintf("delete parents %v", keys)
	switch {
	case p.err != nil:
		if err == nil || err.Error() != p.err.Error() {
			h.fatalf("%s: the preview failed with %v, the delete with %v", what, p.err, err)
		}
		return
	case p.plan.Refused != nil:
		if err == nil || err.Error() != p.plan.Refused.Error() {
			h.fatalf("%s: the preview said it is refused with %v, the delete returned %v", what, p.plan.Refused, err)
		}
		for _, target := range []any{new(*memrel.ProtectedError), new(*memrel.RestrictedError)} {
			want := reflect.New(reflect.TypeOf(target).Elem())
			if errors.As(p.plan.Refused, target) != errors.As(err, want.Interface()) ||
				!reflect.DeepEqual(reflect.ValueOf(target).Elem().Interface(), want.Elem().Interface()) {
				h.fatalf("%s: the preview's refusal %#v differs from the delete's %#v", what, p.plan.Refused, err)
			}
		}
		h.hits["preview refused"]++
		return
	case err != nil:
		h.fatalf("%s: the preview said it succeeds:\n%vbut it returned %v", what, p.plan, err)
	}
	want := p.plan.Result()
	if !maps.Equal(want.Deleted, res.Deleted) || !maps.Equal(fzNonZero(want.Updated), fzNonZero(res.Updated)) {
		h.fatalf("%s: the preview's result %v, the delete's %v", what, want, res)
	}
	h.hits["preview matched"]++
	if h.set.calls > 0 {
		return // the Set function's own writes are in the difference too
	}
	gone, changed := fzDumpKeys(before, h.tx.Dump())
	planned := func(rows []memrel.PlannedRows) string {
		var lines []string
		for _, r := range rows {
			for _, k := range r.Keys {
				lines = append(lines, fmt.Sprintf("%s %v\n", r.Table, k))
			}
		}
		return fzSorted(strings.Join(lines, ""))
	}
	if gone != planned(p.plan.Deleted) || changed != planned(p.plan.Updated) {
		h.fatalf("%s: the preview planned\n%sbut the delete removed\n%sand changed\n%s", what, p.plan, gone, changed)
	}
}

// fzDumpKeys lists the rows ("table key" lines, in a Dump's order) only in
// before, and those in both that differ.
func fzDumpKeys(before, after string) (gone, changed string) {
	rows := func(dump string) (keys []string, m map[string]string) {
		m = map[string]string{}
		table := ""
		for line := range strings.Lines(dump) {
			line = strings.TrimRight(line, "\n")
			if t, ok := strings.CutPrefix(line, "table "); ok {
				table = t
				continue
			}
			key, row, _ := strings.Cut(strings.TrimSpace(line), " ")
			if key != "sequence" {
				k := table + " " + key
				keys = append(keys, k)
				m[k] = row
			}
		}
		return keys, m
	}
	keys, b := rows(before)
	_, a := rows(after)
	var g, c strings.Builder
	for _, k := range keys {
		if got, ok := a[k]; !ok {
			g.WriteString(k + "\n")
		} else if got != b[k] {
			c.WriteString(k + "\n")
		}
	}
	return fzSorted(g.String()), fzSorted(c.String())
}

// fzSorted sorts the lines of s.
func fzSorted(s string) string {
	lines := slices.Collect(strings.Lines(s))
	slices.Sort(lines)
	return strings.Join(lines, "")
}
