// Package diagram_test checks the schema diagrams of the example domains
// against golden files.
package diagram_test

import (
	"bytes"
	"errors"
	"flag"
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
		db, err := memrel.Open(d.Schema)
		if err != nil {
			t.Fatal(err)
		}
		for ext, draw := range map[string]func(*bytes.Buffer, *memrel.DB) error{
			"mmd": func(b *bytes.Buffer, db *memrel.DB) error { return memrel.Mermaid(b, db) },
			"dot": func(b *bytes.Buffer, db *memrel.DB) error { return memrel.DOT(b, db) },
		} {
			domains.Golden(t, filepath.Join("testdata", d.Name+"."+ext), *updateDiagrams, "go test -run Diagram -update-diagrams",
				func(b *bytes.Buffer) error { return draw(b, db) })
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
