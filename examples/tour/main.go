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
	run   func(io.Writer) error
}{
	{"Blog: one-to-many", blog.Run},
	{"Shop: orders and items", shop.Run},
	{"Tagging: many-to-many through a table", tagging.Run},
	{"Profiles: one-to-one", profiles.Run},
	{"Subscriptions: plan history", subscriptions.Run},
	{"Social: followers and likes", social.Run},
	{"Multi-tenant: data scoped to an organization", multitenant.Run},
}

func main() {
	if err := tour(os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// tour runs every domain, with a header line before each.
func tour(w io.Writer) error {
	say := show.New(w)
	for i, d := range domains {
		if i > 0 {
			say.Line("")
		}
		say.Line("== %s ==", d.title)
		if err := say.Err(); err != nil {
			return err
		}
		if err := d.run(w); err != nil {
			return fmt.Errorf("%s: %w", d.title, err)
		}
	}
	return say.Err()
}
