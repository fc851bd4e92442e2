// Package showtest checks the output of an example's Run, so that the
// examples cannot silently rot.
package showtest

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// Check runs run and reports a test error for each of wants that its output
// does not contain. Runs of spaces count as one space, so that the checks do
// not depend on column alignment. It also checks that the output is the same
// on a second run, and that run reports a failing writer.
func Check(t *testing.T, run func(io.Writer) error, wants ...string) {
	t.Helper()
	var buf bytes.Buffer
	if err := run(&buf); err != nil {
		t.Fatalf("Run: %v", err)
	}
	out := normalize(buf.String())
	for _, want := range wants {
		if !strings.Contains(out, normalize(want)) {
			t.Errorf("the output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("the output:\n%s", buf.String())
	}

	var again bytes.Buffer
	if err := run(&again); err != nil {
		t.Fatalf("Run, a second time: %v", err)
	}
	if again.String() != buf.String() {
		t.Errorf("the output differs from one run to the next:\n%s\n---\n%s", buf.String(), again.String())
	}

	if err := run(failingWriter{}); !errors.Is(err, errWrite) {
		t.Errorf("Run to a failing writer: got %v, want the write error", err)
	}
}

// normalize turns every run of spaces and tabs into one space.
func normalize(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Join(lines, "\n")
}

var errWrite = errors.New("write failed")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }
