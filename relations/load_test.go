package relations_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/relations"
	"github.com/memrel-go/memrel/store"
)

// Tests of eager loading (relations.Load and the Loaded accessors) and of
// the relation reads FK.Children, FK.Count, FK.Orphans and FK.Parent.
//
// Schema: users; posts (author: required, Cascade; category: nullable
// string key, SetNull); comments (post: Cascade; author: nullable,
// SetNull); articles <-> tags (string keys) through an automatic link
// table; readers <-> books through a table of loans of our own; notes
// (owner: DoNothing).

type ldUser struct {
	ID    int64
	Name  string
	Roles []string // shared by shallow copies: shows which stored row a copy came from
}

type ldCategory struct {
	Code  string
	Title string
}

type ldPost struct {
	ID       int64
	AuthorID int64
	Category store.Null[string]
	Title    string
}

type ldComment struct {
	ID       int64
	PostID   int64
	AuthorID store.Null[int64]
	Body     string
}

type ldArticle struct {
	ID    int64
	Title string
}

type ldTag struct {
	Slug  string
	Label string
}

type ldReader struct {
	ID   int64
	Name string
}

type ldBook struct {
	ID    int64
	Title string
}

type ldLoan struct {
	ID       int64
	ReaderID int64
	BookID   int64
	Days     int
}

type ldNote struct {
	ID      int64
	OwnerID int64
	Text    string
}

var (
	ldUsers      = store.NewTable("users", func(r *ldUser) *int64 { return &r.ID })
	ldCategories = store.NewTable("categories", func(r *ldCategory) *string { return &r.Code })
	ldPosts      = store.NewTable("posts", func(r *ldPost) *int64 { return &r.ID })
	ldComments   = store.NewTable("comments", func(r *ldComment) *int64 { return &r.ID })
	ldArticles   = store.NewTable("articles", func(r *ldArticle) *int64 { return &r.ID })
	ldTags       = store.NewTable("tags", func(r *ldTag) *string { return &r.Slug })
	ldReaders    = store.NewTable("readers", func(r *ldReader) *int64 { return &r.ID })
	ldBooks      = store.NewTable("books", func(r *ldBook) *int64 { return &r.ID })
	ldLoans      = store.NewTable("loans", func(r *ldLoan) *int64 { return &r.ID })
	ldNotes      = store.NewTable("notes", func(r *ldNote) *int64 { return &r.ID })

	ldPostAuthor    = relations.ForeignKey(ldPosts, func(p *ldPost) *int64 { return &p.AuthorID }, ldUsers, relations.Cascade).Related("posts")
	ldPostCategory  = relations.ForeignKey(ldPosts, func(p *ldPost) *store.Null[string] { return &p.Category }, ldCategories, relations.SetNull).Related("posts")
	ldCommentPost   = relations.ForeignKey(ldComments, func(c *ldComment) *int64 { return &c.PostID }, ldPosts, relations.Cascade).Related("comments")
	ldCommentAuthor = relations.ForeignKey(ldComments, func(c *ldComment) *store.Null[int64] { return &c.AuthorID }, ldUsers, relations.SetNull).Related("comments")
	ldArticleTags   = relations.ManyToMany(ldArticles, "tags", ldTags).Related("articles")
	ldLoanReader    = relations.ForeignKey(ldLoans, func(l *ldLoan) *int64 { return &l.ReaderID }, ldReaders, relations.Cascade).Related("loans")
	ldLoanBook      = relations.ForeignKey(ldLoans, func(l *ldLoan) *int64 { return &l.BookID }, ldBooks, relations.Cascade).Related("loans")
	ldReaderBooks   = relations.ManyToManyThrough(ldLoans, "books", ldLoanReader, ldLoanBook).Related("readers")
	ldNoteOwner     = relations.ForeignKey(ldNotes, func(n *ldNote) *int64 { return &n.OwnerID }, ldUsers, relations.DoNothing).Related("notes")

	// ldStray is declared on a table that is in no schema (so the relation
	// is in none either: a relation belongs to its child table).
	ldStrayPosts = store.NewTable("ld_stray_posts", func(p *ldPost) *int64 { return &p.ID })
	ldStray      = relations.ForeignKey(ldStrayPosts, func(p *ldPost) *int64 { return &p.AuthorID }, ldUsers, relations.Cascade).Named("editor").Related("edited")
)

// ldOpen opens an empty DB with the whole schema.
func ldOpen(t testing.TB) *store.DB {
	t.Helper()
	db, err := memrel.Open(memrel.Schema{
		Tables: []memrel.AnyTable{ldUsers, ldCategories, ldPosts, ldComments, ldArticles, ldTags, ldReaders, ldBooks, ldLoans, ldNotes},
		Relations: []memrel.Relation{ldPostAuthor, ldPostCategory, ldCommentPost, ldCommentAuthor, ldArticleTags,
			ldLoanReader, ldLoanBook, ldReaderBooks, ldNoteOwner},
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db
}

func ldUpdate(t testing.TB, db *store.DB, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func ldMust[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("write: %v", err)
		}
		return v
	}
}

func ldCollect[T any](seq func(func(T) bool)) []T {
	var out []T
	for v := range seq {
		out = append(out, v)
	}
	return out
}

// ldBlog loads users 1 ann, 2 bob, 3 cid (no posts, no comments); posts 1
// and 2 by ann (1 in category "go", 2 in none), 3 by bob (category "db"),
// 4 by ann with no comments; comments 1 (post 1, ann), 2 (post 1, bob), 3
// (post 3, ann), 4 (post 1, no author), 5 (post 2, bob), 6 (post 3, bob).
func ldBlog(t testing.TB, db *store.DB) {
	t.Helper()
	ldUpdate(t, db, func(tx *store.Tx) error {
		for _, u := range []ldUser{{Name: "ann", Roles: []string{"admin"}}, {Name: "bob", Roles: []string{"staff"}}, {Name: "cid"}} {
			ldMust[ldUser](t)(ldUsers.Insert(tx, u))
		}
		for _, c := range []ldCategory{{"go", "Go"}, {"db", "Databases"}} {
			ldMust[ldCategory](t)(ldCategories.Insert(tx, c))
		}
		for _, p := range []ldPost{
			{AuthorID: 1, Category: store.Some("go"), Title: "p1"},
			{AuthorID: 1, Title: "p2"},
			{AuthorID: 2, Category: store.Some("db"), Title: "p3"},
			{AuthorID: 1, Title: "p4"},
		} {
			ldMust[ldPost](t)(ldPosts.Insert(tx, p))
		}
		for _, c := range []ldComment{
			{PostID: 1, AuthorID: store.Some[int64](1), Body: "c1"},
			{PostID: 1, AuthorID: store.Some[int64](2), Body: "c2"},
			{PostID: 3, AuthorID: store.Some[int64](1), Body: "c3"},
			{PostID: 1, Body: "c4"},
			{PostID: 2, AuthorID: store.Some[int64](2), Body: "c5"},
			{PostID: 3, AuthorID: store.Some[int64](2), Body: "c6"},
		} {
			ldMust[ldComment](t)(ldComments.Insert(tx, c))
		}
		return nil
	})
}

func ldAllPosts(tx *store.Tx) []ldPost { return ldCollect(ldPosts.All(tx)) }

func ldCommentBodies(cs []ldComment) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Body)
	}
	return out
}

