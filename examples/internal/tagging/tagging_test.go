package tagging

import (
	"testing"

	"github.com/memrel-go/memrel/examples/internal/showtest"
)

func TestRun(t *testing.T) {
	showtest.Check(t, Run,
		"link 1: article 1 tagged go on 2026-01-05 by ann",
		"link 6: article 3 tagged testing on 2026-01-05 by (none)",
		"again is refused:\n    memrel: unique constraint uniq_article_tag_pair on article_tags: a new article_tags row has (article, tag) = (1, 1), as article_tags 1 does",
		"(Add) creates 0 links: it still has 2 tags,\n    and link 1: article 1 tagged go on 2026-01-05 by ann",
		`a second tag named go: memrel: unique constraint uniq_tag_name on tags: a new tags row has name = "go", as tags 1 does`,
		"article 2.tags: go, databases, django",
		`tag go.articles (Reverse): "Getting started with memrel", "Django's ORM, in Go"`,
		// Set: link 1 stays as it was, link 2 (databases) goes, link 7 comes.
		"added by ann:\n  link 1: article 1 tagged go on 2026-01-05 by ann\n  link 7: article 1 tagged testing on 2026-01-05 by bob\n",
		`"Fixtures for tests" testing`,
		"delete tag django: deleted article_tags 1, tags 1",
		`delete article "Fixtures for tests": deleted article_tags 1, articles 1`,
		"article 2.tags now: go, databases",
		"tag testing.articles now: 1",
		// bob added links 4 and 5 (article 2) and 7 (article 1): all kept.
		"(article_tags.added_by is SetNull):\n  deleted users 1; updated article_tags 3\n",
		"link 7: article 1 tagged testing on 2026-01-05 by (none)",
		"left: users 1, tags 3, articles 2, article_tags 4",
		"Integrity check (db.Check): ok",
	)
}
