package sqlengines

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/memrel-go/memrel"
)

// The rules the example domains do not use, on a schema of their own:
// Django's RESTRICT example (artists, albums, songs), a Protect that the
// same delete also cascades to, SetDefault and Set(value), DoNothing, a
// SET NULL tree and a cycle of tables.

type Artist struct{ ID int64 }

type Album struct {
	ID       int64
	ArtistID int64
}

type Song struct {
	ID       int64
	ArtistID int64
	AlbumID  int64
}

type Owner struct{ ID int64 }

type Pet struct {
	ID      int64
	OwnerID int64
}

type Visit struct {
	ID      int64
	PetID   int64
	OwnerID int64
}

type Category struct{ ID int64 }

type Item struct {
	ID         int64
	CategoryID int64 // SetDefault to 1
	ShelfID    int64 // Set(3)
}

type LogEntry struct {
	ID       int64
	ArtistID int64 // DoNothing
}

type Node struct {
	ID       int64
	ParentID memrel.Null[int64]
}

type Team struct {
	ID        int64
	CaptainID memrel.Null[int64]
}

type Player struct {
	ID     int64
	TeamID int64
}

var (
	artistF, albumF, songF = memrel.Fields[Album](), memrel.Fields[Album](), memrel.Fields[Song]()
	petF, visitF, itemF    = memrel.Fields[Pet](), memrel.Fields[Visit](), memrel.Fields[Item]()
	logF, nodeF            = memrel.Fields[LogEntry](), memrel.Fields[Node]()
	teamF, playerF         = memrel.Fields[Team](), memrel.Fields[Player]()

	Artists    = memrel.NewTable("artists", func(a *Artist) *int64 { return &a.ID })
	Albums     = memrel.NewTable("albums", func(a *Album) *int64 { return &a.ID })
	Songs      = memrel.NewTable("songs", func(s *Song) *int64 { return &s.ID })
	Owners     = memrel.NewTable("owners", func(o *Owner) *int64 { return &o.ID })
	Pets       = memrel.NewTable("pets", func(p *Pet) *int64 { return &p.ID })
	Visits     = memrel.NewTable("visits", func(v *Visit) *int64 { return &v.ID })
	Categories = memrel.NewTable("categories", func(c *Category) *int64 { return &c.ID })
	Items      = memrel.NewTable("items", func(i *Item) *int64 { return &i.ID })
	LogEntries = memrel.NewTable("log_entries", func(l *LogEntry) *int64 { return &l.ID })
	Nodes      = memrel.NewTable("nodes", func(n *Node) *int64 { return &n.ID })
	Teams      = memrel.NewTable("teams", func(t *Team) *int64 { return &t.ID })
	Players    = memrel.NewTable("players", func(p *Player) *int64 { return &p.ID })

	_ = memrel.ForeignKey(Albums, &artistF.ArtistID, Artists, memrel.Cascade)
	_ = memrel.ForeignKey(Songs, &songF.ArtistID, Artists, memrel.Restrict)
	_ = memrel.ForeignKey(Songs, &songF.AlbumID, Albums, memrel.Cascade)
	_ = memrel.ForeignKey(Pets, &petF.OwnerID, Owners, memrel.Cascade)
	_ = memrel.ForeignKey(Visits, &visitF.PetID, Pets, memrel.Protect)
	_ = memrel.ForeignKey(Visits, &visitF.OwnerID, Owners, memrel.Cascade)
	_ = memrel.ForeignKey(Items, &itemF.CategoryID, Categories, memrel.SetDefault).Default(1)
	_ = memrel.ForeignKey(Items, &itemF.ShelfID, Categories, memrel.Set).SetTo(3).Named("shelf").Related("shelved_items")
	_ = memrel.ForeignKey(LogEntries, &logF.ArtistID, Artists, memrel.DoNothing)
	_ = memrel.ForeignKey(Nodes, &nodeF.ParentID, Nodes, memrel.SetNull)
	_ = memrel.ForeignKey(Teams, &teamF.CaptainID, Players, memrel.SetNull)
	_ = memrel.ForeignKey(Players, &playerF.TeamID, Teams, memrel.Cascade)

	rulesSchema = memrel.Schema{Tables: []memrel.AnyTable{
		Artists, Albums, Songs, Owners, Pets, Visits, Categories, Items, LogEntries, Nodes, Teams, Players}}
)

var _ = albumF