// ldSameUser compares users field by field (Roles by content).
func ldSameUser(a, b ldUser) bool {
	return a.ID == b.ID && a.Name == b.Name && slices.Equal(a.Roles, b.Roles)
}

func TestLdLoadForward(t *testing.T) {
	db := ldOpen(t)
	ldBlog(t, db)
	tx := db.BeginRead()
	defer tx.Abort()
	posts := ldAllPosts(tx)
	l, err := relations.Load(tx, posts, ldPostAuthor.Forward(), ldPostCategory.Forward())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, p := range posts {
		want, _ := ldPostAuthor.Parent(tx, p)
		got, ok := ldPostAuthor.LoadedParent(l, p)
		if !ok || !ldSameUser(got, want) {
			t.Errorf("LoadedParent(post %d) = %+v, %v; want %+v", p.ID, got, ok, want)
		}
		cat, ok := ldPostCategory.LoadedParent(l, p)
		wantCat, wantOK := ldPostCategory.Parent(tx, p)
		if ok != wantOK || cat != wantCat {
			t.Errorf("category LoadedParent(post %d) = %+v, %v; want %+v, %v", p.ID, cat, ok, wantCat, wantOK)
		}
	}
	if _, ok := ldPostCategory.LoadedParent(l, posts[1]); ok {
		t.Errorf("LoadedParent of a post with an empty category reports a parent")
	}
	// Relations not loaded answer nothing.
	if c, ok := ldCommentAuthor.LoadedParent(l, ldComment{ID: 1, PostID: 1, AuthorID: store.Some[int64](1)}); ok {
		t.Errorf("LoadedParent through a relation not loaded = %+v, true", c)
	}
	if kids := ldCommentPost.LoadedChildren(l, 1); kids != nil {
		t.Errorf("LoadedChildren through a relation not loaded = %v, want nil", kids)
	}
	if kids := ldPostAuthor.LoadedChildren(l, 1); kids != nil {
		t.Errorf("LoadedChildren of a relation loaded only forward = %v, want nil", kids)
	}
}

// posts -> comments -> author: a reverse path with a nested forward path.
func TestLdLoadNestedReverseThenForward(t *testing.T) {
	db := ldOpen(t)
	ldBlog(t, db)
	tx := db.BeginRead()
	defer tx.Abort()
	posts := ldAllPosts(tx)
	l, err := relations.Load(tx, posts, ldPostAuthor.Forward(), ldCommentPost.Reverse(ldCommentAuthor.Forward()))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	wantBodies := map[int64][]string{1: {"c1", "c2", "c4"}, 2: {"c5"}, 3: {"c3", "c6"}}
	for _, p := range posts {
		kids := ldCommentPost.LoadedChildren(l, p.ID)
		if got, want := ldCommentBodies(kids), wantBodies[p.ID]; !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("LoadedChildren(post %d) = %q, want %q", p.ID, got, want)
		}
		if direct := ldCollect(ldCommentPost.Children(tx, p.ID)); !slices.Equal(kids, direct) {
			t.Errorf("LoadedChildren(post %d) = %+v but Children = %+v", p.ID, kids, direct)
		}
		for _, c := range kids {
			got, ok := ldCommentAuthor.LoadedParent(l, c)
			want, wantOK := ldCommentAuthor.Parent(tx, c)
			if ok != wantOK || !ldSameUser(got, want) {
				t.Errorf("author of comment %s = %+v, %v; want %+v, %v", c.Body, got, ok, want, wantOK)
			}
		}
	}
	// Post 4 has no comments: nil, not an empty slice.
	if kids := ldCommentPost.LoadedChildren(l, 4); kids != nil {
		t.Errorf("LoadedChildren(post 4, no comments) = %#v, want nil", kids)
	}
	// A key that was not loaded at all.
	if kids := ldCommentPost.LoadedChildren(l, 99); kids != nil {
		t.Errorf("LoadedChildren(99) = %#v, want nil", kids)
	}
	// The comment without an author.
	c4, _ := ldComments.Get(tx, 4)
	if u, ok := ldCommentAuthor.LoadedParent(l, c4); ok {
		t.Errorf("LoadedParent of a comment with no author = %+v, true", u)
	}
}

// Users -> their posts -> the comments on them -> the comments' authors:
// three levels, starting from the parent side.
func TestLdLoadThreeLevels(t *testing.T) {
	db := ldOpen(t)
	ldBlog(t, db)
	tx := db.BeginRead()
	defer tx.Abort()
	users := ldCollect(ldUsers.All(tx))
	l, err := relations.Load(tx, users, ldPostAuthor.Reverse(ldCommentPost.Reverse(ldCommentAuthor.Forward()), ldPostCategory.Forward()))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var lines []string
	for _, u := range users {
		for _, p := range ldPostAuthor.LoadedChildren(l, u.ID) {
			cat := "-"
			if c, ok := ldPostCategory.LoadedParent(l, p); ok {
				cat = c.Title
			}
			for _, c := range ldCommentPost.LoadedChildren(l, p.ID) {
				by := "nobody"
				if a, ok := ldCommentAuthor.LoadedParent(l, c); ok {
					by = a.Name
				}
				lines = append(lines, fmt.Sprintf("%s/%s[%s]/%s by %s", u.Name, p.Title, cat, c.Body, by))
			}
		}
	}
	want := []string{
		"ann/p1[Go]/c1 by ann", "ann/p1[Go]/c2 by bob", "ann/p1[Go]/c4 by nobody", "ann/p2[-]/c5 by bob",
		"bob/p3[Databases]/c3 by ann", "bob/p3[Databases]/c6 by bob",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("walk of the loaded rows:\n got  %q\n want %q", lines, want)
	}
	if kids := ldPostAuthor.LoadedChildren(l, 3); kids != nil {
		t.Errorf("posts of cid (none) = %#v, want nil", kids)
	}
}

