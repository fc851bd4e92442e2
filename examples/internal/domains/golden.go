package domains

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

// Golden checks that render writes the contents of the file at path (or,
// with update, rewrites the file), and the same on a second call. rewrite
// tells how to rewrite the file, for the message.
func Golden(t testing.TB, path string, update bool, rewrite string, render func(w *bytes.Buffer) error) {
	t.Helper()
	var got, again bytes.Buffer
	if err := render(&got); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := render(&again); err != nil || again.String() != got.String() {
		t.Errorf("%s: a second call differs (%v)", path, err)
	}
	if update {
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Errorf("%s differs from the output:\n%s\n(%s rewrites it)", path, got.String(), rewrite)
	}
}

// NoGaps turns gaps reported by a writer into an error.
func NoGaps[G any](gaps []G, err error) error {
	if err == nil && len(gaps) > 0 {
		err = fmt.Errorf("gaps: %v", gaps)
	}
	return err
}
