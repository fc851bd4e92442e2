package main

import (
	"bytes"
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
	if !strings.HasPrefix(out, "== "+titles[0]+" ==\n") {
		t.Errorf("the tour does not start with the first header:\n%s", out)
	}
	at := 0
	for _, title := range titles {
		header := "== " + title + " =="
		i := strings.Index(out[at:], header)
		if i < 0 {
			t.Fatalf("header %q missing or out of order", header)
		}
		at += i + len(header)
	}
	if got := strings.Count(out, "\n== "); got != len(titles)-1 {
		t.Errorf("%d headers after the first, want %d", got, len(titles)-1)
	}
	if got := strings.Count(out, "Integrity check (db.Check): ok"); got != len(titles) {
		t.Errorf("%d integrity checks passed, want one per domain (%d)", got, len(titles))
	}
}