// articles -> tags through an automatic many-to-many table, and the reverse
// side, tags -> articles; tags have string keys.
func TestLdLoadManyToMany(t *testing.T) {
	db := ldOpen(t)
	ldUpdate(t, db, func(tx *store.Tx) error {
		for _, slug := range []string{"go", "db", "zz", "a\x00b", "web"} {
			ldMust[ldTag](t)(ldTags.Insert(tx, ldTag{Slug: slug, Label: strings.ToUpper(slug)}))
		}
		for _, title := range []string{"a1", "a2", "a3", "a4"} {
			ldMust[ldArticle](t)(ldArticles.Insert(tx, ldArticle{Title: title}))
		}
		for _, link := range []struct {
			a    int64
			tags []string
		}{{1, []string{"web", "go", "db"}}, {2, []string{"go"}}, {3, []string{"web", "a\x00b"}}} {
			if _, err := ldArticleTags.Add(tx, link.a, link.tags...); err != nil {
				return err
			}
		}
		return nil
	})
	tx := db.BeginRead()
	defer tx.Abort()
	articles := ldCollect(ldArticles.All(tx))
	l, err := relations.Load(tx, articles, ldArticleTags.Path(ldArticleTags.Reverse().Path()))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	slugs := func(ts []ldTag) []string {
		out := []string{}
		for _, tg := range ts {
			out = append(out, tg.Slug)
		}
		return out
	}
	titles := func(as []ldArticle) []string {
		out := []string{}
		for _, a := range as {
			out = append(out, a.Title)
		}
		return out
	}
	wantTags := map[int64][]string{1: {"db", "go", "web"}, 2: {"go"}, 3: {"a\x00b", "web"}}
	for _, a := range articles {
		got := ldArticleTags.LoadedList(l, a.ID)
		if want := wantTags[a.ID]; !slices.Equal(slugs(got), want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("LoadedList(article %d) = %q, want %q", a.ID, slugs(got), want)
		}
		if direct := ldCollect(ldArticleTags.List(tx, a.ID)); !slices.Equal(got, direct) {
			t.Errorf("LoadedList(article %d) = %+v but List = %+v", a.ID, got, direct)
		}
	}
	if got := ldArticleTags.LoadedList(l, 4); got != nil {
		t.Errorf("LoadedList(article 4, no tags) = %#v, want nil", got)
	}
	// The nested reverse side: every tag reached gets its articles.
	wantArticles := map[string][]string{"db": {"a1"}, "go": {"a1", "a2"}, "web": {"a1", "a3"}, "a\x00b": {"a3"}}
	for slug, want := range wantArticles {
		if got := titles(ldArticleTags.Reverse().LoadedList(l, slug)); !slices.Equal(got, want) {
			t.Errorf("Reverse().LoadedList(%q) = %q, want %q", slug, got, want)
		}
	}
	// Tags no article reached were not loaded.
	if got := ldArticleTags.Reverse().LoadedList(l, "zz"); got != nil {
		t.Errorf("Reverse().LoadedList(zz) = %#v, want nil", got)
	}

	// Starting from the tag side.
	tags := ldCollect(ldTags.All(tx))
	l2, err := relations.Load(tx, tags, ldArticleTags.Reverse().Path())
	if err != nil {
		t.Fatalf("Load from tags: %v", err)
	}
	for _, tg := range tags {
		want := wantArticles[tg.Slug]
		got := titles(ldArticleTags.Reverse().LoadedList(l2, tg.Slug))
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("from tags: LoadedList(%q) = %q, want %q", tg.Slug, got, want)
		}
	}
	if got := ldArticleTags.LoadedList(l2, 1); got != nil {
		t.Errorf("the forward side was not loaded from tags, but LoadedList = %v", got)
	}
}

// A many-to-many through a table of our own: readers -> books.
func TestLdLoadManyToManyThrough(t *testing.T) {
	db := ldOpen(t)
	ldLibrary(t, db)
	tx := db.BeginRead()
	defer tx.Abort()
	readers := ldCollect(ldReaders.All(tx))
	l, err := relations.Load(tx, readers, ldReaderBooks.Path())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := map[int64][]int64{1: {1, 2}, 2: {2}}
	for _, r := range readers {
		var got []int64
		for _, b := range ldReaderBooks.LoadedList(l, r.ID) {
			got = append(got, b.ID)
		}
		if !slices.Equal(got, want[r.ID]) {
			t.Errorf("books of reader %d = %v, want %v", r.ID, got, want[r.ID])
		}
	}
}

// ldLibrary loads readers 1, 2, 3; books 1, 2; loans: reader 1 book 2,
// reader 1 book 1, reader 2 book 2, reader 1 book 2 again (a second loan of
// the same book).
func ldLibrary(t testing.TB, db *store.DB) {
	t.Helper()
	ldUpdate(t, db, func(tx *store.Tx) error {
		for _, n := range []string{"r1", "r2", "r3"} {
			ldMust[ldReader](t)(ldReaders.Insert(tx, ldReader{Name: n}))
		}
		for _, n := range []string{"b1", "b2"} {
			ldMust[ldBook](t)(ldBooks.Insert(tx, ldBook{Title: n}))
		}
		for _, l := range []ldLoan{{ReaderID: 1, BookID: 2, Days: 7}, {ReaderID: 1, BookID: 1, Days: 3}, {ReaderID: 2, BookID: 2, Days: 1}, {ReaderID: 1, BookID: 2, Days: 14}} {
			ldMust[ldLoan](t)(ldLoans.Insert(tx, l))
		}
		return nil
	})
}

// Two paths of one Load that share a relation, in different roles, must
// both be readable: the same foreign key followed forward and then in
// reverse (each post's author, and all that author's posts), and a
// many-to-many side with the reverse of its own link foreign key (each
// reader's books, and each reader's loans with their extra fields).
func TestLdLoadSameRelationInTwoRoles(t *testing.T) {
	db := ldOpen(t)
	ldBlog(t, db)
	ldLibrary(t, db)
	tx := db.BeginRead()
	defer tx.Abort()

	posts := []ldPost{}
	if p, ok := ldPosts.Get(tx, 3); ok { // bob's post
		posts = append(posts, p)
	}
	if p, ok := ldPosts.Get(tx, 2); ok { // one of ann's
		posts = append(posts, p)
	}
	l, err := relations.Load(tx, posts, ldPostAuthor.Forward(ldPostAuthor.Reverse()))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, p := range posts {
		if a, ok := ldPostAuthor.LoadedParent(l, p); !ok || a.ID != p.AuthorID {
			t.Errorf("PostAuthor.Forward(PostAuthor.Reverse()): LoadedParent(post %d) = %+v, %v; want user %d (the forward data is lost when the nested reverse path of the same relation runs)", p.ID, a, ok, p.AuthorID)
		}
	}
	var annPosts []int64
	for _, p := range ldPostAuthor.LoadedChildren(l, 1) {
		annPosts = append(annPosts, p.ID)
	}
	if !slices.Equal(annPosts, []int64{1, 2, 4}) {
		t.Errorf("PostAuthor.Forward(PostAuthor.Reverse()): LoadedChildren(ann) = %v, want [1 2 4]", annPosts)
	}

	readers := ldCollect(ldReaders.All(tx))
	l2, err := relations.Load(tx, readers, ldReaderBooks.Path(), ldLoanReader.Reverse())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var books, loans []int64
	for _, b := range ldReaderBooks.LoadedList(l2, 1) {
		books = append(books, b.ID)
	}
	for _, ln := range ldLoanReader.LoadedChildren(l2, 1) {
		loans = append(loans, ln.ID)
	}
	if !slices.Equal(books, []int64{1, 2}) {
		t.Errorf("ReaderBooks.Path() with LoanReader.Reverse(): LoadedList(reader 1) = %v, want [1 2] (the many-to-many data is lost when the link relation's reverse path runs)", books)
	}
	if !slices.Equal(loans, []int64{1, 2, 4}) {
		t.Errorf("ReaderBooks.Path() with LoanReader.Reverse(): LoadedChildren(reader 1) = %v, want [1 2 4]", loans)
	}
}

