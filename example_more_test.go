package memrel_test

import (
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/memrel-go/memrel"
)

// The query examples share a small blog: users, posts with an optional
// publication date (an empty one is a draft), and comments whose author is
// optional. Every name starts with ex, to keep clear of the other test files.

type exUser struct {
	ID   int64
	Name string
}

type exPost struct {
	ID          int64
	AuthorID    int64
	Title       string
	PublishedAt memrel.Null[time.Time] // empty: a draft
}

// Date is the publication day, or "draft".
func (p exPost) Date() string {
	if d, ok := p.PublishedAt.Get(); ok {
		return d.Format("Jan 2")
	}
	return "draft"
}

type exComment struct {
	ID       int64
	PostID   int64
	AuthorID memrel.Null[int64] // emptied when the author is deleted
	Body     string
}

var (
	exUsers    = memrel.NewTable("users", func(u *exUser) *int64 { return &u.ID })
	exPosts    = memrel.NewTable("posts", func(p *exPost) *int64 { return &p.ID })
	exComments = memrel.NewTable("comments", func(c *exComment) *int64 { return &c.ID })

	exPostAuthor    = memrel.ForeignKey(exPosts, func(p *exPost) *int64 { return &p.AuthorID }, exUsers, memrel.Cascade).Related("posts")
	exCommentPost   = memrel.ForeignKey(exComments, func(c *exComment) *int64 { return &c.PostID }, exPosts, memrel.Cascade).Related("comments")
	exCommentAuthor = memrel.ForeignKey(exComments, func(c *exComment) *memrel.Null[int64] { return &c.AuthorID }, exUsers, memrel.SetNull).Related("comments")

	// exPostsByPublished orders posts by date, drafts first.
	exPostsByPublished = memrel.NewIndexFunc(exPosts, "published_at",
		func(p *exPost) memrel.Null[time.Time] { return p.PublishedAt })
	// exPostsByAuthorDate orders each author's posts by date.
	exPostsByAuthorDate = memrel.NewGroupedIndexFunc(exPosts, "author_published",
		func(p *exPost) int64 { return p.AuthorID },
		func(p *exPost) memrel.Null[time.Time] { return p.PublishedAt })
)

// exJan returns a day of January 2026.
func exJan(day int) memrel.Null[time.Time] {
	return memrel.Some(time.Date(2026, 1, day, 12, 0, 0, 0, time.UTC))
}

