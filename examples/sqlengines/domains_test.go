package sqlengines

import (
	"database/sql"
	"errors"
	"io"
	"testing"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/examples/internal/blog"
	"github.com/memrel-go/memrel/examples/internal/multitenant"
	"github.com/memrel-go/memrel/examples/internal/profiles"
	"github.com/memrel-go/memrel/examples/internal/shop"
	"github.com/memrel-go/memrel/examples/internal/social"
	"github.com/memrel-go/memrel/examples/internal/subscriptions"
	"github.com/memrel-go/memrel/examples/internal/tagging"
)

// deletion is one delete, run on memrel and, as SQL, on each engine.
type deletion struct {
	name   string
	memrel func(tx *memrel.Tx) error
	sql    string
	// refused is the sentinel memrel refuses the delete with (nil: it
	// deletes); each engine must refuse it too, for a foreign key.
	refused error
}

// domain is an example domain: the walk that seeds its DB, and the deletes
// to compare.
type domain struct {
	name    string
	run     func(io.Writer) (*memrel.DB, error)
	more    func(tx *memrel.Tx) error // rows added to the walk's, if any
	deletes []deletion
}

func del[T any, K memrel.Key](table *memrel.Table[T, K], k K) func(tx *memrel.Tx) error {
	return func(tx *memrel.Tx) error { _, err := table.Delete(tx, k); return err }
}

var domains = []domain{
	{name: "blog", run: blog.RunDB, deletes: []deletion{
		// posts.author is Cascade, and comments.post too: bob's post goes,
		// with the comment on it.
		{name: "a user: cascade two levels", memrel: del(blog.Users, 2), sql: `DELETE FROM "users" WHERE "id" = 2`},
		{name: "a post: cascade", memrel: del(blog.Posts, 4), sql: `DELETE FROM "posts" WHERE "id" = 4`},
	}},
	{name: "shop", run: shop.RunDB, deletes: []deletion{
		{name: "a customer with orders: Protect refuses", memrel: del(shop.Users, 1), sql: `DELETE FROM "users" WHERE "id" = 1`, refused: memrel.ErrProtected},
		{name: "a product bought: Protect refuses", memrel: del(shop.Products, 1), sql: `DELETE FROM "products" WHERE "id" = 1`, refused: memrel.ErrProtected},
		{name: "an order: its items cascade", memrel: del(shop.Orders, 2), sql: `DELETE FROM "orders" WHERE "id" = 2`},
	}},
	{name: "tagging", run: tagging.RunDB, deletes: []deletion{
		{name: "a user who tagged: SetNull", memrel: del(tagging.Users, 1), sql: `DELETE FROM "users" WHERE "id" = 1`},
		{name: "a tag: its links cascade", memrel: del(tagging.Tags, 1), sql: `DELETE FROM "tags" WHERE "id" = 1`},
		{name: "an article: its links cascade", memrel: del(tagging.Articles, 1), sql: `DELETE FROM "articles" WHERE "id" = 1`},
	}},
	{name: "profiles", run: profiles.RunDB,
		// The walk deletes the profiles it made; give bob and Eli theirs.
		more: func(tx *memrel.Tx) error {
			if _, err := profiles.Profiles.Insert(tx, profiles.Profile{UserID: 2, MarketingOptIn: true}); err != nil {
				return err
			}
			_, err := profiles.MedicalRecords.Insert(tx, profiles.MedicalRecord{PatientID: 2, BloodType: "O+"})
			return err
		},
		deletes: []deletion{
			{name: "a user: the one-to-one profile cascades", memrel: del(profiles.Users, 2), sql: `DELETE FROM "users" WHERE "id" = 2`},
			{name: "a patient: the one-to-one record cascades", memrel: del(profiles.Patients, 2), sql: `DELETE FROM "patients" WHERE "id" = 2`},
		}},
	{name: "subscriptions", run: subscriptions.RunDB, deletes: []deletion{
		{name: "a plan subscribed to: Protect refuses", memrel: del(subscriptions.Plans, 1), sql: `DELETE FROM "plans" WHERE "id" = 1`, refused: memrel.ErrProtected},
		{name: "a user: subscriptions cascade past the protected plan", memrel: del(subscriptions.Users, 1), sql: `DELETE FROM "users" WHERE "id" = 1`},
	}},
	{name: "social", run: social.RunDB, deletes: []deletion{
		// Profile, follows, friends in both directions, posts, the likes
		// of her posts and her likes: a diamond (post_likes through posts
		// and through users).
		{name: "a user: cascade through a diamond", memrel: del(social.Users, 2), sql: `DELETE FROM "users" WHERE "id" = 2`},
		{name: "a profile: follows and symmetrical friends cascade", memrel: del(social.SocialProfiles, 3), sql: `DELETE FROM "social_profiles" WHERE "id" = 3`},
	}},
	{name: "multitenant", run: multitenant.RunDB, deletes: []deletion{
		{name: "an owner: Protect refuses", memrel: del(multitenant.Users, 2), sql: `DELETE FROM "users" WHERE "id" = 2`, refused: memrel.ErrProtected},
		{name: "an organization: memberships and projects cascade", memrel: del(multitenant.Organizations, 2), sql: `DELETE FROM "organizations" WHERE "id" = 2`},
		{name: "a user with nothing", memrel: del(multitenant.Users, 3), sql: `DELETE FROM "users" WHERE "id" = 3`},
	}},
}

