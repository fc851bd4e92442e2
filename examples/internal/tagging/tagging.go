// Package tagging is the Tagging domain: articles carry tags through a link
// table of their own, which records when and by whom each tag was added. It
// shows a many-to-many relation through a table with extra fields, a
// composite unique constraint, and the on-delete rules of the link table's
// own foreign keys. The Django models it mirrors:
//
//	class Tag(Model):
//	    name = CharField(unique=True)
//	class Article(Model):
//	    title = CharField(); body = TextField()
//	    tags = ManyToManyField(Tag, through="ArticleTag", related_name="articles")
//	class ArticleTag(Model):  # db_table "article_tags"
//	    article = ForeignKey(Article, CASCADE)
//	    tag = ForeignKey(Tag, CASCADE)
//	    added_at = DateTimeField(auto_now_add=True)
//	    added_by = ForeignKey(User, SET_NULL, null=True, related_name="tags_added")
//	    # UniqueConstraint(fields=["article", "tag"], name="uniq_article_tag_pair")
package tagging

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/examples/internal/show"
)

// User is a row of users.
type User struct {
	ID       int64
	Username string
}

// Tag is a row of tags.
type Tag struct {
	ID   int64
	Name string
}

// Article is a row of articles.
type Article struct {
	ID    int64
	Title string
	Body  string
}

// ArticleTag is a row of article_tags: one tag on one article, with the
// extra fields of the link.
type ArticleTag struct {
	ID        int64
	ArticleID int64
	TagID     int64
	AddedAt   time.Time          // filled in on insert
	AddedBy   memrel.Null[int64] // empty if unknown, or once that user is deleted
}

// Clock is the time stamped on a new link, as Django's auto_now_add does.
// It is fixed so that the output never changes; a program would use time.Now.
func Clock() time.Time { return time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC) }

// The schema. tagF and linkF are the field-reference rows of Tag and
// ArticleTag (memrel.Fields): &linkF.TagID names the TagID field of
// ArticleTag, checked by the compiler. The F suffix keeps them apart from row
// variables; nothing reads or writes them. The link table's keys to articles
// and tags keep their default reverse names (article_tags), as the Django
// model does: nothing follows them backward except through ArticleTags,
// whose own reverse name is its source table's, articles.
var (
	tagF, linkF = memrel.Fields[Tag](), memrel.Fields[ArticleTag]()

	Users           = memrel.NewTable("users", func(u *User) *int64 { return &u.ID })
	Tags            = memrel.NewTable("tags", func(t *Tag) *int64 { return &t.ID })
	Articles        = memrel.NewTable("articles", func(a *Article) *int64 { return &a.ID })
	ArticleTagLinks = memrel.NewTable("article_tags", func(l *ArticleTag) *int64 { return &l.ID },
		memrel.DefaultFunc(&linkF.AddedAt, Clock))

	LinkArticle = memrel.ForeignKey(ArticleTagLinks, &linkF.ArticleID, Articles, memrel.Cascade)
	LinkTag     = memrel.ForeignKey(ArticleTagLinks, &linkF.TagID, Tags, memrel.Cascade)
	LinkAddedBy = memrel.ForeignKey(ArticleTagLinks, &linkF.AddedBy, Users, memrel.SetNull).Related("tags_added")

	// ArticleTags is article.tags, through article_tags; its Reverse() is
	// tag.articles.
	ArticleTags = memrel.ManyToManyThrough(ArticleTagLinks, "tags", LinkArticle, LinkTag)

	UniqueTagName = memrel.Unique(Tags, "uniq_tag_name", &tagF.Name)
	UniquePair    = memrel.UniqueTogether(ArticleTagLinks, "uniq_article_tag_pair", &linkF.ArticleID, &linkF.TagID)

	Schema = memrel.Schema{Tables: []memrel.AnyTable{Users, Tags, Articles, ArticleTagLinks}}
)

// by returns a fill function for AddWith and SetWith (Django's
// through_defaults): the new links are added by user.
func by(user User) func(*ArticleTag) {
	return func(l *ArticleTag) { l.AddedBy = memrel.Some(user.ID) }
}

// Run opens a DB with the schema and walks through the domain, writing what
// happens to w.
func Run(w io.Writer) error {
	_, err := RunDB(w)
	return err
}

