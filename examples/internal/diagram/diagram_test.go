// Package diagram_test checks the schema diagrams of the example domains
// against golden files.
package diagram_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/examples/internal/domains"
)

var updateDiagrams = flag.Bool("update-diagrams", false, "rewrite testdata from the current output")

// The diagrams of the example domains are those in testdata
// (go test -run Diagram -update-diagrams rewrites them), and the same on
// every call.
func TestDiagramGolden(t *testing.T) {
	for _, d := range domains.All {
		name := d.Name
		db, err := memrel.Open(d.Schema)
		if err != nil {
			t.Fatal(err)
		}
		for ext, draw := range map[string]func(*bytes.Buffer, *memrel.DB) error{
			"mmd": func(b *bytes.Buffer, db *memrel.DB) error { return memrel.Mermaid(b, db) },
			"dot": func(b *bytes.Buffer, db *memrel.DB) error { return memrel.DOT(b, db) },
		} {
			var got, again bytes.Buffer
			if err := draw(&got, db); err != nil {
				t.Fatal(err)
			}
			if err := draw(&again, db); err != nil || again.String() != got.String() {
				t.Errorf("%s.%s: a second call differs (%v)", name, ext, err)
			}
			path := filepath.Join("testdata", name+"."+ext)
			if *updateDiagrams {
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != string(want) {
				t.Errorf("%s differs from the output:\n%s\n(go test -run Diagram -update-diagrams rewrites it)", path, got.String())
			}
		}
	}
}

type failingWriter struct{}

var errWrite = errors.New("write failed")

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestDiagramWriteError(t *testing.T) {
	db, err := memrel.Open(domains.All[0].Schema) // blog
	if err != nil {
		t.Fatal(err)
	}
	if err := memrel.Mermaid(failingWriter{}, db); !errors.Is(err, errWrite) {
		t.Errorf("Mermaid: %v", err)
	}
	if err := memrel.DOT(failingWriter{}, db); !errors.Is(err, errWrite) {
		t.Errorf("DOT: %v", err)
	}
}
