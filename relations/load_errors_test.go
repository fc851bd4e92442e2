package relations_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/memrel-go/memrel/relations"
	"github.com/memrel-go/memrel/store"
)

// Load given a nil path, or a path built on a nil or broken relation, at
// the top or nested, fails with an error that says which path is wrong and
// wraps ErrUnknownTable (the path names no relation of the schema); it never
// panics and loads nothing.
func TestLdLoadNilPathOrRelation(t *testing.T) {
	db := ldOpen(t)
	ldBlog(t, db)
	var nilFK *relations.FK[ldPost, ldUser, int64]
	var nilSide *relations.M2MSide[ldArticle, int64, ldTag, string, relations.Link[int64, string], int64]
	brokenFK := relations.ForeignKey((*store.Table[ldPost, int64])(nil), (func(*ldPost) *int64)(nil), (*store.Table[ldUser, int64])(nil), relations.Cascade).Named("author")
	brokenM2M := relations.ManyToMany[ldArticle, int64, ldTag, string](nil, "tags", nil)
	tx := db.BeginRead()
	defer tx.Abort()
	posts := ldAllPosts(tx)
	articles := ldCollect(ldArticles.All(tx))
	cases := []struct {
		name  string
		parts []string // what the message must name
		load  func() (*relations.Loaded, error)
	}{
		{"nil path", []string{"path 0", "nil"}, func() (*relations.Loaded, error) {
			return relations.Load(tx, posts, nil)
		}},
		{"nil second path", []string{"path 1", "nil"}, func() (*relations.Loaded, error) {
			return relations.Load(tx, posts, ldPostAuthor.Forward(), nil)
		}},
		{"nil nested path", []string{"posts.author", "path 1", "nil"}, func() (*relations.Loaded, error) {
			return relations.Load(tx, posts, ldPostAuthor.Forward(ldPostAuthor.Reverse(), nil))
		}},
		{"path of a nil foreign key", []string{"path 0", "nil"}, func() (*relations.Loaded, error) {
			return relations.Load(tx, posts, nilFK.Forward())
		}},
		{"reverse path of a nil foreign key, nested", []string{"posts.author", "path 0", "nil"}, func() (*relations.Loaded, error) {
			return relations.Load(tx, posts, ldPostAuthor.Forward(nilFK.Reverse()))
		}},
		{"path of a nil many-to-many side", []string{"path 0", "nil"}, func() (*relations.Loaded, error) {
			return relations.Load(tx, articles, nilSide.Path())
		}},
		{"path of a foreign key declared without tables", []string{"path 0", "author", "relation author: the child table, the parent table and the key field are nil (required)"}, func() (*relations.Loaded, error) {
			return relations.Load(tx, posts, brokenFK.Forward())
		}},
		{"path of a many-to-many declared without tables", []string{"path 0", "tags", "the source table and the target table are nil (required)"}, func() (*relations.Loaded, error) {
			return relations.Load(tx, articles, brokenM2M.Path())
		}},
		{"reverse path of a many-to-many declared without tables", []string{"path 0", "tags", "the source table and the target table are nil (required)"}, func() (*relations.Loaded, error) {
			return relations.Load(tx, []ldTag{{Slug: "go"}}, brokenM2M.Reverse().Path())
		}},
	}
	for _, c := range cases {
		var l *relations.Loaded
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: Load panicked: %v", c.name, r)
				}
			}()
			l, err = c.load()
		}()
		if err == nil {
			t.Errorf("%s: Load succeeded", c.name)
			continue
		}
		if l != nil {
			t.Errorf("%s: Load returned a Loaded with its error %v", c.name, err)
		}
		if !errors.Is(err, store.ErrUnknownTable) {
			t.Errorf("%s: error %v does not wrap ErrUnknownTable", c.name, err)
		}
		for _, p := range c.parts {
			if !strings.Contains(err.Error(), p) {
				t.Errorf("%s: error %q does not mention %q", c.name, err, p)
			}
		}
	}
}

// The Loaded accessors given a nil Loaded (the result of a failed Load)
// report nothing loaded instead of panicking.
func TestLdLoadedAccessorsOnNilLoaded(t *testing.T) {
	noPanicM2M(t, "LoadedParent", func() {
		if _, ok := ldPostAuthor.LoadedParent(nil, ldPost{AuthorID: 1}); ok {
			t.Errorf("LoadedParent(nil) reported a parent")
		}
	})
	noPanicM2M(t, "LoadedChildren", func() {
		if kids := ldPostAuthor.LoadedChildren(nil, 1); kids != nil {
			t.Errorf("LoadedChildren(nil) = %v", kids)
		}
	})
	noPanicM2M(t, "LoadedList", func() {
		if tags := ldArticleTags.LoadedList(nil, 1); tags != nil {
			t.Errorf("LoadedList(nil) = %v", tags)
		}
	})
}