// RunDB is Run that also returns the DB, in the state the walk leaves it
// (for tests that dump or save it).
func RunDB(w io.Writer) (*memrel.DB, error) {
	db, err := memrel.Open(Schema)
	if err != nil {
		return nil, err
	}
	return db, run(w, db)
}

func run(w io.Writer, db *memrel.DB) error {
	say := show.New(w)
	var err error

	var ann, bob User
	var goTag, dbTag, djangoTag, testTag Tag
	var intro, orm, fixtures Article
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		if ann, err = Users.Insert(tx, User{Username: "ann"}); err != nil {
			return err
		}
		if bob, err = Users.Insert(tx, User{Username: "bob"}); err != nil {
			return err
		}
		for _, t := range []struct {
			tag  *Tag
			name string
		}{{&goTag, "go"}, {&dbTag, "databases"}, {&djangoTag, "django"}, {&testTag, "testing"}} {
			if *t.tag, err = Tags.Insert(tx, Tag{Name: t.name}); err != nil {
				return err
			}
		}
		if intro, err = Articles.Insert(tx, Article{Title: "Getting started with memrel"}); err != nil {
			return err
		}
		if orm, err = Articles.Insert(tx, Article{Title: "Django's ORM, in Go"}); err != nil {
			return err
		}
		if fixtures, err = Articles.Insert(tx, Article{Title: "Fixtures for tests"}); err != nil {
			return err
		}
		// Each call adds one link row per tag. AddWith fills the extra
		// fields of the new rows; plain Add leaves added_by empty.
		if _, err := ArticleTags.AddWith(tx, intro.ID, by(ann), goTag.ID, dbTag.ID); err != nil {
			return err
		}
		if _, err := ArticleTags.AddWith(tx, orm.ID, by(bob), djangoTag.ID, goTag.ID, dbTag.ID); err != nil {
			return err
		}
		_, err = ArticleTags.Add(tx, fixtures.ID, testTag.ID)
		return err
	})
	if err != nil {
		return err
	}

	say.Line("Tagged (each link is a row of article_tags; added_at comes from memrel.DefaultFunc,")
	say.Line("added_by from AddWith, Django's through_defaults):")
	err = db.View(func(tx *memrel.Tx) error {
		for a := range Articles.All(tx) {
			say.Line("  article %d %q:", a.ID, a.Title)
			for l := range ArticleTags.Links(tx, a.ID) {
				say.Line("    %s", describeLink(tx, l))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("A pair appears once:")
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := ArticleTagLinks.Insert(tx, ArticleTag{ArticleID: intro.ID, TagID: goTag.ID})
		return err
	})
	var ue *memrel.UniqueError
	if !errors.As(err, &ue) || ue.Constraint != UniquePair.Name() {
		return fmt.Errorf("a duplicate pair: want a UniqueError naming %s, got %v", UniquePair.Name(), err)
	}
	say.Line("  inserting (article %d, go) into article_tags again is refused:", intro.ID)
	say.Line("    %v", err)
	err = db.Update(func(tx *memrel.Tx) error {
		n, err := ArticleTags.Add(tx, intro.ID, goTag.ID)
		if err != nil {
			return err
		}
		l, ok := linkOf(tx, intro.ID, goTag.ID)
		if !ok {
			return fmt.Errorf("the link (article %d, go) is missing", intro.ID)
		}
		say.Line("  adding go to article %d again (Add) creates %d links: it still has %d tags,", intro.ID, n,
			ArticleTags.Count(tx, intro.ID))
		say.Line("    and %s", describeLink(tx, l))
		return nil
	})
	if err != nil {
		return err
	}
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := Tags.Insert(tx, Tag{Name: "go"})
		return err
	})
	if !errors.As(err, &ue) {
		return fmt.Errorf("a second tag named go: want a UniqueError, got %v", err)
	}
	say.Line("  a second tag named go: %v", err)

	say.Line("")
	say.Line("Following the relation both ways:")
	err = db.View(func(tx *memrel.Tx) error {
		say.Line("  article %d.tags: %s", orm.ID, tagNames(slices.Collect(ArticleTags.List(tx, orm.ID))))
		for _, t := range []Tag{goTag, testTag} {
			var titles []string
			for a := range ArticleTags.Reverse().List(tx, t.ID) {
				titles = append(titles, fmt.Sprintf("%q", a.Title))
			}
			say.Line("  tag %s.articles (Reverse): %s", t.Name, strings.Join(titles, ", "))
		}
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("bob sets the tags of article %d to go and testing (Set): databases goes, testing comes,", intro.ID)
	say.Line("and the go link stays as it was, added by ann:")
	err = db.Update(func(tx *memrel.Tx) error {
		return ArticleTags.SetWith(tx, intro.ID, []int64{goTag.ID, testTag.ID},
			memrel.SetOptions[ArticleTag]{Fill: by(bob)})
	})
	if err != nil {
		return err
	}
	err = db.View(func(tx *memrel.Tx) error {
		for l := range ArticleTags.Links(tx, intro.ID) {
			say.Line("  %s", describeLink(tx, l))
		}
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("Loading every article with its tags through article_tags in one call (memrel.Load with")
	say.Line("the many-to-many's Path, Django's prefetch_related(\"tags\")):")
	err = db.View(func(tx *memrel.Tx) error {
		articles := slices.Collect(Articles.All(tx))
		l, err := memrel.Load(tx, articles, ArticleTags.Path())
		if err != nil {
			return err
		}
		for _, a := range articles {
			say.Line("  %-30q %s", a.Title, tagNames(ArticleTags.LoadedList(l, a.ID)))
		}
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("Deleting a tag or an article deletes its links (article_tags.tag and .article are Cascade):")
	var res memrel.DeleteResult
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		res, err = Tags.Delete(tx, djangoTag.ID)
		return err
	})
	if err != nil {
		return err
	}
	say.Line("  delete tag django: %v", res)
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		res, err = Articles.Delete(tx, fixtures.ID)
		return err
	})
	if err != nil {
		return err
	}
	say.Line("  delete article %q: %v", fixtures.Title, res)
	err = db.View(func(tx *memrel.Tx) error {
		say.Line("  article %d.tags now: %s", orm.ID, tagNames(slices.Collect(ArticleTags.List(tx, orm.ID))))
		say.Line("  tag testing.articles now: %d", ArticleTags.Reverse().Count(tx, testTag.ID))
		return nil
	})
	if err != nil {
		return err
	}

	say.Line("")
	say.Line("Deleting bob keeps the tags he added, with added_by emptied (article_tags.added_by is SetNull):")
	err = db.Update(func(tx *memrel.Tx) error {
		var err error
		res, err = Users.Delete(tx, bob.ID)
		return err
	})
	if err != nil {
		return err
	}
	say.Line("  %v", res)
	err = db.View(func(tx *memrel.Tx) error {
		for l := range LinkAddedBy.Orphans(tx) {
			say.Line("  %s", describeLink(tx, l))
		}
		say.Line("  left: users %d, tags %d, articles %d, article_tags %d",
			Users.Len(tx), Tags.Len(tx), Articles.Len(tx), ArticleTagLinks.Len(tx))
		return nil
	})
	if err != nil {
		return err
	}

	return say.Finish(db)
}

// linkOf returns the link of an article and a tag (comma-ok).
func linkOf(tx *memrel.Tx, articleID, tagID int64) (ArticleTag, bool) {
	for l := range ArticleTags.Links(tx, articleID) {
		if l.TagID == tagID {
			return l, true
		}
	}
	return ArticleTag{}, false
}

// describeLink reads "link 1: article 1 tagged go on 2026-01-05 by ann".
func describeLink(tx *memrel.Tx, l ArticleTag) string {
	tag, _ := LinkTag.Parent(tx, l) // a required key: always found
	return fmt.Sprintf("link %d: article %d tagged %-9s on %s by %s", l.ID, l.ArticleID, tag.Name,
		show.Day(l.AddedAt), addedBy(tx, l))
}

// addedBy names the user who added a link, or says there is none.
func addedBy(tx *memrel.Tx, l ArticleTag) string {
	if u, ok := LinkAddedBy.Parent(tx, l); ok {
		return u.Username
	}
	return "(none)"
}

// tagNames joins the names of tags: "go, databases".
func tagNames(tags []Tag) string {
	if len(tags) == 0 {
		return "(none)"
	}
	names := make([]string, len(tags))
	for i, t := range tags {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}
