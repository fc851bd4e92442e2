// Command tour runs every example domain in turn: go run ./examples/tour
package main

import (
	"fmt"
	"io"
	"log"
	"os"

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
	title string
	pkg   string // where its schema and code are, under examples/internal
	run   func(io.Writer) error
}{
	{"Blog: one-to-many", "blog", blog.Run},
	{"Shop: orders and items", "shop", shop.Run},
	{"Tagging: many-to-many through a table", "tagging", tagging.Run},
	{"Profiles: one-to-one", "profiles", profiles.Run},
	{"Subscriptions: plan history", "subscriptions", subscriptions.Run},
	{"Social: followers and likes", "social", social.Run},
	{"Multi-tenant: data scoped to an organization", "multitenant", multitenant.Run},
}

// file is where a domain's code is, from the repository's root.
func file(pkg string) string { return "examples/internal/" + pkg + "/" + pkg + ".go" }

func main() {
	if err := tour(os.Stdout); err != nil {
		log.Fatal(err)
	}
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