// seedRules fills the rules schema.
func seedRules(t *testing.T) *memrel.DB {
	t.Helper()
	db, err := memrel.Open(rulesSchema)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *memrel.Tx) error {
		if err := tx.DeferForeignKeys(); err != nil { // the team and its captain
			return err
		}
		for _, f := range []func() error{
			// Artist 1 has album 1 with song 1 (by artist 1) and song 2
			// (by artist 2, a guest); artist 2 has no album.
			func() error { _, err := Artists.Insert(tx, Artist{}); return err },
			func() error { _, err := Artists.Insert(tx, Artist{}); return err },
			func() error { _, err := Albums.Insert(tx, Album{ArtistID: 1}); return err },
			func() error { _, err := Songs.Insert(tx, Song{ArtistID: 1, AlbumID: 1}); return err },
			func() error { _, err := Songs.Insert(tx, Song{ArtistID: 2, AlbumID: 1}); return err },
			// Owner 1 has pet 1, with a visit of owner 1's.
			func() error { _, err := Owners.Insert(tx, Owner{}); return err },
			func() error { _, err := Pets.Insert(tx, Pet{OwnerID: 1}); return err },
			func() error { _, err := Visits.Insert(tx, Visit{PetID: 1, OwnerID: 1}); return err },
			// Categories 1 (the default), 2, 3 (the Set value); item 1 in 2
			// on shelf 2, item 2 in 3 on shelf 3.
			func() error { _, err := Categories.Insert(tx, Category{}); return err },
			func() error { _, err := Categories.Insert(tx, Category{}); return err },
			func() error { _, err := Categories.Insert(tx, Category{}); return err },
			func() error { _, err := Items.Insert(tx, Item{CategoryID: 2, ShelfID: 2}); return err },
			func() error { _, err := Items.Insert(tx, Item{CategoryID: 3, ShelfID: 3}); return err },
			// Artist 3 has a log entry only.
			func() error { _, err := Artists.Insert(tx, Artist{}); return err },
			func() error { _, err := LogEntries.Insert(tx, LogEntry{ArtistID: 3}); return err },
			// A tree: 1 <- 2 <- 3, and 4 <- 5 whose parent has a higher key.
			func() error { _, err := Nodes.Insert(tx, Node{}); return err },
			func() error { _, err := Nodes.Insert(tx, Node{ParentID: memrel.Some[int64](1)}); return err },
			func() error { _, err := Nodes.Insert(tx, Node{ParentID: memrel.Some[int64](2)}); return err },
			func() error { _, err := Nodes.Insert(tx, Node{ParentID: memrel.Some[int64](5)}); return err },
			func() error { _, err := Nodes.Insert(tx, Node{}); return err },
			// A cycle: team 1's captain is player 1, of team 1.
			func() error { _, err := Teams.Insert(tx, Team{CaptainID: memrel.Some[int64](1)}); return err },
			func() error { _, err := Players.Insert(tx, Player{TeamID: 1}); return err },
			func() error { _, err := Players.Insert(tx, Player{TeamID: 1}); return err },
		} {
			if err := f(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// rowRef names a row by table and key.
type rowRef struct {
	table string
	id    int64
}

// ruleCase is a delete on the rules schema. Where an engine does
// otherwise than memrel, its expected outcome is stated, and asserted.
type ruleCase struct {
	name    string
	memrel  func(tx *memrel.Tx) error
	sql     string
	refused error // memrel's sentinel, nil if it deletes
	// differs lists, per engine, the difference SQL makes: the engine
	// refuses what memrel deletes (refuses), or deletes what memrel
	// refuses, and then exactly the rows listed (deletes).
	differs map[string]difference
}

type difference struct {
	why     string
	refuses bool
	deletes []rowRef
}

var ruleCases = []ruleCase{
	{
		// Django's own example: song 1 references artist 1 through a
		// Restrict key, but the delete removes it through album 1
		// (Cascade), so Django deletes (album 1 and its songs 1 and 2 go
		// with artist 1). Restrict is NO ACTION in SQL, checked at the end
		// of the statement: SQLite has run the cascades by then and
		// agrees. PostgreSQL runs its foreign keys' triggers in the order
		// they were queued: the check of songs.artist, queued by the
		// delete of artist 1, runs before the cascade from album 1 to its
		// songs, queued by the cascade to albums, and finds song 1.
		name:   "Restrict, the restricting row cascaded: deletes",
		memrel: del(Artists, 1), sql: `DELETE FROM "artists" WHERE "id" = 1`,
		differs: map[string]difference{"postgres": {
			why:     "PostgreSQL checks songs.artist (NO ACTION) before the cascade through albums removes song 1",
			refuses: true,
		}},
	},
	{
		name:   "Restrict, the restricting row stays: refuses",
		memrel: del(Artists, 2), sql: `DELETE FROM "artists" WHERE "id" = 2`, refused: memrel.ErrRestricted,
	},
	{
		// visit 1 protects pet 1 and is deleted with owner 1 through
		// visits.owner (Cascade): Django refuses anyway.
		name:   "Protect, the protecting row cascaded too: refuses",
		memrel: del(Owners, 1), sql: `DELETE FROM "owners" WHERE "id" = 1`, refused: memrel.ErrProtected,
		// Protect is RESTRICT in SQL, judged row by row: both engines
		// delete visit 1 through visits.owner before (or without)
		// checking visits.pet, and the delete goes through.
		differs: map[string]difference{
			"sqlite": {why: "SQLite removes visit 1 through visits.owner (CASCADE) before pet 1, so the RESTRICT of visits.pet finds nothing",
				deletes: []rowRef{{"owners", 1}, {"pets", 1}, {"visits", 1}}},
			"postgres": {why: "PostgreSQL removes visit 1 through visits.owner (CASCADE), so the RESTRICT of visits.pet finds nothing",
				deletes: []rowRef{{"owners", 1}, {"pets", 1}, {"visits", 1}}},
		},
	},
	{
		name:   "SetDefault and Set(value): rewritten",
		memrel: del(Categories, 2), sql: `DELETE FROM "categories" WHERE "id" = 2`,
	},
	{
		name:   "Set(value) to the row deleted: refuses",
		memrel: del(Categories, 3), sql: `DELETE FROM "categories" WHERE "id" = 3`, refused: memrel.ErrForeignKey,
	},
	{
		name:   "DoNothing left dangling: the commit refuses",
		memrel: del(Artists, 3), sql: `DELETE FROM "artists" WHERE "id" = 3`, refused: memrel.ErrForeignKey,
	},
	{
		name: "DoNothing re-pointed in the same transaction: commits",
		memrel: func(tx *memrel.Tx) error {
			if _, err := Artists.Delete(tx, 3); err != nil {
				return err
			}
			_, err := LogEntries.Modify(tx, 1, func(l *LogEntry) error { l.ArtistID = 1; return nil })
			return err
		},
		sql: `DELETE FROM "artists" WHERE "id" = 3; UPDATE "log_entries" SET "artist_id" = 1 WHERE "id" = 1`,
	},
	{
		name:   "SET NULL in a tree",
		memrel: del(Nodes, 2), sql: `DELETE FROM "nodes" WHERE "id" = 2`,
	},
	{
		name:   "a cycle of tables: cascade and SET NULL",
		memrel: del(Teams, 1), sql: `DELETE FROM "teams" WHERE "id" = 1`,
	},
}

// The rules the domains do not use, on both engines, with every
// difference SQL makes stated and asserted.
func TestRulesDeleteAlikeOrAsDocumented(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		t.Run("load", func(t *testing.T) {
			db := seedRules(t)
			sdb := load(t, e, db)
			if diff := diff(memrelState(t, db), sqlState(t, sdb, db), e.timeTolerance); diff != "" {
				t.Errorf("the %s rows differ from memrel's:\n%s", e.name, diff)
			}
		})
		for _, c := range ruleCases {
			t.Run(c.name, func(t *testing.T) {
				db := seedRules(t)
				sdb := load(t, e, db)
				before := memrelState(t, db)
				memErr := db.Update(c.memrel)
				sqlErr := execTx(sdb, c.sql)
				t.Logf("memrel: %v; %s: %v", memErr, e.name, sqlErr)
				if c.refused == nil && memErr != nil || c.refused != nil && !errors.Is(memErr, c.refused) {
					t.Fatalf("memrel: %v, want %v", memErr, c.refused)
				}
				got := sqlState(t, sdb, db)
				d, differs := c.differs[e.name]
				switch {
				case !differs:
					if (memErr == nil) != (sqlErr == nil) {
						t.Fatalf("memrel: %v; %s: %v", memErr, e.name, sqlErr)
					}
					if diff := diff(memrelState(t, db), got, e.timeTolerance); diff != "" {
						t.Errorf("after the delete, %s differs from memrel:\n%s", e.name, diff)
					}
				case d.refuses:
					if sqlErr == nil || memErr != nil {
						t.Fatalf("documented: %s refuses what memrel deletes (%s); memrel: %v, %s: %v", e.name, d.why, memErr, e.name, sqlErr)
					}
					if diff := diff(before, got, e.timeTolerance); diff != "" {
						t.Errorf("%s refused, but changed rows:\n%s", e.name, diff)
					}
				default:
					if sqlErr != nil || memErr == nil {
						t.Fatalf("documented: %s deletes what memrel refuses (%s); memrel: %v, %s: %v", e.name, d.why, memErr, e.name, sqlErr)
					}
					if diff := diff(without(before, d.deletes), got, e.timeTolerance); diff != "" {
						t.Errorf("%s deleted other rows than documented:\n%s", e.name, diff)
					}
				}
			})
		}
	})
}

// without returns st less the rows named.
func without(st state, rows []rowRef) state {
	out := state{}
	for table, rs := range st {
		out[table] = []any{}
		for _, r := range rs {
			if !slices.Contains(rows, rowRef{table, reflect.ValueOf(r).FieldByName("ID").Int()}) {
				out[table] = append(out[table], r)
			}
		}
	}
	return out
}
