package sqlengines

import (
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/examples/internal/blog"
	"github.com/memrel-go/memrel/examples/internal/shop"
	"github.com/memrel-go/memrel/examples/internal/social"
	"github.com/memrel-go/memrel/examples/internal/subscriptions"
)

var sequenceLine = regexp.MustCompile(`(?m)^table (\S+)\n(?:  .*\n)*?  sequence (\d+)$`)

// After the load, each engine's sequence is memrel's: the next key it
// hands out is the one memrel would.
func TestDomainsSequences(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		for _, d := range domains {
			t.Run(d.name, func(t *testing.T) {
				db := seed(t, d)
				sdb := load(t, e, db)
				tx := db.BeginRead()
				dump := tx.Dump()
				tx.Abort()
				matches := sequenceLine.FindAllStringSubmatch(dump, -1)
				if len(matches) != len(db.Tables()) {
					t.Fatalf("%d sequences in the dump, want %d:\n%s", len(matches), len(db.Tables()), dump)
				}
				for _, m := range matches {
					want, _ := strconv.ParseInt(m[2], 10, 64)
					var next int64
					var err error
					if e.dialect == memrel.SQLite {
						var seq int64
						err = sdb.QueryRow(`SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0)`, m[1]).Scan(&seq)
						next = seq + 1
					} else {
						err = sdb.QueryRow(`SELECT nextval(pg_get_serial_sequence($1, 'id'))`, `"`+m[1]+`"`).Scan(&next)
					}
					if err != nil || next != want+1 {
						t.Errorf("table %s: the next key is %d (%v), memrel's %d", m[1], next, err, want+1)
					}
				}
			})
		}
	})
}

// write is a write that memrel and each engine both refuse, or both take.
type write struct {
	name    string
	domain  int // in domains
	memrel  func(tx *memrel.Tx) error
	sql     string
	refused error // memrel's sentinel; nil: both take it
}

var writes = []write{
	{name: "a second user named bob", domain: 0, refused: memrel.ErrUnique,
		memrel: func(tx *memrel.Tx) error { _, err := blog.Users.Insert(tx, blog.User{Username: "bob"}); return err },
		sql:    `INSERT INTO "users" ("username") VALUES ('bob')`},
	{name: "a comment on a missing post", domain: 0, refused: memrel.ErrForeignKey,
		memrel: func(tx *memrel.Tx) error {
			_, err := blog.Comments.Insert(tx, blog.Comment{PostID: 99, Body: "?", CreatedAt: time.Now()})
			return err
		},
		sql: `INSERT INTO "comments" ("post_id", "body", "created_at") VALUES (99, '?', '2026-01-01 00:00:00+00:00')`},
	{name: "a negative price", domain: 1, refused: memrel.ErrCheck,
		memrel: func(tx *memrel.Tx) error {
			_, err := shop.Products.Insert(tx, shop.Product{Name: "x", SKU: "X", PriceCents: -1})
			return err
		},
		sql: `INSERT INTO "products" ("name", "sku", "price_cents") VALUES ('x', 'X', -1)`},
	{name: "a second active subscription", domain: 4, refused: memrel.ErrUnique,
		memrel: func(tx *memrel.Tx) error {
			_, err := subscriptions.Subscriptions.Insert(tx, subscriptions.Subscription{UserID: 1, PlanID: 1, StartedAt: time.Now()})
			return err
		},
		sql: `INSERT INTO "subscriptions" ("user_id", "plan_id", "started_at") VALUES (1, 1, '2026-04-01 00:00:00+00:00')`},
	{name: "a second ended subscription", domain: 4,
		memrel: func(tx *memrel.Tx) error {
			_, err := subscriptions.Subscriptions.Insert(tx, subscriptions.Subscription{UserID: 1, PlanID: 1,
				StartedAt: time.Now(), EndedAt: memrel.Some(time.Now())})
			return err
		},
		sql: `INSERT INTO "subscriptions" ("user_id", "plan_id", "started_at", "ended_at") VALUES (1, 1, '2026-04-01 00:00:00+00:00', '2026-05-01 00:00:00+00:00')`},
	{name: "a plan by the week", domain: 4, refused: memrel.ErrCheck,
		memrel: func(tx *memrel.Tx) error {
			_, err := subscriptions.Plans.Insert(tx, subscriptions.Plan{Name: "w", Interval: "week"})
			return err
		},
		sql: `INSERT INTO "plans" ("name", "price_cents", "interval") VALUES ('w', 0, 'week')`},
	{name: "a self follow", domain: 5, refused: memrel.ErrCheck,
		memrel: func(tx *memrel.Tx) error {
			_, err := social.Follows.Insert(tx, social.Follow{FollowerID: 2, FollowedID: 2})
			return err
		},
		sql: `INSERT INTO "follows" ("follower_id", "followed_id", "created_at") VALUES (2, 2, '2026-01-01 00:00:00+00:00')`},
	{name: "a bio of 161 characters", domain: 5, refused: memrel.ErrCheck,
		memrel: func(tx *memrel.Tx) error {
			_, err := social.SocialProfiles.Modify(tx, 3, func(p *social.SocialProfile) error { p.Bio = strings.Repeat("é", 161); return nil })
			return err
		},
		sql: `UPDATE "social_profiles" SET "bio" = '` + strings.Repeat("é", 161) + `' WHERE "id" = 3`},
	{name: "a bio of 160 characters of two bytes", domain: 5,
		memrel: func(tx *memrel.Tx) error {
			_, err := social.SocialProfiles.Modify(tx, 3, func(p *social.SocialProfile) error { p.Bio = strings.Repeat("é", 160); return nil })
			return err
		},
		sql: `UPDATE "social_profiles" SET "bio" = '` + strings.Repeat("é", 160) + `' WHERE "id" = 3`},
}

