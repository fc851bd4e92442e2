package memrel_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The README's quick start compiles, runs, and prints what the README says
// it prints.
func TestReadmeQuickStart(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to run the quick start: %v", err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "## Quick start")
	if !ok {
		t.Fatal("the README has no quick start")
	}
	_, rest, _ = strings.Cut(rest, "```go\n")
	code, rest, _ := strings.Cut(rest, "```")
	_, rest, _ = strings.Cut(rest, "prints\n\n```\n")
	want, _, _ := strings.Cut(rest, "```")
	if code == "" || want == "" {
		t.Fatal("the quick start has no code or no output")
	}
	src := "package main\n\nimport (\n\t\"fmt\"\n\t\"log\"\n\n\t\"github.com/memrel-go/memrel\"\n)\n\n" + code
	// Inside the module, so that it imports this checkout of memrel.
	dir, err := os.MkdirTemp(".", "quickstart")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(gobin, "run", ".")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the quick start does not run: %v\n%s", err, out)
	}
	if string(out) != want {
		t.Errorf("the quick start prints\n%s\nthe README says\n%s", out, want)
	}
}
