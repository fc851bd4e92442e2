package relations_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/memrel-go/memrel"
)

type frUser struct{ ID int64 }

type frPost struct {
	ID       int64
	AuthorID memrel.Null[int64]
	Title    string
}

// Once a DB was opened with a declaration, its builder methods panic with
// a message naming it, instead of changing the rules of that DB silently.
func TestDeclarationsAreFrozenOnceOpened(t *testing.T) {
	users := memrel.NewTable("users", func(u *frUser) *int64 { return &u.ID })
	posts := memrel.NewTable("posts", func(p *frPost) *int64 { return &p.ID })
	author := memrel.ForeignKey(posts, func(p *frPost) *memrel.Null[int64] { return &p.AuthorID }, users, memrel.SetNull).
		Related("posts")
	drafts := memrel.NewTable("drafts", func(p *frPost) *int64 { return &p.ID }) // in no DB
	one := memrel.OneToOne(drafts, func(p *frPost) *memrel.Null[int64] { return &p.AuthorID }, users, memrel.SetNull).Named("pinned_by")
	title := memrel.UniqueFunc(posts, "uniq_title", func(p *frPost) string { return p.Title })
	fans := memrel.ManyToMany(users, "fans", users)
	openDB(t, memrel.Schema{
		Tables:      []memrel.AnyTable{users, posts},
		Relations:   []memrel.Relation{author, fans},
		Constraints: []memrel.Constraint{title},
	})
	for _, c := range []struct {
		call, names string
		fn          func()
	}{
		{"Related", "relation posts.author", func() { author.Related("writings") }},
		{"Default", "relation posts.author", func() { author.Default(1) }},
		{"DefaultNull", "relation posts.author", func() { author.DefaultNull() }},
		{"SetTo", "relation posts.author", func() { author.SetTo(1) }},
		{"SetFunc", "relation posts.author", func() { author.SetFunc(func(*memrel.Tx) (int64, error) { return 1, nil }) }},
		{"Where", "unique constraint uniq_title", func() { title.Where(func(*frPost) bool { return false }) }},
		{"Related", "many-to-many users.fans", func() { fans.Related("idols") }},
		{"Symmetrical", "many-to-many users.fans", func() { fans.Symmetrical() }},
		{"Defaults", "table posts", func() { posts.Defaults(func(p *frPost) { p.Title = "x" }) }},
		{"CallerKeys", "table users", func() { users.CallerKeys() }},
	} {
		t.Run(c.names+"."+c.call, func(t *testing.T) {
			msg := func() (msg string) {
				defer func() { msg = fmt.Sprint(recover()) }()
				c.fn()
				return ""
			}()
			if !strings.Contains(msg, c.names) || !strings.Contains(msg, c.call+" called after a DB was opened") {
				t.Fatalf("panic %q, want one naming %s and %s", msg, c.names, c.call)
			}
		})
	}
	// A declaration that was never opened can still be built on.
	one.Related("pinned")
	if one.RelatedName() != "pinned" {
		t.Errorf("RelatedName = %q", one.RelatedName())
	}
}

// Many DBs opened at once from the same declarations (parallel tests) do
// not race on freezing them.
func TestOpenSameDeclarationsInParallel(t *testing.T) {
	users := memrel.NewTable("users", func(u *frUser) *int64 { return &u.ID })
	posts := memrel.NewTable("posts", func(p *frPost) *int64 { return &p.ID })
	author := memrel.ForeignKey(posts, func(p *frPost) *memrel.Null[int64] { return &p.AuthorID }, users, memrel.SetNull)
	title := memrel.UniqueFunc(posts, "uniq_title", func(p *frPost) string { return p.Title })
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{users, posts},
				Relations: []memrel.Relation{author}, Constraints: []memrel.Constraint{title}})
			if err != nil {
				t.Error(err)
				return
			}
			if err := db.Update(func(tx *memrel.Tx) error {
				_, err := posts.Insert(tx, frPost{Title: "t"})
				return err
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// A schema that Open refuses freezes nothing: its declarations can still be
// mended and opened.
func TestRefusedOpenFreezesNothing(t *testing.T) {
	users := memrel.NewTable("users", func(u *frUser) *int64 { return &u.ID })
	posts := memrel.NewTable("posts", func(p *frPost) *int64 { return &p.ID })
	stray := memrel.NewTable("stray", func(u *frUser) *int64 { return &u.ID })
	author := memrel.ForeignKey(posts, func(p *frPost) *memrel.Null[int64] { return &p.AuthorID }, users, memrel.SetNull)
	title := memrel.UniqueFunc(posts, "uniq_title", func(p *frPost) string { return p.Title })
	schemaErr(t, memrel.Schema{ // a store problem: an index on a table not listed
		Tables: []memrel.AnyTable{users, posts}, Relations: []memrel.Relation{author},
		Constraints: []memrel.Constraint{title},
		Indexes:     []memrel.AnyIndex{memrel.NewIndexFunc(stray, "by_id", func(u *frUser) int64 { return u.ID })},
	}, "stray")
	schemaErr(t, memrel.Schema{ // a relations problem: the parent is not listed
		Tables: []memrel.AnyTable{posts}, Relations: []memrel.Relation{author},
	}, "users")
	author.Related("writings")
	title.Where(func(p *frPost) bool { return p.Title != "" })
	posts.Defaults(func(p *frPost) {})
	openDB(t, memrel.Schema{Tables: []memrel.AnyTable{users, posts}, Relations: []memrel.Relation{author},
		Constraints: []memrel.Constraint{title}})
	if author.RelatedName() != "writings" {
		t.Errorf("RelatedName = %q", author.RelatedName())
	}
}
