// Package domains lists the seven example domains, for the tests that run
// over all of them (diagrams, SQL, fixtures, the engines' proof).
package domains

import (
	"io"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/examples/internal/blog"
	"github.com/memrel-go/memrel/examples/internal/multitenant"
	"github.com/memrel-go/memrel/examples/internal/profiles"
	"github.com/memrel-go/memrel/examples/internal/shop"
	"github.com/memrel-go/memrel/examples/internal/social"
	"github.com/memrel-go/memrel/examples/internal/subscriptions"
	"github.com/memrel-go/memrel/examples/internal/tagging"
)

// Domain is one example domain: its schema, and the story that fills a DB
// of it (printing what it does to w).
type Domain struct {
	Name   string
	Schema memrel.Schema
	RunDB  func(w io.Writer) (*memrel.DB, error)
}

// All are the seven domains, in the tour's order.
var All = []Domain{
	{"blog", blog.Schema, blog.RunDB},
	{"shop", shop.Schema, shop.RunDB},
	{"tagging", tagging.Schema, tagging.RunDB},
	{"profiles", profiles.Schema, profiles.RunDB},
	{"subscriptions", subscriptions.Schema, subscriptions.RunDB},
	{"social", social.Schema, social.RunDB},
	{"multitenant", multitenant.Schema, multitenant.RunDB},
}
