package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// titles are the seven seed domains, in the tour's order: a domain dropped
// from the tour, or added without a test, fails TestTour.
var titles = []string{
	"Blog: one-to-many",
	"Shop: orders and items",
	"Tagging: many-to-many through a table",
	"Profiles: one-to-one",
	"Subscriptions: plan history",
	"Social: followers and likes",
	"Multi-tenant: data scoped to an organization",
}

func TestTour(t *testing.T) {
	var got []string
	for _, d := range domains {
		got = append(got, d.title)
	}
	if !slices.Equal(got, titles) {
		t.Errorf("the tour's domains are\n%q\nwant\n%q", got, titles)
	}

	var buf bytes.Buffer
	if err := tour(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "memrel tour: 7 domains") {
		t.Errorf("the tour does not start with its index:\n%s", out)
	}
	// The index lists each domain with its file, and each file exists.
	for i, d := range domains {
		line := fmt.Sprintf("%2d. %-46s %s\n", i+1, d.title, file(d.pkg))
		if !strings.Contains(out, line) {
			t.Errorf("the index lacks %q", line)
		}
		if _, err := os.Stat(filepath.Join("..", "..", file(d.pkg))); err != nil {
			t.Errorf("the tour names %s: %v", file(d.pkg), err)
		}
	}
	at := 0
	for i, title := range titles {
		header := "== " + title + " ==  (" + file(domains[i].pkg) + ")"
		i := strings.Index(out[at:], header)
		if i < 0 {
			t.Fatalf("header %q missing or out of order", header)
		}
		at += i + len(header)
	}
	if got := strings.Count(out, "\n== "); got != len(titles) {
		t.Errorf("%d headers, want %d", got, len(titles))
	}
	if got := strings.Count(out, "Integrity check (db.Check): ok"); got != len(titles) {
		t.Errorf("%d integrity checks passed, want one per domain (%d)", got, len(titles))
	}
}

// The tour's -mermaid output has one diagram per domain, each in a mermaid
// code block under the domain's title.
func TestTourDiagrams(t *testing.T) {
	var buf bytes.Buffer
	if err := diagrams(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if n := strings.Count(out, "```mermaid\nerDiagram\n"); n != len(titles) {
		t.Errorf("%d diagrams, want %d:\n%s", n, len(titles), out)
	}
	for _, title := range titles {
		if !strings.Contains(out, "## "+title+"\n\n```mermaid\n") {
			t.Errorf("no diagram under %q", title)
		}
	}
	if !strings.Contains(out, "    articles }o..o{ tags : \"tags via article_tags\"\n") {
		t.Errorf("the tagging diagram lacks its many-to-many relation:\n%s", out)
	}
}
