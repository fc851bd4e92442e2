package relations_test

import (
	"testing"

	"github.com/memrel-go/memrel"
)

type hsArticle struct{ ID int64 }
type hsTag struct{ ID int64 }

// On an automatic link table, Has (and so Add, which asks it for every
// pair) is one lookup in the unique pair index, whatever the number of
// links the row already has; on both sides of the relation.
func TestHasOnAutomaticLinkTableDoesNotWalkLinks(t *testing.T) {
	articles := memrel.NewTable("hs_articles", func(a *hsArticle) *int64 { return &a.ID })
	tags := memrel.NewTable("hs_tags", func(g *hsTag) *int64 { return &g.ID })
	tagged := memrel.ManyToMany(articles, "tags", tags).Related("articles")
	db, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{articles, tags}, Relations: []memrel.Relation{tagged}})
	if err != nil {
		t.Fatal(err)
	}
	const few, many = 10, 1000
	err = db.Update(func(tx *memrel.Tx) error {
		for range 2 {
			if _, err := articles.Insert(tx, hsArticle{}); err != nil {
				return err
			}
		}
		var all []int64
		for i := range many {
			if _, err := tags.Insert(tx, hsTag{}); err != nil {
				return err
			}
			all = append(all, int64(i+1))
		}
		if _, err := tagged.Add(tx, 1, all[:few]...); err != nil {
			return err
		}
		return cnIns(tagged.Add(tx, 2, all...))
	})
	if err != nil {
		t.Fatal(err)
	}
	tx := db.BeginRead()
	defer tx.Abort()
	// Answers first: linked, not linked, from both sides.
	for _, c := range []struct {
		a, b int64
		want bool
	}{{1, few, true}, {1, few + 1, false}, {2, many, true}, {2, many + 1, false}} {
		if got := tagged.Has(tx, c.a, c.b); got != c.want {
			t.Errorf("Has(article %d, tag %d) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := tagged.Reverse().Has(tx, c.b, c.a); got != c.want {
			t.Errorf("Reverse().Has(tag %d, article %d) = %v, want %v", c.b, c.a, got, c.want)
		}
	}
	cost := func(f func()) float64 { return testing.AllocsPerRun(50, f) }
	fewCost := cost(func() { tagged.Has(tx, 1, few) })
	manyCost := cost(func() { tagged.Has(tx, 2, many) })
	if fewCost != manyCost {
		t.Errorf("Has allocates %v times with %d links and %v times with %d: it walks the links", fewCost, few, manyCost, many)
	}
	// Tag 1 is linked to both articles, tag 2 likewise: the reverse side's
	// degree is 2 either way, so compare a reverse lookup with a forward one.
	if rev := cost(func() { tagged.Reverse().Has(tx, many, 2) }); rev != fewCost {
		t.Errorf("Reverse().Has allocates %v times, Has %v", rev, fewCost)
	}
}