// The constraints that the DDL carries hold in each engine as in memrel:
// a unique, a partial unique index, checks written with SQL, a foreign key.
func TestDomainsConstraintsHold(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		for _, w := range writes {
			t.Run(w.name, func(t *testing.T) {
				db := seed(t, domains[w.domain])
				sdb := load(t, e, db)
				memErr := db.Update(w.memrel)
				sqlErr := execTx(sdb, w.sql)
				switch {
				case w.refused == nil && (memErr != nil || sqlErr != nil):
					t.Fatalf("memrel: %v; %s: %v; want both to take it", memErr, e.name, sqlErr)
				case w.refused != nil && (!errors.Is(memErr, w.refused) || !refusedFor(e, w.refused, sqlErr)):
					t.Fatalf("memrel: %v; %s: %v; want both to refuse it (%v)", memErr, e.name, sqlErr, w.refused)
				}
			})
		}
	})
}

// A row of every column type WriteSQLSchema maps.
type Typed struct {
	ID      int64
	I8      int8
	I16     int16
	I32     int32
	U16     uint16
	U64     uint64
	F32     float32
	F64     float64
	B       bool
	S       string
	Bytes   []byte
	T       time.Time
	NT      memrel.Null[time.Time]
	NS      memrel.Null[string]
	NI      memrel.Null[int64]
	P       *string
	List    []string
	Map     map[string]int
	Nested  struct{ A, B int }
	Dur     time.Duration
	Special float64 // infinities in both; NaN in PostgreSQL only
}

// Every mapped type reads back as it was written, on each engine.
func TestTypesReadBack(t *testing.T) {
	typed := memrel.NewTable("typed", func(r *Typed) *int64 { return &r.ID })
	schema := memrel.Schema{Tables: []memrel.AnyTable{typed}}
	forEngine(t, func(t *testing.T, e engine) {
		db, err := memrel.Open(schema)
		if err != nil {
			t.Fatal(err)
		}
		s := "it's \"quoted\"\n\ttab, ünïcode, 'single'; -- not a comment"
		special := []float64{math.Inf(1), math.Inf(-1)}
		if e.dialect == memrel.PostgreSQL {
			special = append(special, math.NaN())
		}
		err = db.Update(func(tx *memrel.Tx) error {
			for i, f := range special {
				if _, err := typed.Insert(tx, Typed{
					I8: -8, I16: -16, I32: -32, U16: 65535, U64: math.MaxInt64, F32: 0.1, F64: 1.0 / 3, B: i%2 == 0,
					S: s, Bytes: []byte{0, 1, 0xff, '\''}, T: time.Date(2026, 12, 1, 10, 11, 12, 123456789, time.FixedZone("X", -7*3600)),
					NT: memrel.Some(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)), NS: memrel.Some(""), P: &s,
					List: []string{"a", "b"}, Map: map[string]int{"z": 1, "a": 2}, Nested: struct{ A, B int }{1, 2},
					Dur: 90 * time.Minute, Special: f,
				}); err != nil {
					return err
				}
			}
			_, err := typed.Insert(tx, Typed{T: time.Unix(0, 0)}) // zero values, empty Nulls, a nil pointer
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		sdb := load(t, e, db)
		want, got := memrelStateRows(t, db, typed), sqlState(t, sdb, db)["typed"]
		if len(want) != len(got) {
			t.Fatalf("%d rows, want %d", len(got), len(want))
		}
		for i := range want {
			w, g := want[i], got[i].(Typed)
			// NaN is not equal to itself; compare it apart.
			if math.IsNaN(w.Special) && math.IsNaN(g.Special) {
				w.Special, g.Special = 0, 0
			}
			if d := diff(state{"typed": {w}}, state{"typed": {g}}, e.timeTolerance); d != "" {
				t.Errorf("row %d:\n%s", i, d)
			}
		}
	})
}

// memrelStateRows reads the rows of a table straight from memrel (the
// fixture cannot hold NaN or infinities).
func memrelStateRows(t *testing.T, db *memrel.DB, table *memrel.Table[Typed, int64]) []Typed {
	t.Helper()
	var rows []Typed
	db.View(func(tx *memrel.Tx) error {
		for r := range table.All(tx) {
			rows = append(rows, r)
		}
		return nil
	})
	return rows
}

// refusedFor tells whether err is e refusing a write for the constraint
// kind that memrel's sentinel names (any error would not do: a typo in a
// test's SQL is an error too).
func refusedFor(e engine, sentinel, err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	pg := e.dialect == memrel.PostgreSQL
	switch sentinel {
	case memrel.ErrUnique:
		return pg && strings.Contains(msg, "SQLSTATE 23505") || !pg && strings.Contains(msg, "UNIQUE constraint failed")
	case memrel.ErrCheck:
		return pg && strings.Contains(msg, "SQLSTATE 23514") || !pg && strings.Contains(msg, "CHECK constraint failed")
	case memrel.ErrForeignKey:
		return e.refused(err)
	}
	return false
}
