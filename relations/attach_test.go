package relations_test

import (
	"strings"
	"testing"

	"github.com/memrel-go/memrel"
)

type atUser struct {
	ID   int64
	Name string
}

type atPost struct {
	ID       int64
	AuthorID int64
	EditorID memrel.Null[int64]
	Rank     int
}

type atProfile struct {
	ID     int64
	UserID int64
}

// A declaration belongs to its table (Django's model owns its fields): a DB
// that holds the table enforces every relation, one-to-one, many-to-many,
// unique, check and index declared on it, listed in the Schema or not.
func TestDeclarationsComeWithTheirTables(t *testing.T) {
	users := memrel.NewTable("users", func(u *atUser) *int64 { return &u.ID })
	posts := memrel.NewTable("posts", func(p *atPost) *int64 { return &p.ID })
	profiles := memrel.NewTable("profiles", func(p *atProfile) *int64 { return &p.ID })
	author := memrel.ForeignKey(posts, func(p *atPost) *int64 { return &p.AuthorID }, users, memrel.Cascade).Related("posts")
	profile := memrel.OneToOne(profiles, func(p *atProfile) *int64 { return &p.UserID }, users, memrel.Cascade)
	fans := memrel.ManyToMany(users, "fans", users).Related("idols")
	memrel.UniqueFunc(users, "uniq_name", func(u *atUser) string { return u.Name })
	memrel.Check(posts, "rank_positive", func(p *atPost) bool { return p.Rank > 0 })
	byRank := memrel.NewIndexFunc(posts, "rank", func(p *atPost) int { return p.Rank })

	// Only the tables are listed.
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{users, posts, profiles}})
	tx := beginTx(t, db)
	ann, err := users.Insert(tx, atUser{Name: "ann"})
	mustOK(t, err)
	bob, err := users.Insert(tx, atUser{Name: "bob"})
	mustOK(t, err)

	refused(t, tx, memrel.ErrForeignKey, func() error { // the relation
		_, err := posts.Insert(tx, atPost{AuthorID: 999, Rank: 1})
		return err
	})
	_, err = profiles.Insert(tx, atProfile{UserID: ann.ID})
	mustOK(t, err)
	refused(t, tx, memrel.ErrUnique, func() error { // the one-to-one
		_, err := profiles.Insert(tx, atProfile{UserID: ann.ID})
		return err
	})
	refused(t, tx, memrel.ErrUnique, func() error { // the unique constraint
		_, err := users.Insert(tx, atUser{Name: "ann"})
		return err
	})
	refused(t, tx, memrel.ErrCheck, func() error { // the check constraint
		_, err := posts.Insert(tx, atPost{AuthorID: ann.ID})
		return err
	})
	mustOK(t, cnIns(fans.Add(tx, ann.ID, bob.ID))) // the many-to-many
	if !fans.Reverse().Has(tx, bob.ID, ann.ID) {
		t.Error("the many-to-many link is not there")
	}
	for _, r := range []int{3, 1, 2} {
		_, err := posts.Insert(tx, atPost{AuthorID: bob.ID, Rank: r})
		mustOK(t, err)
	}
	var ranks []int // the index
	for p := range byRank.Ascend(tx) {
		ranks = append(ranks, p.Rank)
	}
	if len(ranks) != 3 || ranks[0] != 1 || ranks[2] != 3 {
		t.Errorf("ranks through the index = %v, want [1 2 3]", ranks)
	}
	res, err := users.Delete(tx, bob.ID) // cascades through the relation
	mustOK(t, err)
	if res.Deleted["posts"] != 3 || author.Count(tx, bob.ID) != 0 {
		t.Errorf("result %v, want bob's 3 posts cascaded", res)
	}
	_ = profile
	finishTx(t, db, tx)
}

// A foreign key declared on a listed table whose parent table is not listed
// refuses the schema, naming both: a key of the DB would go unchecked.
func TestDeclarationNeedingAnUnlistedTableRefusesTheSchema(t *testing.T) {
	users := memrel.NewTable("users", func(u *atUser) *int64 { return &u.ID })
	posts := memrel.NewTable("posts", func(p *atPost) *int64 { return &p.ID })
	memrel.ForeignKey(posts, func(p *atPost) *memrel.Null[int64] { return &p.EditorID }, users, memrel.SetNull)
	schemaErr(t, memrel.Schema{Tables: []memrel.AnyTable{posts}}, "relation posts.editor refers to table users, which is not in the schema")

	// A many-to-many to a table the DB does not hold stays out: its rows
	// live in its own link table, so no row of the DB goes unchecked.
	tags := memrel.NewTable("tags", func(u *atUser) *int64 { return &u.ID })
	memrel.ManyToMany(users, "tags", tags)
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{users}})
	tx := db.BeginRead()
	defer tx.Abort()
	if d := tx.Dump(); d != "table users\n  sequence 0\n" {
		t.Errorf("Dump = %q, want users alone", d)
	}
}

// A broken declaration on a listed table is reported by Open even when it
// is not listed: nothing declared on a table is dropped without a word.
func TestBrokenDeclarationOnAListedTableIsReported(t *testing.T) {
	users := memrel.NewTable("users", func(u *atUser) *int64 { return &u.ID })
	posts := memrel.NewTable("posts", func(p *atPost) *int64 { return &p.ID })
	var noAccessor func(*atPost) *int64
	memrel.ForeignKey(posts, noAccessor, users, memrel.Cascade).Named("author")
	memrel.Check(posts, "chk_nothing", nil)
	memrel.UniqueFunc[atUser, int64, string](users, "uniq_nothing", nil)
	schemaErr(t, memrel.Schema{Tables: []memrel.AnyTable{users, posts}},
		"relation posts.author: the key field is nil", "check constraint chk_nothing: the predicate is nil",
		"unique constraint uniq_nothing: the key function is nil")
}

// A declaration made on a table after a DB was opened with it would not be
// enforced in that DB: it panics, naming the table, for every kind.
func TestDeclarationAfterOpenPanics(t *testing.T) {
	type row struct {
		ID     int64
		UserID int64
		Name   string
	}
	users := memrel.NewTable("late_users", func(r *row) *int64 { return &r.ID })
	rows := memrel.NewTable("late_rows", func(r *row) *int64 { return &r.ID })
	openDB(t, memrel.Schema{Tables: []memrel.AnyTable{users, rows}})
	f := memrel.Fields[row]()
	for name, declare := range map[string]func(){
		"foreign key":  func() { memrel.ForeignKey(rows, &f.UserID, users, memrel.Cascade) },
		"one-to-one":   func() { memrel.OneToOne(rows, &f.UserID, users, memrel.Cascade) },
		"many-to-many": func() { memrel.ManyToMany(rows, "peers", users) },
		"unique":       func() { memrel.Unique(rows, "uq_late", &f.Name) },
		"check":        func() { memrel.Check(rows, "ck_late", func(*row) bool { return true }) },
		"index":        func() { memrel.NewIndex(rows, "ix_late", &f.Name) },
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, "table late_rows") || !strings.Contains(msg, "declared after a DB was opened") {
					t.Errorf("%s declared after Open: panic %q, want one naming the table", name, msg)
				}
			}()
			declare()
		}()
	}
}