// A parent that many rows point at is loaded once: every post of one
// author gets the same stored row, and the work of the load does not grow
// with the number of rows pointing at it.
func TestLdLoadParentOnce(t *testing.T) {
	db := ldOpen(t)
	const n = 100
	ldUpdate(t, db, func(tx *store.Tx) error {
		ldMust[ldUser](t)(ldUsers.Insert(tx, ldUser{Name: "ann", Roles: []string{"admin", "author"}}))
		for i := range n {
			ldMust[ldUser](t)(ldUsers.Insert(tx, ldUser{Name: fmt.Sprint("u", i)}))
		}
		for i := range n {
			// Posts 1..n by ann; posts n+1..2n by n distinct users.
			ldMust[ldPost](t)(ldPosts.Insert(tx, ldPost{AuthorID: 1, Title: fmt.Sprint("p", i)}))
		}
		for i := range n {
			ldMust[ldPost](t)(ldPosts.Insert(tx, ldPost{AuthorID: int64(i + 2), Title: fmt.Sprint("q", i)}))
		}
		for i := range n {
			// Each of ann's posts gets two comments by ann.
			for range 2 {
				ldMust[ldComment](t)(ldComments.Insert(tx, ldComment{PostID: int64(i + 1), AuthorID: store.Some[int64](1)}))
			}
		}
		return nil
	})
	tx := db.BeginRead()
	defer tx.Abort()
	all := ldAllPosts(tx)
	annPosts, otherPosts := all[:n], all[n:]
	l, err := relations.Load(tx, annPosts, ldPostAuthor.Forward(), ldCommentPost.Reverse(ldCommentAuthor.Forward()))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	distinct := map[int64]bool{}
	var first ldUser
	for i, p := range annPosts {
		a, ok := ldPostAuthor.LoadedParent(l, p)
		if !ok {
			t.Fatalf("LoadedParent(post %d) missing", p.ID)
		}
		distinct[a.ID] = true
		if i == 0 {
			first = a
			continue
		}
		// The same content, from the same stored row: the Roles slice of
		// every copy shares one backing array.
		if !ldSameUser(a, first) || &a.Roles[0] != &first.Roles[0] {
			t.Errorf("author of post %d = %+v (roles at %p), of post 1 = %+v (roles at %p): not the same stored row", p.ID, a, &a.Roles[0], first, &first.Roles[0])
		}
		for _, c := range ldCommentPost.LoadedChildren(l, p.ID) {
			ca, ok := ldCommentAuthor.LoadedParent(l, c)
			if !ok || !ldSameUser(ca, first) || &ca.Roles[0] != &first.Roles[0] {
				t.Errorf("author of comment %d = %+v, %v; want the same stored row as the posts' author", c.ID, ca, ok)
			}
		}
	}
	if len(distinct) != 1 {
		t.Errorf("%d distinct authors for posts of one author", len(distinct))
	}

	// The cost of loading one author for 10 posts or for 100 is the same; n
	// distinct authors cost a lookup each.
	load := func(rows []ldPost) func() {
		return func() {
			if _, err := relations.Load(tx, rows, ldPostAuthor.Forward()); err != nil {
				t.Fatal(err)
			}
		}
	}
	one10 := testing.AllocsPerRun(20, load(annPosts[:10]))
	one100 := testing.AllocsPerRun(20, load(annPosts))
	many100 := testing.AllocsPerRun(20, load(otherPosts))
	t.Logf("Load(posts, author) allocations: 10 posts of 1 author %v, 100 posts of 1 author %v, 100 posts of 100 authors %v", one10, one100, many100)
	if one100-one10 > 5 {
		t.Errorf("loading the one author of 100 posts costs %v allocations, of 10 posts %v: the author is looked up per post", one100, one10)
	}
	if many100-one100 < n-1 {
		t.Errorf("100 distinct authors cost %v allocations, one author %v: the measure does not see lookups", many100, one100)
	}
}

// The same rows given twice, or the same path twice, load each related row
// once and give the same answers.
func TestLdLoadDuplicateRowsAndPaths(t *testing.T) {
	db := ldOpen(t)
	ldBlog(t, db)
	tx := db.BeginRead()
	defer tx.Abort()
	p1, _ := ldPosts.Get(tx, 1)
	rows := []ldPost{p1, p1, p1}
	l, err := relations.Load(tx, rows, ldCommentPost.Reverse(), ldCommentPost.Reverse(ldCommentAuthor.Forward()), ldPostAuthor.Forward())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := ldCommentBodies(ldCommentPost.LoadedChildren(l, 1)); !slices.Equal(got, []string{"c1", "c2", "c4"}) {
		t.Errorf("LoadedChildren(1) = %q, want [c1 c2 c4] once each", got)
	}
	c2, _ := ldComments.Get(tx, 2)
	if a, ok := ldCommentAuthor.LoadedParent(l, c2); !ok || a.Name != "bob" {
		t.Errorf("author of c2 = %+v, %v", a, ok)
	}
}

// Load with no rows or no paths is not an error.
func TestLdLoadNothing(t *testing.T) {
	db := ldOpen(t)
	ldBlog(t, db)
	tx := db.BeginRead()
	defer tx.Abort()
	l, err := relations.Load[ldPost](tx, nil, ldPostAuthor.Forward(), ldCommentPost.Reverse())
	if err != nil || l == nil {
		t.Fatalf("Load(no rows) = %v, %v", l, err)
	}
	if kids := ldCommentPost.LoadedChildren(l, 1); kids != nil {
		t.Errorf("LoadedChildren after loading no rows = %v", kids)
	}
	l, err = relations.Load(tx, ldAllPosts(tx))
	if err != nil || l == nil {
		t.Fatalf("Load(no paths) = %v, %v", l, err)
	}
}

