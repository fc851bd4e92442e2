// Package show writes the output of the example programs. A Printer keeps
// the first write error, so that each Run can return it instead of dropping
// the errors of its many Fprintf calls.
package show

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/memrel-go/memrel"
)

// Printer writes lines to a writer and remembers the first error.
type Printer struct {
	w   io.Writer
	err error
}

// New returns a Printer writing to w.
func New(w io.Writer) *Printer { return &Printer{w: w} }

// Line writes one formatted line. After a write error it writes nothing.
func (p *Printer) Line(format string, args ...any) {
	if p.err != nil {
		return
	}
	_, p.err = fmt.Fprintf(p.w, format+"\n", args...)
}

// Err returns the first write error, or nil.
func (p *Printer) Err() error { return p.err }

// Day formats a time as a date, 2026-01-02.
func Day(t time.Time) string { return t.Format(time.DateOnly) }

// Finish ends a program's output: it runs db.Check, the integrity check
// every example ends with, and reports it; it returns the check's error or
// the first write error.
func (p *Printer) Finish(db *memrel.DB) error {
	p.Line("")
	if err := db.Check(); err != nil {
		return err
	}
	p.Line("Integrity check (db.Check): ok")
	return p.Err()
}

// Preview prints, indented, the plan of a delete that preview returns,
// computed in a read transaction of db: it writes nothing.
func (p *Printer) Preview(db *memrel.DB, preview func(tx *memrel.Tx) (memrel.DeletePlan, error)) error {
	return db.View(func(tx *memrel.Tx) error {
		plan, err := preview(tx)
		if err != nil {
			return err
		}
		for line := range strings.Lines(plan.String()) {
			p.Line("  %s", strings.TrimSuffix(line, "\n"))
		}
		return nil
	})
}
