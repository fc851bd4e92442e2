package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestTour(t *testing.T) {
	var buf bytes.Buffer
	if err := tour(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "== "+domains[0].title+" ==\n") {
		t.Errorf("the tour does not start with the first header:\n%s", out)
	}
	at := 0
	for _, d := range domains {
		header := "== " + d.title + " =="
		i := strings.Index(out[at:], header)
		if i < 0 {
			t.Fatalf("header %q missing or out of order", header)
		}
		at += i + len(header)
	}
	if got := strings.Count(out, "Integrity check (db.Check): ok"); got != len(domains) {
		t.Errorf("%d integrity checks passed, want one per domain (%d)", got, len(domains))
	}
}