// A path that does not start from the rows' type is an error, at the top
// or nested, and nothing is returned.
func TestLdLoadWrongRowType(t *testing.T) {
	db := ldOpen(t)
	ldBlog(t, db)
	tx := db.BeginRead()
	defer tx.Abort()
	posts := ldAllPosts(tx)
	comments := ldCollect(ldComments.All(tx))
	cases := []struct {
		name string
		load func() (*relations.Loaded, error)
	}{
		{"forward path from the parent type", func() (*relations.Loaded, error) {
			return relations.Load(tx, posts, ldCommentPost.Forward())
		}},
		{"reverse path from the child type", func() (*relations.Loaded, error) {
			return relations.Load(tx, posts, ldPostAuthor.Reverse())
		}},
		{"forward path from an unrelated type", func() (*relations.Loaded, error) {
			return relations.Load(tx, comments, ldPostAuthor.Forward())
		}},
		{"second path wrong", func() (*relations.Loaded, error) {
			return relations.Load(tx, posts, ldPostAuthor.Forward(), ldCommentAuthor.Forward())
		}},
		{"nested path wrong", func() (*relations.Loaded, error) {
			return relations.Load(tx, posts, ldPostAuthor.Forward(ldCommentPost.Forward()))
		}},
		{"many-to-many reverse side from the source type", func() (*relations.Loaded, error) {
			return relations.Load(tx, ldCollect(ldArticles.All(tx)), ldArticleTags.Reverse().Path())
		}},
		{"rows of type any", func() (*relations.Loaded, error) {
			return relations.Load(tx, []any{posts[0]}, ldPostAuthor.Forward())
		}},
	}
	for _, c := range cases {
		l, err := c.load()
		if err == nil {
			t.Errorf("%s: Load succeeded", c.name)
			continue
		}
		if l != nil {
			t.Errorf("%s: Load returned a Loaded with error %v", c.name, err)
		}
		if errors.Is(err, store.ErrUnknownTable) {
			t.Errorf("%s: error %v is ErrUnknownTable, want a wrong-type error", c.name, err)
		}
		if !strings.Contains(err.Error(), "type") {
			t.Errorf("%s: error %q does not talk about the row type", c.name, err)
		}
	}
}

