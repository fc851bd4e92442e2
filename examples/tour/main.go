// Command tour runs every example domain in turn: go run ./examples/tour.
// With -mermaid it writes each domain's schema as a Mermaid erDiagram
// instead, in Markdown (each diagram in a mermaid code block).
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/memrel-go/memrel"

	"github.com/memrel-go/memrel/examples/internal/blog"
	"github.com/memrel-go/memrel/examples/internal/multitenant"
	"github.com/memrel-go/memrel/examples/internal/profiles"
	"github.com/memrel-go/memrel/examples/internal/shop"
	"github.com/memrel-go/memrel/examples/internal/show"
	"github.com/memrel-go/memrel/examples/internal/social"
	"github.com/memrel-go/memrel/examples/internal/subscriptions"
	"github.com/memrel-go/memrel/examples/internal/tagging"
)

// domains are run in this order, each on a DB of its own. Add a domain with
// one line.
var domains = []struct {
	title  string
	pkg    string // where its schema and code are, under examples/internal
	run    func(io.Writer) error
	schema memrel.Schema
}{
	{"Blog: one-to-many", "blog", blog.Run, blog.Schema},
	{"Shop: orders and items", "shop", shop.Run, shop.Schema},
	{"Tagging: many-to-many through a table", "tagging", tagging.Run, tagging.Schema},
	{"Profiles: one-to-one", "profiles", profiles.Run, profiles.Schema},
	{"Subscriptions: plan history", "subscriptions", subscriptions.Run, subscriptions.Schema},
	{"Social: followers and likes", "social", social.Run, social.Schema},
	{"Multi-tenant: data scoped to an organization", "multitenant", multitenant.Run, multitenant.Schema},
}

// file is where a domain's code is, from the repository's root.
func file(pkg string) string { return "examples/internal/" + pkg + "/" + pkg + ".go" }

func main() {
	mermaid := flag.Bool("mermaid", false, "write each domain's schema as a Mermaid erDiagram, in Markdown")
	flag.Parse()
	run := tour
	if *mermaid {
		run = diagrams
	}
	if err := run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// diagrams writes each domain's schema as a Mermaid erDiagram (memrel.Mermaid)
// in a Markdown section of its own.
func diagrams(w io.Writer) error {
	for i, d := range domains {
		db, err := memrel.Open(d.schema)
		if err != nil {
			return fmt.Errorf("%s: %w", d.title, err)
		}
		if i > 0 {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		if _, err := fmt.Fprintf(w, "## %s\n\n```mermaid\n", d.title); err != nil {
			return err
		}
		if err := memrel.Mermaid(w, db); err != nil {
			return fmt.Errorf("%s: %w", d.title, err)
		}
		if _, err := io.WriteString(w, "```\n"); err != nil {
			return err
		}
	}
	return nil
}

// tour prints an index of the domains and where their code is, then runs
// every domain, with a header line before each.
func tour(w io.Writer) error {
	say := show.New(w)
	say.Line("memrel tour: %d domains, each on a DB of its own", len(domains))
	for i, d := range domains {
		say.Line("%2d. %-46s %s", i+1, d.title, file(d.pkg))
	}
	for _, d := range domains {
		say.Line("")
		say.Line("== %s ==  (%s)", d.title, file(d.pkg))
		if err := say.Err(); err != nil {
			return err
		}
		if err := d.run(w); err != nil {
			return fmt.Errorf("%s: %w", d.title, err)
		}
	}
	return say.Err()
}