// exOpenBlog opens the blog and loads users ann (1) and bob (2); posts 1
// "Hello" (ann, Jan 3), 2 "Radix trees" (bob, Jan 5), 3 "MVCC notes" (ann,
// a draft), 4 "Again" (ann, Jan 9) and 5 "Readers never block" (bob, Jan
// 12); comments 1 "welcome!" (bob) and 2 "thanks" (ann) on post 1, 3
// "nice" (ann) on post 2 and 4 "+1" (ann) on post 5.
func exOpenBlog() *memrel.DB {
	db, err := memrel.Open(memrel.Schema{
		Tables:    []memrel.AnyTable{exUsers, exPosts, exComments},
		Relations: []memrel.Relation{exPostAuthor, exCommentPost, exCommentAuthor},
		Indexes:   []memrel.AnyIndex{exPostsByPublished, exPostsByAuthorDate},
	})
	if err != nil {
		log.Fatal(err)
	}
	err = db.Update(func(tx *memrel.Tx) error {
		for _, name := range []string{"ann", "bob"} {
			if _, err := exUsers.Insert(tx, exUser{Name: name}); err != nil {
				return err
			}
		}
		for _, p := range []exPost{
			{AuthorID: 1, Title: "Hello", PublishedAt: exJan(3)},
			{AuthorID: 2, Title: "Radix trees", PublishedAt: exJan(5)},
			{AuthorID: 1, Title: "MVCC notes"},
			{AuthorID: 1, Title: "Again", PublishedAt: exJan(9)},
			{AuthorID: 2, Title: "Readers never block", PublishedAt: exJan(12)},
		} {
			if _, err := exPosts.Insert(tx, p); err != nil {
				return err
			}
		}
		for _, c := range []exComment{
			{PostID: 1, AuthorID: memrel.Some[int64](2), Body: "welcome!"},
			{PostID: 1, AuthorID: memrel.Some[int64](1), Body: "thanks"},
			{PostID: 2, AuthorID: memrel.Some[int64](1), Body: "nice"},
			{PostID: 5, AuthorID: memrel.Some[int64](1), Body: "+1"},
		} {
			if _, err := exComments.Insert(tx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	return db
}

// ---- Many-to-many ----

func ExampleManyToMany() {
	type Article struct {
		ID    int64
		Title string
	}
	type Tag struct {
		ID   int64
		Name string
	}
	var (
		articles = memrel.NewTable("articles", func(a *Article) *int64 { return &a.ID })
		tags     = memrel.NewTable("tags", func(t *Tag) *int64 { return &t.ID })
		// The link table, articles_tags, is declared by ManyToMany.
		articleTags = memrel.ManyToMany(articles, "tags", tags).Related("articles")
	)
	db, err := memrel.Open(memrel.Schema{
		Tables:    []memrel.AnyTable{articles, tags},
		Relations: []memrel.Relation{articleTags},
	})
	if err != nil {
		log.Fatal(err)
	}

	err = db.Update(func(tx *memrel.Tx) error {
		for _, title := range []string{"Intro", "Deep dive"} {
			if _, err := articles.Insert(tx, Article{Title: title}); err != nil {
				return err
			}
		}
		for _, name := range []string{"go", "db", "mvcc"} {
			if _, err := tags.Insert(tx, Tag{Name: name}); err != nil {
				return err
			}
		}
		// Article 1 gets go and db; adding go again does nothing.
		if _, err := articleTags.Add(tx, 1, 1, 2); err != nil {
			return err
		}
		if _, err := articleTags.Add(tx, 1, 1); err != nil {
			return err
		}
		if _, err := articleTags.Add(tx, 2, 2, 3); err != nil {
			return err
		}
		fmt.Println("link rows:", articleTags.LinkTable().Len(tx))

		show := func(what string, a int64) {
			var names []string
			for t := range articleTags.List(tx, a) {
				names = append(names, t.Name)
			}
			fmt.Printf("%s: %v\n", what, names)
		}
		show("article 1", 1)
		for a := range articleTags.Reverse().List(tx, 2) { // tag db's articles
			fmt.Println("tagged db:", a.Title)
		}

		if err := articleTags.Remove(tx, 1, 2); err != nil {
			return err
		}
		show("article 1 without db", 1)
		if err := articleTags.Set(tx, 1, []int64{2, 3}); err != nil {
			return err
		}
		show("article 1 set to db, mvcc", 1)

		// Deleting a tag deletes its links.
		res, err := tags.Delete(tx, 2)
		if err != nil {
			return err
		}
		fmt.Println(res)
		show("article 1", 1)
		show("article 2", 2)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// link rows: 4
	// article 1: [go db]
	// tagged db: Intro
	// tagged db: Deep dive
	// article 1 without db: [go]
	// article 1 set to db, mvcc: [db mvcc]
	// deleted articles_tags 2, tags 1
	// article 1: [mvcc]
	// article 2: [mvcc]
}

func ExampleManyToManyThrough() {
	type Person struct {
		ID   int64
		Name string
	}
	type Group struct {
		ID   int64
		Name string
	}
	type Membership struct { // the through table, with an extra field
		ID       int64
		GroupID  int64
		PersonID int64
		Role     string
	}
	defaultRole := func(m *Membership) {
		if m.Role == "" {
			m.Role = "member"
		}
	}
	var (
		people           = memrel.NewTable("people", func(p *Person) *int64 { return &p.ID })
		groups           = memrel.NewTable("groups", func(g *Group) *int64 { return &g.ID })
		memberships      = memrel.NewTable("memberships", func(m *Membership) *int64 { return &m.ID }).Defaults(defaultRole)
		membershipGroup  = memrel.ForeignKey(memberships, func(m *Membership) *int64 { return &m.GroupID }, groups, memrel.Cascade)
		membershipPerson = memrel.ForeignKey(memberships, func(m *Membership) *int64 { return &m.PersonID }, people, memrel.Cascade)
		// group.members, and person.groups the other way.
		members = memrel.ManyToManyThrough(memberships, "members", membershipGroup, membershipPerson).
			Related("groups")
	)
	db, err := memrel.Open(memrel.Schema{
		Tables:    []memrel.AnyTable{people, groups, memberships},
		Relations: []memrel.Relation{membershipGroup, membershipPerson, members},
	})
	if err != nil {
		log.Fatal(err)
	}

	err = db.Update(func(tx *memrel.Tx) error {
		for _, name := range []string{"ann", "bob", "cid"} {
			if _, err := people.Insert(tx, Person{Name: name}); err != nil {
				return err
			}
		}
		gophers, err := groups.Insert(tx, Group{Name: "gophers"})
		if err != nil {
			return err
		}
		// ann joins as admin: AddWith fills the extra fields of new links.
		admin := func(m *Membership) { m.Role = "admin" }
		if _, err := members.AddWith(tx, gophers.ID, admin, 1); err != nil {
			return err
		}
		if _, err := members.Add(tx, gophers.ID, 2); err != nil { // the default role
			return err
		}
		show := func() {
			for m := range members.Links(tx, gophers.ID) {
				p, _ := people.Get(tx, m.PersonID)
				fmt.Printf("  membership %d: %s, %s\n", m.ID, p.Name, m.Role)
			}
		}
		fmt.Println("gophers:")
		show()

		// Set keeps the links that stay as they are: ann is still admin.
		if err := members.Set(tx, gophers.ID, []int64{1, 3}); err != nil {
			return err
		}
		fmt.Println("after Set(ann, cid):")
		show()
		for g := range members.Reverse().List(tx, 3) {
			fmt.Println("cid's groups:", g.Name)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// gophers:
	//   membership 1: ann, admin
	//   membership 2: bob, member
	// after Set(ann, cid):
	//   membership 1: ann, admin
	//   membership 3: cid, member
	// cid's groups: gophers
}

func ExampleManyToMany_symmetrical() {
	type Person struct {
		ID   int64
		Name string
	}
	var (
		people = memrel.NewTable("people", func(p *Person) *int64 { return &p.ID })
		// Friendship goes both ways: adding ann->bob also stores bob->ann.
		friends = memrel.ManyToMany(people, "friends", people).Symmetrical()
	)
	db, err := memrel.Open(memrel.Schema{
		Tables:    []memrel.AnyTable{people},
		Relations: []memrel.Relation{friends},
	})
	if err != nil {
		log.Fatal(err)
	}

	err = db.Update(func(tx *memrel.Tx) error {
		for _, name := range []string{"ann", "bob", "cid"} {
			if _, err := people.Insert(tx, Person{Name: name}); err != nil {
				return err
			}
		}
		if _, err := friends.Add(tx, 1, 2, 3); err != nil { // ann befriends bob and cid
			return err
		}
		show := func() {
			for p := range people.All(tx) {
				var names []string
				for f := range friends.List(tx, p.ID) {
					names = append(names, f.Name)
				}
				fmt.Printf("  %s: %v\n", p.Name, names)
			}
		}
		fmt.Println("link rows:", friends.LinkTable().Len(tx))
		show()

		// Removing from either side removes both directions.
		if err := friends.Remove(tx, 2, 1); err != nil {
			return err
		}
		fmt.Println("after bob unfriends ann, link rows:", friends.LinkTable().Len(tx))
		show()
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// link rows: 4
	//   ann: [bob cid]
	//   bob: [ann]
	//   cid: [ann]
	// after bob unfriends ann, link rows: 2
	//   ann: [cid]
	//   bob: []
	//   cid: [ann]
}

// ---- Constraints ----

func ExampleUnique() {
	type Page struct {
		ID     int64
		SiteID int64
		Slug   string
	}
	type siteSlug struct { // a composite key
		SiteID int64
		Slug   string
	}
	var (
		pages          = memrel.NewTable("pages", func(p *Page) *int64 { return &p.ID })
		uniqueSiteSlug = memrel.UniqueFunc(pages, "uniq_site_slug",
			func(p *Page) siteSlug { return siteSlug{p.SiteID, p.Slug} })
	)
	db, err := memrel.Open(memrel.Schema{
		Tables:      []memrel.AnyTable{pages},
		Constraints: []memrel.Constraint{uniqueSiteSlug},
	})
	if err != nil {
		log.Fatal(err)
	}

	err = db.Update(func(tx *memrel.Tx) error {
		for _, p := range []Page{{SiteID: 1, Slug: "about"}, {SiteID: 2, Slug: "about"}} {
			if _, err := pages.Insert(tx, p); err != nil {
				return err
			}
		}
		fmt.Println("pages:", pages.Len(tx))

		_, err := pages.Insert(tx, Page{SiteID: 1, Slug: "about"})
		fmt.Println(err)
		fmt.Println(errors.Is(err, memrel.ErrUnique))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// pages: 2
	// memrel: unique constraint uniq_site_slug on pages: a new pages row {ID:0 SiteID:1 Slug:about} has the value {SiteID:1 Slug:about} of pages 1 {ID:1 SiteID:1 Slug:about}
	// true
}

func ExampleUnique_partial() {
	type Subscription struct {
		ID      int64
		UserID  int64
		Plan    string
		EndedAt memrel.Null[time.Time] // empty while active
	}
	var (
		subscriptions = memrel.NewTable("subscriptions", func(s *Subscription) *int64 { return &s.ID })
		// At most one active subscription per user: a partial constraint.
		oneActive = memrel.UniqueFunc(subscriptions, "one_active_per_user",
			func(s *Subscription) int64 { return s.UserID }).
			Where(func(s *Subscription) bool { return !s.EndedAt.Valid })
	)
	db, err := memrel.Open(memrel.Schema{
		Tables:      []memrel.AnyTable{subscriptions},
		Constraints: []memrel.Constraint{oneActive},
	})
	if err != nil {
		log.Fatal(err)
	}

	err = db.Update(func(tx *memrel.Tx) error {
		basic, err := subscriptions.Insert(tx, Subscription{UserID: 7, Plan: "basic"})
		if err != nil {
			return err
		}
		_, err = subscriptions.Insert(tx, Subscription{UserID: 7, Plan: "pro"})
		fmt.Println(err)

		// End the basic plan; now the pro plan can start.
		basic.EndedAt = memrel.Some(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
		if _, err := subscriptions.Update(tx, basic); err != nil {
			return err
		}
		if _, err := subscriptions.Insert(tx, Subscription{UserID: 7, Plan: "pro"}); err != nil {
			return err
		}
		for s := range subscriptions.All(tx) {
			fmt.Printf("subscription %d: user %d %s, ended %v\n", s.ID, s.UserID, s.Plan, s.EndedAt.Valid)
		}
		// Get finds only the row the condition holds for: the active one.
		if s, ok := oneActive.Get(tx, 7); ok {
			fmt.Println("active plan:", s.Plan)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// memrel: unique constraint one_active_per_user on subscriptions: a new subscriptions row has the value 7 of subscriptions 1
	// subscription 1: user 7 basic, ended true
	// subscription 2: user 7 pro, ended false
	// active plan: pro
}

func ExampleUnique_lookup() {
	type Account struct {
		ID    int64
		Email string
	}
	var (
		accounts    = memrel.NewTable("accounts", func(a *Account) *int64 { return &a.ID })
		uniqueEmail = memrel.UniqueFunc(accounts, "uniq_email", func(a *Account) string { return a.Email })
	)
	db, err := memrel.Open(memrel.Schema{
		Tables:      []memrel.AnyTable{accounts},
		Constraints: []memrel.Constraint{uniqueEmail},
	})
	if err != nil {
		log.Fatal(err)
	}
	err = db.Update(func(tx *memrel.Tx) error {
		for _, email := range []string{"ann@example.com", "bob@example.com"} {
			if _, err := accounts.Insert(tx, Account{Email: email}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}

	// A unique constraint is also a lookup, as Django's get(email=...).
	err = db.View(func(tx *memrel.Tx) error {
		if a, ok := uniqueEmail.Get(tx, "bob@example.com"); ok {
			fmt.Println("bob is account", a.ID)
		}
		if _, ok := uniqueEmail.Get(tx, "cid@example.com"); !ok {
			fmt.Println("no account for cid")
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// bob is account 2
	// no account for cid
}

func ExampleCheck() {
	type Follow struct {
		ID         int64
		FollowerID int64
		FollowedID int64
	}
	var (
		follows    = memrel.NewTable("follows", func(f *Follow) *int64 { return &f.ID })
		noSelfLove = memrel.Check(follows, "prevent_self_follow",
			func(f *Follow) bool { return f.FollowerID != f.FollowedID })
	)
	db, err := memrel.Open(memrel.Schema{
		Tables:      []memrel.AnyTable{follows},
		Constraints: []memrel.Constraint{noSelfLove},
	})
	if err != nil {
		log.Fatal(err)
	}

	err = db.Update(func(tx *memrel.Tx) error {
		if _, err := follows.Insert(tx, Follow{FollowerID: 1, FollowedID: 2}); err != nil {
			return err
		}
		_, err := follows.Insert(tx, Follow{FollowerID: 1, FollowedID: 1})
		return err
	})
	fmt.Println(err)
	var ce *memrel.CheckError
	if errors.As(err, &ce) {
		fmt.Println("constraint:", ce.Constraint, "table:", ce.Table, "new row:", ce.Row.New)
		refusedRow := ce.RowData.(Follow)
		fmt.Println("follower:", refusedRow.FollowerID, "followed:", refusedRow.FollowedID)
	}
	// Output:
	// memrel: check constraint prevent_self_follow on follows: a new follows row violates it: {ID:0 FollowerID:1 FollowedID:1}
	// constraint: prevent_self_follow table: follows new row: true
	// follower: 1 followed: 1
}

// ---- Queries ----

func ExampleNewIndex() {
	db := exOpenBlog()

	err := db.View(func(tx *memrel.Tx) error {
		// The ten newest posts (there are five). An empty date sorts before
		// every date, so in descending order the draft comes last.
		for _, p := range memrel.Take(exPostsByPublished.Descend(tx), 10) {
			fmt.Println(p.Date(), p.Title)
		}
		// An equality lookup: the posts with an empty date.
		for p := range exPostsByPublished.Get(tx, memrel.None[time.Time]()) {
			fmt.Println("draft:", p.Title)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// Jan 12 Readers never block
	// Jan 9 Again
	// Jan 5 Radix trees
	// Jan 3 Hello
	// draft MVCC notes
	// draft: MVCC notes
}

func ExampleNewIndex_dateRange() {
	type Order struct {
		ID        int64
		CreatedAt time.Time
		Cents     int64
	}
	var (
		orders          = memrel.NewTable("orders", func(o *Order) *int64 { return &o.ID })
		ordersByCreated = memrel.NewIndexFunc(orders, "created_at", func(o *Order) time.Time { return o.CreatedAt })
	)
	db, err := memrel.Open(memrel.Schema{
		Tables:  []memrel.AnyTable{orders},
		Indexes: []memrel.AnyIndex{ordersByCreated},
	})
	if err != nil {
		log.Fatal(err)
	}
	day := func(month time.Month, d int) time.Time { return time.Date(2026, month, d, 0, 0, 0, 0, time.UTC) }
	err = db.Update(func(tx *memrel.Tx) error {
		for _, o := range []Order{
			{CreatedAt: day(2, 1), Cents: 500}, // on the upper bound: excluded
			{CreatedAt: day(1, 20), Cents: 1200},
			{CreatedAt: day(12, 31).AddDate(-1, 0, 0), Cents: 300},
			{CreatedAt: day(1, 1), Cents: 800}, // on the lower bound: included
		} {
			if _, err := orders.Insert(tx, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}

	err = db.View(func(tx *memrel.Tx) error {
		// Orders created in January: [Jan 1, Feb 1).
		total := int64(0)
		for o := range ordersByCreated.AscendRange(tx, day(1, 1), day(2, 1)) {
			fmt.Printf("order %d on %s: %d\n", o.ID, o.CreatedAt.Format("2006-01-02"), o.Cents)
			total += o.Cents
		}
		fmt.Println("January total:", total)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// order 4 on 2026-01-01: 800
	// order 2 on 2026-01-20: 1200
	// January total: 2000
}

func ExampleNewGroupedIndex() {
	db := exOpenBlog()

	err := db.View(func(tx *memrel.Tx) error {
		// ann's posts, newest first (her draft last), with one seek.
		for p := range exPostsByAuthorDate.Descend(tx, 1) {
			fmt.Println(p.Date(), p.Title)
		}
		fmt.Println("bob's posts:", exPostsByAuthorDate.Count(tx, 2))
		for _, p := range memrel.Take(exPostsByAuthorDate.Descend(tx, 2), 1) {
			fmt.Println("bob's newest:", p.Title)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// Jan 9 Again
	// Jan 3 Hello
	// draft MVCC notes
	// bob's posts: 2
	// bob's newest: Readers never block
}

func ExampleLoad() {
	db := exOpenBlog()

	err := db.View(func(tx *memrel.Tx) error {
		posts := memrel.Take(exPostsByPublished.Descend(tx), 3)
		// Each post's author, its comments and their authors, in one call:
		// every related row is fetched once.
		l, err := memrel.Load(tx, posts,
			exPostAuthor.Forward(),
			exCommentPost.Reverse(exCommentAuthor.Forward()))
		if err != nil {
			return err
		}
		for _, p := range posts {
			author, _ := exPostAuthor.LoadedParent(l, p)
			fmt.Printf("%q by %s\n", p.Title, author.Name)
			for _, c := range exCommentPost.LoadedChildren(l, p.ID) {
				if u, ok := exCommentAuthor.LoadedParent(l, c); ok {
					fmt.Printf("  %s: %s\n", u.Name, c.Body)
				}
			}
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// "Readers never block" by bob
	//   ann: +1
	// "Again" by ann
	// "Radix trees" by bob
	//   ann: nice
}

func ExampleFK_Orphans() {
	db := exOpenBlog()

	// Deleting ann deletes her posts and the comments on them (Cascade), and
	// empties the author of her comments on bob's posts (SetNull).
	err := db.Update(func(tx *memrel.Tx) error {
		res, err := exUsers.Delete(tx, 1)
		if err != nil {
			return err
		}
		fmt.Println(res)
		for c := range exCommentAuthor.Orphans(tx) {
			fmt.Printf("comment %d on post %d has no author: %q\n", c.ID, c.PostID, c.Body)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// deleted comments 2, posts 3, users 1; updated comments 2
	// comment 3 on post 2 has no author: "nice"
	// comment 4 on post 5 has no author: "+1"
}

func ExampleNewTable_where() {
	db := exOpenBlog()

	err := db.View(func(tx *memrel.Tx) error {
		// Titles of several words. No index serves it: Where reads the whole
		// table, in key order, and copies only the rows it keeps.
		several := func(p *exPost) bool { return strings.Contains(p.Title, " ") }
		for p := range exPosts.Where(tx, several) {
			fmt.Println(p.ID, p.Title)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// 2 Radix trees
	// 3 MVCC notes
	// 5 Readers never block
}

// ---- On-delete rules ----

// Django's own example of RESTRICT: deleting an artist deletes their albums
// and songs (Cascade), but an album cannot go while a song that stays
// refers to it.
func ExampleRestrictedError() {
	type Artist struct {
		ID   int64
		Name string
	}
	type Album struct {
		ID       int64
		ArtistID int64
	}
	type Song struct {
		ID       int64
		ArtistID int64
		AlbumID  int64
	}
	var (
		artists     = memrel.NewTable("artists", func(a *Artist) *int64 { return &a.ID })
		albums      = memrel.NewTable("albums", func(a *Album) *int64 { return &a.ID })
		songs       = memrel.NewTable("songs", func(s *Song) *int64 { return &s.ID })
		albumArtist = memrel.ForeignKey(albums, func(a *Album) *int64 { return &a.ArtistID }, artists, memrel.Cascade)
		songArtist  = memrel.ForeignKey(songs, func(s *Song) *int64 { return &s.ArtistID }, artists, memrel.Cascade)
		songAlbum   = memrel.ForeignKey(songs, func(s *Song) *int64 { return &s.AlbumID }, albums, memrel.Restrict)
	)
	db, err := memrel.Open(memrel.Schema{
		Tables:    []memrel.AnyTable{artists, albums, songs},
		Relations: []memrel.Relation{albumArtist, songArtist, songAlbum},
	})
	if err != nil {
		log.Fatal(err)
	}
	err = db.Update(func(tx *memrel.Tx) error {
		for _, name := range []string{"one", "two"} {
			if _, err := artists.Insert(tx, Artist{Name: name}); err != nil {
				return err
			}
		}
		for _, a := range []Album{{ArtistID: 1}, {ArtistID: 2}} {
			if _, err := albums.Insert(tx, a); err != nil {
				return err
			}
		}
		// Song 2 is by artist one, on artist two's album.
		for _, s := range []Song{{ArtistID: 1, AlbumID: 1}, {ArtistID: 1, AlbumID: 2}} {
			if _, err := songs.Insert(tx, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}

	err = db.Update(func(tx *memrel.Tx) error {
		// Album 1 alone: song 1 stays, so the delete is refused.
		_, err := albums.Delete(tx, 1)
		fmt.Println(err)
		var re *memrel.RestrictedError
		if errors.As(err, &re) {
			fmt.Println("relations:", re.Relations)
		}

		// Artist two: the cascade reaches album 2, but song 2 (by artist
		// one) stays.
		_, err = artists.Delete(tx, 2)
		fmt.Println(err)

		// Artist one: song 1 goes through another Cascade path, so album 1
		// may go with it.
		res, err := artists.Delete(tx, 1)
		if err != nil {
			return err
		}
		fmt.Println(res)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// memrel: cannot delete albums 1: restricted by songs.album (songs 1)
	// relations: [songs.album]
	// memrel: cannot delete artists 2: restricted by songs.album (songs 2)
	// deleted albums 1, artists 1, songs 2
}

func ExampleForeignKey_setFunc() {
	type Account struct {
		ID   int64
		Name string
	}
	type Post struct {
		ID       int64
		AuthorID int64
		Title    string
	}
	var (
		accounts   = memrel.NewTable("accounts", func(a *Account) *int64 { return &a.ID })
		posts      = memrel.NewTable("posts", func(p *Post) *int64 { return &p.ID })
		uniqueName = memrel.UniqueFunc(accounts, "uniq_account_name", func(a *Account) string { return a.Name })
		// A deleted author's posts go to the "deleted" account, created
		// when first needed (Django's get_sentinel_user).
		postAuthor = memrel.ForeignKey(posts, func(p *Post) *int64 { return &p.AuthorID }, accounts, memrel.Set).
				SetFunc(func(tx *memrel.Tx) (int64, error) {
				if a, ok := uniqueName.Get(tx, "deleted"); ok {
					return a.ID, nil
				}
				a, err := accounts.Insert(tx, Account{Name: "deleted"})
				return a.ID, err
			})
	)
	db, err := memrel.Open(memrel.Schema{
		Tables:      []memrel.AnyTable{accounts, posts},
		Relations:   []memrel.Relation{postAuthor},
		Constraints: []memrel.Constraint{uniqueName},
	})
	if err != nil {
		log.Fatal(err)
	}

	err = db.Update(func(tx *memrel.Tx) error {
		for _, name := range []string{"ann", "bob", "cid"} {
			if _, err := accounts.Insert(tx, Account{Name: name}); err != nil {
				return err
			}
		}
		for _, p := range []Post{{AuthorID: 1, Title: "Hello"}, {AuthorID: 2, Title: "Hi"}} {
			if _, err := posts.Insert(tx, p); err != nil {
				return err
			}
		}
		// cid has no posts: the function is not called.
		for _, id := range []int64{3, 1, 2} {
			res, err := accounts.Delete(tx, id)
			if err != nil {
				return err
			}
			fmt.Printf("delete account %d: %v\n", id, res)
		}
		for p := range posts.All(tx) {
			author, _ := postAuthor.Parent(tx, p)
			fmt.Printf("post %q by %s (account %d)\n", p.Title, author.Name, author.ID)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// delete account 3: deleted accounts 1
	// delete account 1: deleted accounts 1; updated posts 1
	// delete account 2: deleted accounts 1; updated posts 1
	// post "Hello" by deleted (account 4)
	// post "Hi" by deleted (account 4)
}

// DoNothing leaves the referencing rows alone: the delete succeeds, and
// Commit fails if a row still points at a missing parent.
func ExampleForeignKey_doNothing() {
	type Account struct {
		ID   int64
		Name string
	}
	type Invoice struct {
		ID        int64
		AccountID int64
	}
	var (
		accounts       = memrel.NewTable("accounts", func(a *Account) *int64 { return &a.ID })
		invoices       = memrel.NewTable("invoices", func(i *Invoice) *int64 { return &i.ID })
		invoiceAccount = memrel.ForeignKey(invoices, func(i *Invoice) *int64 { return &i.AccountID }, accounts, memrel.DoNothing)
	)
	db, err := memrel.Open(memrel.Schema{
		Tables:    []memrel.AnyTable{accounts, invoices},
		Relations: []memrel.Relation{invoiceAccount},
	})
	if err != nil {
		log.Fatal(err)
	}
	err = db.Update(func(tx *memrel.Tx) error {
		for _, name := range []string{"ann", "bob"} {
			if _, err := accounts.Insert(tx, Account{Name: name}); err != nil {
				return err
			}
		}
		_, err := invoices.Insert(tx, Invoice{AccountID: 1})
		return err
	})
	if err != nil {
		log.Fatal(err)
	}

	// Deleting ann leaves invoice 1 pointing at her: Commit refuses it and
	// discards the transaction.
	tx := db.BeginWrite()
	defer tx.Abort()
	res, err := accounts.Delete(tx, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res)
	err = tx.Commit()
	fmt.Println(err)
	var fe *memrel.ForeignKeyError
	if errors.As(err, &fe) {
		fmt.Println("at commit:", fe.AtCommit, "row:", fe.Row, "parent:", fe.Parent)
	}

	// Re-pointing the invoice inside the transaction makes it valid.
	tx = db.BeginWrite()
	defer tx.Abort()
	if _, err := accounts.Delete(tx, 1); err != nil {
		log.Fatal(err)
	}
	if _, err := invoices.Update(tx, Invoice{ID: 1, AccountID: 2}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("commit:", tx.Commit())
	// Output:
	// deleted accounts 1
	// memrel: foreign key invoices.account at commit: invoices 1 points at accounts 1, which does not exist
	// at commit: true row: invoices 1 parent: accounts 1
	// commit: <nil>
}