// A relation not in the DB's schema is ErrUnknownTable (as a
// *store.TableError), at the top or nested.
func TestLdLoadRelationNotInSchema(t *testing.T) {
	small, err := memrel.Open(memrel.Schema{
		Tables:    []memrel.AnyTable{ldUsers, ldPosts, ldCategories, ldArticles},
		Relations: []memrel.Relation{ldPostAuthor, ldPostCategory},
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	ldUpdate(t, small, func(tx *store.Tx) error {
		ldMust[ldUser](t)(ldUsers.Insert(tx, ldUser{Name: "ann"}))
		ldMust[ldPost](t)(ldPosts.Insert(tx, ldPost{AuthorID: 1}))
		ldMust[ldArticle](t)(ldArticles.Insert(tx, ldArticle{Title: "a"}))
		return nil
	})
	full := ldOpen(t)
	ldBlog(t, full)
	for _, c := range []struct {
		name string
		db   *store.DB
		load func(tx *store.Tx) (*relations.Loaded, error)
	}{
		{"relation in no schema", full, func(tx *store.Tx) (*relations.Loaded, error) {
			return relations.Load(tx, ldAllPosts(tx), ldStray.Forward())
		}},
		{"relation of another schema", small, func(tx *store.Tx) (*relations.Loaded, error) {
			return relations.Load(tx, ldAllPosts(tx), ldPostAuthor.Forward(), ldCommentPost.Reverse())
		}},
		{"nested relation of another schema", small, func(tx *store.Tx) (*relations.Loaded, error) {
			return relations.Load(tx, ldAllPosts(tx), ldPostAuthor.Forward(ldCommentAuthor.Reverse()))
		}},
		{"many-to-many of another schema", small, func(tx *store.Tx) (*relations.Loaded, error) {
			return relations.Load(tx, ldCollect(ldArticles.All(tx)), ldArticleTags.Path())
		}},
	} {
		tx := c.db.BeginRead()
		l, err := c.load(tx)
		tx.Abort()
		if !errors.Is(err, store.ErrUnknownTable) {
			t.Errorf("%s: error %v, want ErrUnknownTable", c.name, err)
			continue
		}
		if !errors.Is(err, memrel.ErrUnknownTable) {
			t.Errorf("%s: error %v is not memrel.ErrUnknownTable", c.name, err)
		}
		var te *store.TableError
		if !errors.As(err, &te) {
			t.Errorf("%s: error %v (%T) is not a *store.TableError", c.name, err, err)
		}
		if l != nil {
			t.Errorf("%s: Load returned a Loaded with its error", c.name)
		}
	}
}

// What the accessors return are copies: changing them changes neither the
// store nor the Loaded. A Loaded is a snapshot: later writes do not change
// it.
func TestLdLoadedValuesAreCopies(t *testing.T) {
	db := ldOpen(t)
	ldBlog(t, db)
	ldUpdate(t, db, func(tx *store.Tx) error {
		ldMust[ldArticle](t)(ldArticles.Insert(tx, ldArticle{Title: "a1"}))
		ldMust[ldTag](t)(ldTags.Insert(tx, ldTag{Slug: "go", Label: "Go"}))
		return cnIns(ldArticleTags.Add(tx, 1, "go"))
	})
	tx := db.BeginRead()
	posts := ldAllPosts(tx)
	l, err := relations.Load(tx, posts, ldPostAuthor.Forward(), ldCommentPost.Reverse())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	arts := ldCollect(ldArticles.All(tx))
	lm, err := relations.Load(tx, arts, ldArticleTags.Path())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	tx.Abort()

	a, _ := ldPostAuthor.LoadedParent(l, posts[0])
	a.Name = "changed"
	kids := ldCommentPost.LoadedChildren(l, 1)
	kids[0].Body = "changed"
	kids = append(kids[:0], ldComment{Body: "replaced"})
	_ = kids
	tags := ldArticleTags.LoadedList(lm, 1)
	tags[0].Label = "changed"
	// The input rows can change too: the Loaded keeps no reference to them.
	posts[0].Title = "changed"

	if a2, _ := ldPostAuthor.LoadedParent(l, posts[0]); a2.Name != "ann" {
		t.Errorf("LoadedParent after changing a returned copy = %+v", a2)
	}
	if got := ldCommentBodies(ldCommentPost.LoadedChildren(l, 1)); !slices.Equal(got, []string{"c1", "c2", "c4"}) {
		t.Errorf("LoadedChildren after changing a returned slice = %q", got)
	}
	if got := ldArticleTags.LoadedList(lm, 1); len(got) != 1 || got[0].Label != "Go" {
		t.Errorf("LoadedList after changing a returned row = %+v", got)
	}
	rtx := db.BeginRead()
	if u, _ := ldUsers.Get(rtx, 1); u.Name != "ann" {
		t.Errorf("stored user after changing a loaded copy = %+v", u)
	}
	if c, _ := ldComments.Get(rtx, 1); c.Body != "c1" {
		t.Errorf("stored comment after changing a loaded copy = %+v", c)
	}
	if tg, _ := ldTags.Get(rtx, "go"); tg.Label != "Go" {
		t.Errorf("stored tag after changing a loaded copy = %+v", tg)
	}
	rtx.Abort()

	// Later writes: rename ann, delete comment 2, add a comment, untag.
	ldUpdate(t, db, func(tx *store.Tx) error {
		if _, err := ldUsers.Modify(tx, 1, func(u *ldUser) error { u.Name = "ann2"; return nil }); err != nil {
			return err
		}
		if _, err := ldComments.Delete(tx, 2); err != nil {
			return err
		}
		ldMust[ldComment](t)(ldComments.Insert(tx, ldComment{PostID: 1, Body: "c7"}))
		if _, err := ldTags.Modify(tx, "go", func(tg *ldTag) error { tg.Label = "Golang"; return nil }); err != nil {
			return err
		}
		return ldArticleTags.Remove(tx, 1, "go")
	})
	if a3, _ := ldPostAuthor.LoadedParent(l, posts[0]); a3.Name != "ann" {
		t.Errorf("LoadedParent after a later rename = %+v, want the snapshot's ann", a3)
	}
	if got := ldCommentBodies(ldCommentPost.LoadedChildren(l, 1)); !slices.Equal(got, []string{"c1", "c2", "c4"}) {
		t.Errorf("LoadedChildren after later writes = %q, want the snapshot's [c1 c2 c4]", got)
	}
	if got := ldArticleTags.LoadedList(lm, 1); len(got) != 1 || got[0].Label != "Go" {
		t.Errorf("LoadedList after later writes = %+v, want the snapshot's [go Go]", got)
	}
}

// Load in a write transaction sees the transaction's own writes.
func TestLdLoadInWriteTransaction(t *testing.T) {
	db := ldOpen(t)
	ldBlog(t, db)
	tx := db.BeginWrite()
	defer tx.Abort()
	must := ldMust[ldComment](t)
	dan := ldMust[ldUser](t)(ldUsers.Insert(tx, ldUser{Name: "dan"}))
	p5 := ldMust[ldPost](t)(ldPosts.Insert(tx, ldPost{AuthorID: dan.ID, Title: "p5"}))
	p6 := ldMust[ldPost](t)(ldPosts.Insert(tx, ldPost{AuthorID: dan.ID, Title: "p6"}))
	must(ldComments.Insert(tx, ldComment{PostID: p5.ID, AuthorID: store.Some(dan.ID), Body: "c7"}))
	must(ldComments.Insert(tx, ldComment{PostID: 1, AuthorID: store.Some(dan.ID), Body: "c8"}))
	must(ldComments.Modify(tx, 4, func(c *ldComment) error { c.AuthorID = store.Some(dan.ID); return nil }))
	if _, err := ldComments.Delete(tx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := ldPosts.Modify(tx, 2, func(p *ldPost) error { p.AuthorID = dan.ID; return nil }); err != nil {
		t.Fatal(err)
	}

	posts := ldAllPosts(tx)
	l, err := relations.Load(tx, posts, ldPostAuthor.Forward(), ldCommentPost.Reverse(ldCommentAuthor.Forward()))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	byID := map[int64]ldPost{}
	for _, p := range posts {
		byID[p.ID] = p
	}
	if a, ok := ldPostAuthor.LoadedParent(l, byID[p5.ID]); !ok || a.Name != "dan" {
		t.Errorf("author of a post inserted in the tx = %+v, %v", a, ok)
	}
	if a, ok := ldPostAuthor.LoadedParent(l, byID[2]); !ok || a.Name != "dan" {
		t.Errorf("author of post 2 after its author changed in the tx = %+v, %v", a, ok)
	}
	if got := ldCommentBodies(ldCommentPost.LoadedChildren(l, 1)); !slices.Equal(got, []string{"c2", "c4", "c8"}) {
		t.Errorf("comments of post 1 in the tx = %q, want [c2 c4 c8]", got)
	}
	if got := ldCommentBodies(ldCommentPost.LoadedChildren(l, p5.ID)); !slices.Equal(got, []string{"c7"}) {
		t.Errorf("comments of post 5 in the tx = %q, want [c7]", got)
	}
	if kids := ldCommentPost.LoadedChildren(l, p6.ID); kids != nil {
		t.Errorf("comments of post 6 (none) = %#v, want nil", kids)
	}
	for _, c := range ldCommentPost.LoadedChildren(l, 1) {
		a, ok := ldCommentAuthor.LoadedParent(l, c)
		want := map[string]string{"c2": "bob", "c4": "dan", "c8": "dan"}[c.Body]
		if !ok || a.Name != want {
			t.Errorf("author of %s in the tx = %+v, %v; want %s", c.Body, a, ok, want)
		}
	}

	// A set-null delete in the same transaction: bob's comments lose their
	// author, and a new Load sees it.
	if _, err := ldUsers.Delete(tx, 2); err != nil {
		t.Fatal(err)
	}
	posts = ldAllPosts(tx)
	l, err = relations.Load(tx, posts, ldCommentPost.Reverse(ldCommentAuthor.Forward()), ldPostAuthor.Forward())
	if err != nil {
		t.Fatalf("Load after delete: %v", err)
	}
	for _, p := range posts {
		if p.AuthorID == 2 {
			t.Errorf("post %d of the deleted bob is still there (Cascade)", p.ID)
		}
	}
	c2 := ldCommentPost.LoadedChildren(l, 1)[0]
	if c2.Body != "c2" || c2.AuthorID.Valid {
		t.Errorf("c2 after its author was deleted = %+v, want no author", c2)
	}
	if a, ok := ldCommentAuthor.LoadedParent(l, c2); ok {
		t.Errorf("author of c2 after set null = %+v, true", a)
	}
}

// A DoNothing key left dangling inside a transaction loads as no parent.
func TestLdLoadDanglingDoNothingKey(t *testing.T) {
	db := ldOpen(t)
	ldBlog(t, db)
	tx := db.BeginWrite()
	defer tx.Abort()
	ldMust[ldNote](t)(ldNotes.Insert(tx, ldNote{OwnerID: 3, Text: "n1"}))
	ldMust[ldNote](t)(ldNotes.Insert(tx, ldNote{OwnerID: 1, Text: "n2"}))
	if _, err := ldUsers.Delete(tx, 3); err != nil {
		t.Fatalf("Delete with a DoNothing child: %v", err)
	}
	notes := ldCollect(ldNotes.All(tx))
	l, err := relations.Load(tx, notes, ldNoteOwner.Forward())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if u, ok := ldNoteOwner.LoadedParent(l, notes[0]); ok {
		t.Errorf("LoadedParent of a dangling key = %+v, true", u)
	}
	if u, ok := ldNoteOwner.LoadedParent(l, notes[1]); !ok || u.Name != "ann" {
		t.Errorf("LoadedParent(n2) = %+v, %v", u, ok)
	}
}

// FK.Children, FK.Count and FK.Parent, with integer and string keys, in
// read and write transactions.
func TestLdChildrenCountParent(t *testing.T) {
	db := ldOpen(t)
	ldBlog(t, db)
	tx := db.BeginRead()
	for _, c := range []struct {
		post  int64
		count int
	}{{1, 3}, {2, 1}, {3, 2}, {4, 0}, {99, 0}, {0, 0}, {-1, 0}} {
		if got := ldCommentPost.Count(tx, c.post); got != c.count {
			t.Errorf("Count(post %d) = %d, want %d", c.post, got, c.count)
		}
		if got := len(ldCollect(ldCommentPost.Children(tx, c.post))); got != c.count {
			t.Errorf("Children(post %d) has %d rows, want %d", c.post, got, c.count)
		}
	}
	for _, c := range []struct {
		code  string
		count int
	}{{"go", 1}, {"db", 1}, {"", 0}, {"g", 0}, {"gox", 0}} {
		if got := ldPostCategory.Count(tx, c.code); got != c.count {
			t.Errorf("category Count(%q) = %d, want %d", c.code, got, c.count)
		}
	}
	if got := ldCommentAuthor.Count(tx, 2); got != 3 {
		t.Errorf("comments by bob = %d, want 3", got)
	}
	if got := ldCollect(ldCommentPost.Children(tx, 1)); len(got) != 3 || got[0].Body != "c1" || got[2].Body != "c4" {
		t.Errorf("Children(post 1) = %+v, want c1 c2 c4 in key order", got)
	}
	if got := store.Take(ldCommentPost.Children(tx, 1), 1); len(got) != 1 || got[0].Body != "c1" {
		t.Errorf("Take(Children(post 1), 1) = %+v", got)
	}
	p1, _ := ldPosts.Get(tx, 1)
	if u, ok := ldPostAuthor.Parent(tx, p1); !ok || u.Name != "ann" {
		t.Errorf("Parent(post 1) = %+v, %v", u, ok)
	}
	p2, _ := ldPosts.Get(tx, 2)
	if c, ok := ldPostCategory.Parent(tx, p2); ok {
		t.Errorf("Parent of an empty category = %+v, true", c)
	}
	tx.Abort()

	w := db.BeginWrite()
	defer w.Abort()
	ldMust[ldComment](t)(ldComments.Insert(w, ldComment{PostID: 4, Body: "c7"}))
	ldMust[ldComment](t)(ldComments.Modify(w, 1, func(c *ldComment) error { c.PostID = 4; return nil }))
	if got := ldCommentPost.Count(w, 4); got != 2 {
		t.Errorf("Count(post 4) after an insert and a move in the tx = %d, want 2", got)
	}
	if got := ldCommentPost.Count(w, 1); got != 2 {
		t.Errorf("Count(post 1) after a move in the tx = %d, want 2", got)
	}
	if got := ldCommentBodies(ldCollect(ldCommentPost.Children(w, 4))); !slices.Equal(got, []string{"c1", "c7"}) {
		t.Errorf("Children(post 4) in the tx = %q, want [c1 c7]", got)
	}
	ldMust[ldPost](t)(ldPosts.Modify(w, 2, func(p *ldPost) error { p.Category = store.Some("go"); return nil }))
	if got := ldPostCategory.Count(w, "go"); got != 2 {
		t.Errorf("category Count(go) after setting one in the tx = %d, want 2", got)
	}
}

// Orphans lists the rows whose nullable key is empty: those created empty
// and those a SetNull delete emptied, in key order, in the transaction that
// deleted and after it. A required relation has none.
func TestLdOrphansAfterSetNull(t *testing.T) {
	db := ldOpen(t)
	ldBlog(t, db)
	bodies := func(tx *store.Tx) []string { return ldCommentBodies(ldCollect(ldCommentAuthor.Orphans(tx))) }
	tx := db.BeginRead()
	if got := bodies(tx); !slices.Equal(got, []string{"c4"}) {
		t.Errorf("Orphans before any delete = %q, want [c4]", got)
	}
	tx.Abort()

	w := db.BeginWrite()
	res, err := ldUsers.Delete(w, 2) // bob: his post 3 (and its comments c3, c6) cascade, c2 and c5 lose their author
	if err != nil {
		t.Fatal(err)
	}
	if got := bodies(w); !slices.Equal(got, []string{"c2", "c4", "c5"}) {
		t.Errorf("Orphans in the deleting tx = %q, want [c2 c4 c5] (result %v)", got, res)
	}
	if got := ldCommentAuthor.Count(w, 2); got != 0 {
		t.Errorf("Count(bob) after his delete = %d", got)
	}
	if got := len(ldCollect(ldCommentPost.Orphans(w))); got != 0 {
		t.Errorf("Orphans of a required relation = %d rows", got)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	tx = db.BeginRead()
	defer tx.Abort()
	if got := bodies(tx); !slices.Equal(got, []string{"c2", "c4", "c5"}) {
		t.Errorf("Orphans after commit = %q, want [c2 c4 c5]", got)
	}
	if got := store.Take(ldCommentAuthor.Orphans(tx), 1); len(got) != 1 || got[0].Body != "c2" {
		t.Errorf("Take(Orphans, 1) = %+v", got)
	}
	// Deleting a category empties the posts' nullable string key.
	ldUpdate(t, db, func(tx *store.Tx) error {
		_, err := ldCategories.Delete(tx, "go")
		return err
	})
	tx2 := db.BeginRead()
	defer tx2.Abort()
	var ids []int64
	for p := range ldPostCategory.Orphans(tx2) {
		ids = append(ids, p.ID)
	}
	if !slices.Equal(ids, []int64{1, 2, 4}) {
		t.Errorf("posts without a category = %v, want [1 2 4]", ids)
	}
}

// FK.Count reads no row: its allocations are few and the same for 10 and
// 1000 children.
func TestLdCountDoesNotAllocatePerRow(t *testing.T) {
	db := ldOpen(t)
	ldUpdate(t, db, func(tx *store.Tx) error {
		ldMust[ldUser](t)(ldUsers.Insert(tx, ldUser{Name: "ann"}))
		for range 3 {
			ldMust[ldPost](t)(ldPosts.Insert(tx, ldPost{AuthorID: 1}))
		}
		for i := range 1010 {
			post := int64(1)
			if i < 10 {
				post = 2
			}
			ldMust[ldComment](t)(ldComments.Insert(tx, ldComment{PostID: post}))
		}
		return nil
	})
	tx := db.BeginRead()
	defer tx.Abort()
	if n := ldCommentPost.Count(tx, 1); n != 1000 {
		t.Fatalf("Count = %d", n)
	}
	sink := 0
	small := testing.AllocsPerRun(50, func() { sink += ldCommentPost.Count(tx, 2) })
	large := testing.AllocsPerRun(50, func() { sink += ldCommentPost.Count(tx, 1) })
	none := testing.AllocsPerRun(50, func() { sink += ldCommentPost.Count(tx, 3) })
	orphans := testing.AllocsPerRun(50, func() {
		for range ldCommentAuthor.Orphans(tx) {
			sink++
		}
	})
	t.Logf("FK.Count allocations: 0 children %v, 10 children %v, 1000 children %v; Orphans loop over 1010 rows %v", none, small, large, orphans)
	if large > 12 || large-small > 2 {
		t.Errorf("FK.Count: %v allocations for 10 children, %v for 1000: want at most 12 and the same", small, large)
	}
	if orphans > 14 {
		t.Errorf("iterating 1010 orphans costs %v allocations: per row", orphans)
	}
}

// Reverse paths through a nullable key and through a string key: users ->
// the comments they wrote; categories -> their posts.
func TestLdLoadReverseNullableAndStringKeys(t *testing.T) {
	db := ldOpen(t)
	ldBlog(t, db)
	tx := db.BeginRead()
	defer tx.Abort()
	users := ldCollect(ldUsers.All(tx))
	l, err := relations.Load(tx, users, ldCommentAuthor.Reverse(ldCommentPost.Forward()))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for id, want := range map[int64][]string{1: {"c1", "c3"}, 2: {"c2", "c5", "c6"}} {
		got := ldCommentAuthor.LoadedChildren(l, id)
		if !slices.Equal(ldCommentBodies(got), want) {
			t.Errorf("comments by user %d = %q, want %q", id, ldCommentBodies(got), want)
		}
		for _, c := range got {
			if p, ok := ldCommentPost.LoadedParent(l, c); !ok || p.ID != c.PostID {
				t.Errorf("post of %s = %+v, %v", c.Body, p, ok)
			}
		}
	}
	if got := ldCommentAuthor.LoadedChildren(l, 3); got != nil {
		t.Errorf("comments by cid (none) = %#v, want nil", got)
	}

	cats := ldCollect(ldCategories.All(tx))
	l2, err := relations.Load(tx, cats, ldPostCategory.Reverse(ldPostAuthor.Forward()))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for code, want := range map[string][]int64{"go": {1}, "db": {3}} {
		var ids []int64
		for _, p := range ldPostCategory.LoadedChildren(l2, code) {
			ids = append(ids, p.ID)
			if a, ok := ldPostAuthor.LoadedParent(l2, p); !ok || a.ID != p.AuthorID {
				t.Errorf("author of post %d = %+v, %v", p.ID, a, ok)
			}
		}
		if !slices.Equal(ids, want) {
			t.Errorf("posts of category %q = %v, want %v", code, ids, want)
		}
	}
	if got := ldPostCategory.LoadedChildren(l2, "none"); got != nil {
		t.Errorf("posts of a category not loaded = %#v", got)
	}
}

// A Loaded is safe for concurrent reads (run with -race).
func TestLdLoadedConcurrentReads(t *testing.T) {
	db := ldOpen(t)
	ldBlog(t, db)
	tx := db.BeginRead()
	posts := ldAllPosts(tx)
	l, err := relations.Load(tx, posts, ldPostAuthor.Forward(), ldCommentPost.Reverse(ldCommentAuthor.Forward()))
	tx.Abort()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for range 200 {
				for _, p := range posts {
					if a, ok := ldPostAuthor.LoadedParent(l, p); !ok || a.ID != p.AuthorID {
						errs <- fmt.Errorf("goroutine %d: author of post %d = %+v, %v", g, p.ID, a, ok)
						return
					}
					for _, c := range ldCommentPost.LoadedChildren(l, p.ID) {
						ldCommentAuthor.LoadedParent(l, c)
					}
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// Reading a Load allocates nothing per parent and the load itself a few
// allocations per parent at most: each parent's children share one backing
// array, and a key is read from a row without the row escaping to the heap.
func TestLdLoadAllocations(t *testing.T) {
	db := ldOpen(t)
	ldUpdate(t, db, func(tx *store.Tx) error {
		ldMust[ldUser](t)(ldUsers.Insert(tx, ldUser{Name: "ann"}))
		for p := range 200 {
			ldMust[ldPost](t)(ldPosts.Insert(tx, ldPost{AuthorID: 1}))
			for range 8 {
				ldMust[ldComment](t)(ldComments.Insert(tx, ldComment{PostID: int64(p + 1), AuthorID: store.Some[int64](1)}))
			}
		}
		return nil
	})
	tx := db.BeginRead()
	defer tx.Abort()
	posts := slices.Collect(ldPosts.All(tx))
	l, err := relations.Load(tx, posts, ldCommentPost.Reverse(ldCommentAuthor.Forward()))
	if err != nil {
		t.Fatal(err)
	}
	kids := ldCommentPost.LoadedChildren(l, 7)
	if len(kids) != 8 {
		t.Fatalf("LoadedChildren = %d comments, want 8", len(kids))
	}
	sink := 0
	parent := testing.AllocsPerRun(50, func() {
		if u, ok := ldCommentAuthor.LoadedParent(l, kids[3]); ok {
			sink += len(u.Name)
		}
	})
	if parent != 0 {
		t.Errorf("LoadedParent allocates %v times, want 0", parent)
	}
	load := testing.AllocsPerRun(10, func() {
		l, _ := relations.Load(tx, posts, ldCommentPost.Reverse(ldCommentAuthor.Forward()))
		sink += len(ldCommentPost.LoadedChildren(l, 1))
	})
	// An index scan costs go-memdb a few allocations (as much as Count
	// makes); Load must add at most two per post of its own.
	scan := testing.AllocsPerRun(50, func() { sink += ldCommentPost.Count(tx, 7) })
	t.Logf("Load of 200 posts, 1600 comments and their author: %v allocations; one index scan: %v", load, scan)
	if load > 200*(scan+2) {
		t.Errorf("Load of 200 posts allocates %v times: more than %v per post (%v for the scan)", load, scan+2, scan)
	}
}