// seed runs a domain's walk and adds its extra rows.
func seed(t *testing.T, d domain) *memrel.DB {
	t.Helper()
	db, err := d.run(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if d.more != nil {
		if err := db.Update(d.more); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// Every domain's schema exports whole: its checks and its partial unique
// condition were given their SQL, so nothing is a gap.
func TestDomainsExportWithoutGaps(t *testing.T) {
	for _, d := range domains {
		db := seed(t, d)
		for _, dialect := range []memrel.SQLDialect{memrel.SQLite, memrel.PostgreSQL} {
			if _, _, gaps := export(t, db, dialect); len(gaps) > 0 {
				t.Errorf("%s, %v: gaps %v", d.name, dialect, gaps)
			}
		}
	}
}

// The DDL and the rows load into each engine, which then holds every row
// of memrel, typed, field by field.
func TestDomainsLoadAndReadBack(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		for _, d := range domains {
			t.Run(d.name, func(t *testing.T) {
				db := seed(t, d)
				sdb := load(t, e, db)
				if diff := diff(memrelState(t, db), sqlState(t, sdb, db), e.timeTolerance); diff != "" {
					t.Errorf("the %s rows differ from memrel's:\n%s", e.name, diff)
				}
			})
		}
	})
}

// The same deletes on memrel and on each engine do the same: the same rows
// deleted and rewritten (cascades, SET NULL), or the same refusal (Protect,
// as RESTRICT) with nothing changed.
func TestDomainsDeleteAlike(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		for _, d := range domains {
			for _, x := range d.deletes {
				t.Run(d.name+"/"+x.name, func(t *testing.T) {
					db := seed(t, d)
					sdb := load(t, e, db)
					compareDelete(t, e, db, sdb, x)
				})
			}
		}
	})
}

// compareDelete runs x on memrel and on sdb and compares the outcome and
// the states left.
func compareDelete(t *testing.T, e engine, db *memrel.DB, sdb *sql.DB, x deletion) {
	t.Helper()
	memErr := db.Update(x.memrel)
	sqlErr := execTx(sdb, x.sql)
	switch {
	case x.refused == nil && memErr != nil:
		t.Fatalf("memrel refused the delete: %v", memErr)
	case x.refused != nil && !errors.Is(memErr, x.refused):
		t.Fatalf("memrel: %v, want %v", memErr, x.refused)
	case x.refused == nil && sqlErr != nil:
		t.Fatalf("%s refused the delete: %v", e.name, sqlErr)
	case x.refused != nil && !e.refused(sqlErr):
		t.Fatalf("%s: %v, want a foreign-key refusal", e.name, sqlErr)
	}
	if diff := diff(memrelState(t, db), sqlState(t, sdb, db), e.timeTolerance); diff != "" {
		t.Errorf("after the delete, %s differs from memrel:\n%s", e.name, diff)
	}
}

// execTx runs statements in a transaction of their own, committed, or
// rolled back on an error.
func execTx(sdb *sql.DB, statements string) error {
	tx, err := sdb.Begin()
	if err != nil {
		return err
	}
	if _, err := tx.Exec(statements); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
