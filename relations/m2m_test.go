package relations_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/memrel-go/memrel"
)

// Many-to-many relations (django-semantics.md §2, scenarios §7.6-7.8, S22,
// S37, §1.8) and the seed domains that use them (3: tagging, 7:
// multi-tenant), through the memrel facade. Every refused operation is
// checked for atomicity: same Dump, Check nil, and the transaction still
// takes a valid write that commits.

// ---------------------------------------------------------------------------
// Helpers.

const mmMissing int64 = 404 // a key no fixture row has

var (
	mmJoined = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC) // what the Defaults of link tables write
	mmDay1   = time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	mmDay2   = time.Date(2024, 2, 2, 0, 0, 0, 0, time.UTC)
	mmDay3   = time.Date(2024, 2, 3, 0, 0, 0, 0, time.UTC)
)

func mmInsert[T any, K memrel.Key](t *testing.T, tx *memrel.Tx, tbl *memrel.Table[T, K], rows ...T) {
	t.Helper()
	for _, r := range rows {
		if _, err := tbl.Insert(tx, r); err != nil {
			t.Fatalf("insert into %s %+v: %v", tbl.Name(), r, err)
		}
	}
}

// mmUnchanged runs op, which must succeed without changing anything.
func mmUnchanged(t *testing.T, tx *memrel.Tx, what string, op func() error) {
	t.Helper()
	before := tx.Dump()
	if err := op(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if after := tx.Dump(); after != before {
		t.Errorf("%s changed the state:\nbefore:\n%s\nafter:\n%s", what, before, after)
	}
}

// mmList returns the keys of the rows side lists for a, in List's order.
func mmList[S any, SK memrel.Key, T any, TK memrel.Key, L any, LK memrel.Key](tx *memrel.Tx, side *memrel.M2MSide[S, SK, T, TK, L, LK], target *memrel.Table[T, TK], a SK) []TK {
	var out []TK
	for row := range side.List(tx, a) {
		out = append(out, target.Key(row))
	}
	return out
}

func mmKeys[K comparable](t *testing.T, what string, got []K, want ...K) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func mmEq(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
}

func mmDeleted(t *testing.T, what string, res memrel.DeleteResult, err error, deleted, updated map[string]int) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	mmEq(t, what+" result", res, memrel.DeleteResult{Deleted: deleted, Updated: updated})
}

// ---------------------------------------------------------------------------
// §7.6 fixture: Article.publications -> Publication, automatic link table.

type mmArticle struct {
	ID       int64
	Headline string
}

type mmPublication struct {
	ID    int64
	Title string
}

type mmLink = memrel.Link[int64, int64]

type mmPubs struct {
	db           *memrel.DB
	articles     *memrel.Table[mmArticle, int64]
	publications *memrel.Table[mmPublication, int64]
	rel          *memrel.M2M[mmArticle, int64, mmPublication, int64, mmLink, int64]
}

const (
	mmP1, mmP2, mmP3, mmP4       int64 = 1, 2, 3, 4
	mmA1, mmA2, mmA3, mmA4, mmA6 int64 = 1, 2, 3, 4, 6
)

// mmNewPubs opens the fixture: a1 {p1}, a2 {p1 p2 p3 p4}, a3 {p2}, a4 {p2},
// 7 link rows, in an open write transaction.
func mmNewPubs(t *testing.T) (*mmPubs, *memrel.Tx) {
	t.Helper()
	f := &mmPubs{
		articles:     memrel.NewTable("articles", func(a *mmArticle) *int64 { return &a.ID }),
		publications: memrel.NewTable("publications", func(p *mmPublication) *int64 { return &p.ID }),
	}
	f.rel = memrel.ManyToMany(f.articles, "publications", f.publications).Related("articles")
	f.db = openDB(t, memrel.Schema{
		Tables:    []memrel.AnyTable{f.articles, f.publications},
		Relations: []memrel.Relation{f.rel},
	})
	tx := beginTx(t, f.db)
	mmInsert(t, tx, f.publications,
		mmPublication{ID: mmP1, Title: "The Python Journal"},
		mmPublication{ID: mmP2, Title: "Science News"},
		mmPublication{ID: mmP3, Title: "Science Weekly"},
		mmPublication{ID: mmP4, Title: "Highlights for Children"})
	mmInsert(t, tx, f.articles,
		mmArticle{ID: mmA1, Headline: "Django lets you build Web apps easily"},
		mmArticle{ID: mmA2, Headline: "NASA uses Python"},
		mmArticle{ID: mmA3, Headline: "NASA finds intelligent life on Earth"},
		mmArticle{ID: mmA4, Headline: "Oxygen-free diet works wonders"})
	mustOK(t, cnIns(f.rel.Add(tx, mmA1, mmP1)))
	mustOK(t, cnIns(f.rel.Add(tx, mmA2, mmP1, mmP2, mmP3, mmP4)))
	mustOK(t, cnIns(f.rel.Add(tx, mmA3, mmP2)))
	mustOK(t, cnIns(f.rel.Add(tx, mmA4, mmP2)))
	if n := f.rel.LinkTable().Len(tx); n != 7 {
		t.Fatalf("fixture has %d link rows, want 7", n)
	}
	if name := f.rel.LinkTable().Name(); name != "articles_publications" {
		t.Fatalf("link table is named %q, want articles_publications", name)
	}
	return f, tx
}

func (f *mmPubs) pubs(tx *memrel.Tx, a int64) []int64 {
	return mmList(tx, f.rel.M2MSide, f.publications, a)
}

func (f *mmPubs) arts(tx *memrel.Tx, p int64) []int64 {
	return mmList(tx, f.rel.Reverse(), f.articles, p)
}

// pairs counts the link rows per (article, publication) pair.
func (f *mmPubs) pairs(tx *memrel.Tx) map[[2]int64]int {
	m := map[[2]int64]int{}
	for l := range f.rel.LinkTable().All(tx) {
		m[[2]int64{l.From, l.To}]++
	}
	return m
}

// linkID is the key of the link row of pair (a, p), or 0.
func (f *mmPubs) linkID(tx *memrel.Tx, a, p int64) int64 {
	for l := range f.rel.Links(tx, a) {
		if l.To == p {
			return l.ID
		}
	}
	return 0
}

func TestS58_AddIsIdempotent(t *testing.T) {
	f, tx := mmNewPubs(t)
	mmInsert(t, tx, f.articles, mmArticle{ID: mmA6, Headline: "ESA uses Python"})
	mustOK(t, cnIns(f.rel.Add(tx, mmA6, mmP1, mmP2)))
	mustOK(t, cnIns(f.rel.Add(tx, mmA6, mmP3)))
	mmUnchanged(t, tx, "adding p3 to a6 again", func() error { return cnIns(f.rel.Add(tx, mmA6, mmP3)) })
	mmUnchanged(t, tx, "adding a repeated list of existing pairs", func() error { return cnIns(f.rel.Add(tx, mmA6, mmP1, mmP1, mmP2, mmP3)) })
	mmUnchanged(t, tx, "adding an existing pair from the reverse side", func() error { return cnIns(f.rel.Reverse().Add(tx, mmP2, mmA6)) })

	mmKeys(t, "a6.publications", f.pubs(tx, mmA6), mmP1, mmP2, mmP3)
	if n := f.rel.LinkTable().Len(tx); n != 10 {
		t.Errorf("link table has %d rows, want 10", n)
	}
	for pair, n := range f.pairs(tx) {
		if n != 1 {
			t.Errorf("pair %v has %d link rows, want 1", pair, n)
		}
	}
	for _, p := range []int64{mmP1, mmP2, mmP3} {
		if f.pairs(tx)[[2]int64{mmA6, p}] != 1 {
			t.Errorf("pair (a6, p%d) has no link row", p)
		}
	}
	if n := f.rel.Count(tx, mmA6); n != 3 {
		t.Errorf("a6 Count = %d, want 3", n)
	}
	if !f.rel.Has(tx, mmA6, mmP3) || f.rel.Has(tx, mmA6, mmP4) {
		t.Errorf("Has(a6, p3) = %v, Has(a6, p4) = %v; want true, false", f.rel.Has(tx, mmA6, mmP3), f.rel.Has(tx, mmA6, mmP4))
	}
	if !f.rel.Reverse().Has(tx, mmP3, mmA6) {
		t.Errorf("p3 does not list a6 from the reverse side")
	}
	mmKeys(t, "p3.articles", f.arts(tx, mmP3), mmA2, mmA6)

	// Repeated adds in one call and duplicates within it: one row per pair.
	mustOK(t, cnIns(f.rel.Add(tx, mmA3, mmP4, mmP4, mmP2, mmP4)))
	mmKeys(t, "a3.publications", f.pubs(tx, mmA3), mmP2, mmP4)
	if n := f.rel.Count(tx, mmA3); n != 2 {
		t.Errorf("a3 Count = %d, want 2", n)
	}
	finishTx(t, f.db, tx)
}

func TestS58_AddMissingRowRefusedWhole(t *testing.T) {
	f, tx := mmNewPubs(t)

	// p1 and p3 would be added before 404 fails: the whole Add is undone.
	err := refused(t, tx, memrel.ErrForeignKey, func() error { return cnIns(f.rel.Add(tx, mmA3, mmP1, mmP3, mmMissing)) })
	var fe *memrel.ForeignKeyError
	if !errors.As(err, &fe) {
		t.Fatalf("error %T is not a *ForeignKeyError", err)
	}
	if fe.Relation != "articles_publications.publications" || fe.Field != "publications" ||
		fe.Parent != (memrel.RowRef{Table: "publications", Key: mmMissing}) ||
		fe.Row != (memrel.RowRef{Table: "articles_publications", New: true}) || fe.AtCommit {
		t.Errorf("ForeignKeyError = %+v", fe)
	}
	mmKeys(t, "a3.publications", f.pubs(tx, mmA3), mmP2)
	if n := f.rel.Count(tx, mmA3); n != 1 {
		t.Errorf("a3 Count = %d, want 1", n)
	}

	// A source row that does not exist (Django's unsaved a5).
	err = refused(t, tx, memrel.ErrForeignKey, func() error { return cnIns(f.rel.Add(tx, 5, mmP1)) })
	if !errors.As(err, &fe) || fe.Relation != "articles_publications.articles" ||
		fe.Parent != (memrel.RowRef{Table: "articles", Key: int64(5)}) {
		t.Errorf("missing source: %+v", fe)
	}

	// From the reverse side, the missing row in the middle.
	refused(t, tx, memrel.ErrForeignKey, func() error { return cnIns(f.rel.Reverse().Add(tx, mmP4, mmA1, mmMissing, mmA3)) })
	mmKeys(t, "p4.articles", f.arts(tx, mmP4), mmA2)

	// AddWith: the fill ran for the rows added before the failure; they go too.
	refused(t, tx, memrel.ErrForeignKey, func() error {
		return cnIns(f.rel.AddWith(tx, mmA1, func(l *mmLink) {}, mmP2, mmMissing))
	})

	// Set removes first, then adds: a failed add undoes the removals too.
	refused(t, tx, memrel.ErrForeignKey, func() error { return f.rel.Set(tx, mmA2, []int64{mmP1, mmMissing}) })
	refused(t, tx, memrel.ErrForeignKey, func() error {
		return f.rel.SetWith(tx, mmA2, []int64{mmMissing}, memrel.SetOptions[mmLink]{Clear: true})
	})
	mmKeys(t, "a2.publications", f.pubs(tx, mmA2), mmP1, mmP2, mmP3, mmP4)

	// A fill that panics on the second new row: the first row is undone,
	// and the panic goes on.
	before := tx.Dump()
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the fill's panic", r)
			}
		}()
		calls := 0
		_, _ = f.rel.AddWith(tx, mmA4, func(l *mmLink) {
			if calls++; calls == 2 {
				panic("boom")
			}
		}, mmP1, mmP3)
		t.Errorf("AddWith returned instead of panicking")
	}()
	if after := tx.Dump(); after != before {
		t.Errorf("a panicking AddWith changed the state:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if err := tx.Check(); err != nil {
		t.Errorf("Check after a panicking AddWith: %v", err)
	}

	// A read transaction cannot write.
	rtx := f.db.BeginRead()
	if _, err := f.rel.Add(rtx, mmA1, mmP2); !errors.Is(err, memrel.ErrReadOnly) {
		t.Errorf("Add in a read transaction: %v, want ErrReadOnly", err)
	}
	if err := f.rel.Clear(rtx, mmA1); !errors.Is(err, memrel.ErrReadOnly) {
		t.Errorf("Clear in a read transaction: %v, want ErrReadOnly", err)
	}
	rtx.Abort()

	// The transaction is still usable.
	mustOK(t, cnIns(f.rel.Add(tx, mmA3, mmP1, mmP3)))
	mmKeys(t, "a3.publications", f.pubs(tx, mmA3), mmP1, mmP2, mmP3)
	finishTx(t, f.db, tx)

	// A closed transaction cannot write.
	if _, err := f.rel.Add(tx, mmA1, mmP2); !errors.Is(err, memrel.ErrTxClosed) {
		t.Errorf("Add after Commit: %v, want ErrTxClosed", err)
	}
}

func TestS59_DeleteEitherSideRemovesLinks(t *testing.T) {
	f, tx := mmNewPubs(t)

	res, err := f.publications.Delete(tx, mmP1)
	mmDeleted(t, "delete p1", res, err, map[string]int{"publications": 1, "articles_publications": 2}, nil)
	mmKeys(t, "a1.publications", f.pubs(tx, mmA1))
	if !f.articles.Has(tx, mmA1) {
		t.Errorf("a1 was deleted with p1")
	}
	if n := f.rel.Count(tx, mmA1); n != 0 {
		t.Errorf("a1 Count = %d, want 0", n)
	}

	res, err = f.articles.Delete(tx, mmA2)
	mmDeleted(t, "delete a2", res, err, map[string]int{"articles": 1, "articles_publications": 3}, nil)
	mmKeys(t, "p2.articles", f.arts(tx, mmP2), mmA3, mmA4)
	for _, p := range []int64{mmP2, mmP3, mmP4} {
		if !f.publications.Has(tx, p) {
			t.Errorf("publication %d was deleted with a2", p)
		}
	}
	mmKeys(t, "p3.articles", f.arts(tx, mmP3))
	if n := f.rel.LinkTable().Len(tx); n != 2 {
		t.Errorf("link table has %d rows, want 2", n)
	}
	finishTx(t, f.db, tx)
}

func TestS60_BulkDelete(t *testing.T) {
	f, tx := mmNewPubs(t)

	var science []int64
	for p := range f.publications.All(tx) {
		if strings.HasPrefix(p.Title, "Science") {
			science = append(science, p.ID)
		}
	}
	mmKeys(t, "Science publications", science, mmP2, mmP3)
	res, err := f.publications.Delete(tx, science...)
	// p2 is linked to a2, a3, a4; p3 to a2.
	mmDeleted(t, "delete Science*", res, err, map[string]int{"publications": 2, "articles_publications": 4}, nil)
	if n := f.articles.Len(tx); n != 4 {
		t.Errorf("%d articles remain, want 4", n)
	}
	mmKeys(t, "a2.publications", f.pubs(tx, mmA2), mmP1, mmP4)

	var django []int64
	for a := range f.articles.All(tx) {
		if strings.HasPrefix(a.Headline, "Django") {
			django = append(django, a.ID)
		}
	}
	res, err = f.articles.Delete(tx, django...)
	mmDeleted(t, "delete Django*", res, err, map[string]int{"articles": 1, "articles_publications": 1}, nil)
	mmKeys(t, "p1.articles", f.arts(tx, mmP1), mmA2)
	finishTx(t, f.db, tx)
}

func TestS61_RemoveFromEitherSide(t *testing.T) {
	f, tx := mmNewPubs(t)

	mustOK(t, f.rel.Remove(tx, mmA4, mmP2))
	mmKeys(t, "p2.articles", f.arts(tx, mmP2), mmA2, mmA3)
	mmKeys(t, "a4.publications", f.pubs(tx, mmA4))

	mustOK(t, f.rel.Reverse().Remove(tx, mmP2, mmA3))
	mmKeys(t, "p2.articles", f.arts(tx, mmP2), mmA2)
	if n := f.rel.LinkTable().Len(tx); n != 5 {
		t.Errorf("link table has %d rows, want 5", n)
	}
	if f.articles.Len(tx) != 4 || f.publications.Len(tx) != 4 {
		t.Errorf("Remove deleted rows of a side")
	}

	// Removing a pair that does not exist (or a missing row) is silent.
	mmUnchanged(t, tx, "removing an absent pair", func() error { return f.rel.Remove(tx, mmA1, mmP3, mmMissing) })
	mmUnchanged(t, tx, "removing from a missing row", func() error { return f.rel.Reverse().Remove(tx, mmMissing, mmA1) })
	mmUnchanged(t, tx, "removing nothing", func() error { return f.rel.Remove(tx, mmA2) })

	// Several at once.
	mustOK(t, f.rel.Remove(tx, mmA2, mmP4, mmP1))
	mmKeys(t, "a2.publications", f.pubs(tx, mmA2), mmP2, mmP3)
	finishTx(t, f.db, tx)
}

func TestS62_SetWithAndWithoutClear(t *testing.T) {
	f, tx := mmNewPubs(t)

	keepA3 := f.linkID(tx, mmA3, mmP2)
	mustOK(t, f.rel.Reverse().Set(tx, mmP2, []int64{mmA4, mmA3}))
	mmKeys(t, "p2.articles", f.arts(tx, mmP2), mmA3, mmA4)
	mmKeys(t, "a2.publications", f.pubs(tx, mmA2), mmP1, mmP3, mmP4)
	if id := f.linkID(tx, mmA3, mmP2); id != keepA3 {
		t.Errorf("Set recreated the link (a3, p2) that stays: id %d, was %d", id, keepA3)
	}

	mustOK(t, f.rel.Set(tx, mmA4, []int64{mmP3}))
	mmKeys(t, "a4.publications", f.pubs(tx, mmA4), mmP3)
	mmKeys(t, "p2.articles", f.arts(tx, mmP2), mmA3)

	mustOK(t, f.rel.Set(tx, mmA4, nil))
	mmKeys(t, "a4.publications after Set([])", f.pubs(tx, mmA4))
	if n := f.rel.Count(tx, mmA4); n != 0 {
		t.Errorf("a4 Count = %d, want 0", n)
	}
	mustOK(t, f.rel.SetWith(tx, mmA4, []int64{mmP3}, memrel.SetOptions[mmLink]{Clear: true}))
	mmKeys(t, "a4.publications", f.pubs(tx, mmA4), mmP3)
	mustOK(t, f.rel.SetWith(tx, mmA4, nil, memrel.SetOptions[mmLink]{Clear: true}))
	mmKeys(t, "a4.publications after Set([], clear)", f.pubs(tx, mmA4))

	// Without Clear the links that stay keep their rows; with Clear they
	// are recreated. The end state is the same.
	mustOK(t, f.rel.Set(tx, mmA3, []int64{mmP2, mmP4}))
	mmKeys(t, "a3.publications", f.pubs(tx, mmA3), mmP2, mmP4)
	if id := f.linkID(tx, mmA3, mmP2); id != keepA3 {
		t.Errorf("Set recreated the link (a3, p2): id %d, was %d", id, keepA3)
	}
	oldP4 := f.linkID(tx, mmA3, mmP4)
	mmUnchanged(t, tx, "Set to the same list", func() error { return f.rel.Set(tx, mmA3, []int64{mmP4, mmP2}) })
	mustOK(t, f.rel.SetWith(tx, mmA3, []int64{mmP2, mmP4}, memrel.SetOptions[mmLink]{Clear: true}))
	mmKeys(t, "a3.publications after Set(clear)", f.pubs(tx, mmA3), mmP2, mmP4)
	if id := f.linkID(tx, mmA3, mmP2); id == keepA3 || id == 0 {
		t.Errorf("Set with Clear kept the link row (a3, p2) %d", keepA3)
	}
	if id := f.linkID(tx, mmA3, mmP4); id == oldP4 || id == 0 {
		t.Errorf("Set with Clear kept the link row (a3, p4) %d", oldP4)
	}
	if n := f.rel.Count(tx, mmA3); n != 2 {
		t.Errorf("a3 Count = %d, want 2", n)
	}
	// Set with a repeated target adds it once.
	mustOK(t, f.rel.Set(tx, mmA1, []int64{mmP3, mmP3, mmP1}))
	mmKeys(t, "a1.publications", f.pubs(tx, mmA1), mmP1, mmP3)
	if n := f.rel.Count(tx, mmA1); n != 2 {
		t.Errorf("a1 Count = %d, want 2", n)
	}
	finishTx(t, f.db, tx)
}

func TestS63_ClearFromEitherSide(t *testing.T) {
	f, tx := mmNewPubs(t)

	mustOK(t, f.rel.Reverse().Clear(tx, mmP2))
	mmKeys(t, "a4.publications", f.pubs(tx, mmA4))
	mmKeys(t, "a3.publications", f.pubs(tx, mmA3))
	mmKeys(t, "a2.publications", f.pubs(tx, mmA2), mmP1, mmP3, mmP4)
	mmKeys(t, "p2.articles", f.arts(tx, mmP2))
	if f.articles.Len(tx) != 4 || f.publications.Len(tx) != 4 {
		t.Errorf("Clear deleted rows of a side")
	}

	mustOK(t, cnIns(f.rel.Reverse().Add(tx, mmP2, mmA4, mmA3)))
	mustOK(t, f.rel.Clear(tx, mmA4))
	mmKeys(t, "p2.articles", f.arts(tx, mmP2), mmA3)
	mmKeys(t, "a4.publications", f.pubs(tx, mmA4))
	mmUnchanged(t, tx, "clearing a row with no links", func() error { return f.rel.Clear(tx, mmA4) })
	mmUnchanged(t, tx, "clearing a missing row", func() error { return f.rel.Clear(tx, mmMissing) })
	if n := f.rel.LinkTable().Len(tx); n != 5 {
		t.Errorf("link table has %d rows, want 5", n)
	}
	finishTx(t, f.db, tx)
}

func TestM2MListKeyOrderHasCount(t *testing.T) {
	f, tx := mmNewPubs(t)
	mmInsert(t, tx, f.articles, mmArticle{ID: mmA6, Headline: "ESA uses Python"})
	mustOK(t, cnIns(f.rel.Add(tx, mmA6, mmP4, mmP2, mmP3, mmP1)))

	// List is in the target's key order; Links in link key order.
	mmKeys(t, "a6.publications", f.pubs(tx, mmA6), mmP1, mmP2, mmP3, mmP4)
	var to []int64
	for l := range f.rel.Links(tx, mmA6) {
		to = append(to, l.To)
		if l.From != mmA6 {
			t.Errorf("Links(a6) yields %+v", l)
		}
	}
	mmKeys(t, "a6 link targets in link order", to, mmP4, mmP2, mmP3, mmP1)
	mmKeys(t, "p1.articles", f.arts(tx, mmP1), mmA1, mmA2, mmA6)

	// Stopping early.
	for p := range f.rel.List(tx, mmA6) {
		if p.ID != mmP1 {
			t.Errorf("first of List = %d", p.ID)
		}
		break
	}
	if got := memrel.Take(f.rel.Reverse().List(tx, mmP2), 2); len(got) != 2 || got[0].ID != mmA2 || got[1].ID != mmA3 {
		t.Errorf("Take(p2.articles, 2) = %+v", got)
	}
	// Full rows are returned.
	if got := memrel.Take(f.rel.List(tx, mmA6), 1); len(got) != 1 || got[0] != (mmPublication{ID: mmP1, Title: "The Python Journal"}) {
		t.Errorf("List returned %+v", got)
	}

	for _, c := range []struct {
		a    int64
		want int
	}{{mmA1, 1}, {mmA2, 4}, {mmA3, 1}, {mmA4, 1}, {mmA6, 4}, {mmMissing, 0}} {
		if n := f.rel.Count(tx, c.a); n != c.want {
			t.Errorf("Count(%d) = %d, want %d", c.a, n, c.want)
		}
	}
	if n := f.rel.Reverse().Count(tx, mmP2); n != 4 {
		t.Errorf("p2 reverse Count = %d, want 4", n)
	}
	if f.rel.Has(tx, mmA1, mmP2) || !f.rel.Has(tx, mmA2, mmP2) || f.rel.Has(tx, mmMissing, mmP2) {
		t.Errorf("Has gives wrong answers")
	}
	if f.rel.Reverse().Has(tx, mmP1, mmA3) || !f.rel.Reverse().Has(tx, mmP1, mmA2) {
		t.Errorf("reverse Has gives wrong answers")
	}
	if name := f.rel.Name(); name != "articles.publications" {
		t.Errorf("Name = %q", name)
	}
	finishTx(t, f.db, tx)
}

// The automatic link table's pair is unique even when written directly.
func TestM2MAutoLinkPairUnique(t *testing.T) {
	f, tx := mmNewPubs(t)
	link := f.rel.LinkTable()
	existing := f.linkID(tx, mmA3, mmP2)
	err := refused(t, tx, memrel.ErrUnique, func() error {
		_, err := link.Insert(tx, mmLink{ID: 100, From: mmA3, To: mmP2})
		return err
	})
	var ue *memrel.UniqueError
	if !errors.As(err, &ue) || ue.Constraint != "articles_publications_pair" || ue.Table != "articles_publications" ||
		ue.Row != (memrel.RowRef{Table: "articles_publications", Key: int64(100), New: true}) ||
		ue.Conflict != (memrel.RowRef{Table: "articles_publications", Key: existing}) {
		t.Errorf("UniqueError = %+v", ue)
	}
	// The sequence was not used by the refused insert.
	l, err := link.Insert(tx, mmLink{From: mmA3, To: mmP3})
	mustOK(t, err)
	if l.ID != 8 {
		t.Errorf("new link row got key %d, want 8", l.ID)
	}
	mmKeys(t, "a3.publications", f.pubs(tx, mmA3), mmP2, mmP3)
	finishTx(t, f.db, tx)
}

// ---------------------------------------------------------------------------
// §7.7 fixture: Group.members -> Person through Membership, and
// Group.nodefaultsnonulls through a table with a required int.

type mmPerson struct {
	ID   int64
	Name string
}

type mmGroup struct {
	ID   int64
	Name string
}

type mmMembership struct {
	ID           int64
	PersonID     int64
	GroupID      int64
	DateJoined   time.Time // Defaults: mmJoined
	InviteReason memrel.Null[string]
}

type mmNoDefault struct {
	ID               int64
	PersonID         int64
	GroupID          int64
	NoDefaultNonNull int // required: a Check refuses 0
}

type mmGroups struct {
	db          *memrel.DB
	persons     *memrel.Table[mmPerson, int64]
	groups      *memrel.Table[mmGroup, int64]
	memberships *memrel.Table[mmMembership, int64]
	nodefaults  *memrel.Table[mmNoDefault, int64]
	members     *memrel.M2M[mmGroup, int64, mmPerson, int64, mmMembership, int64]
	ndnn        *memrel.M2M[mmGroup, int64, mmPerson, int64, mmNoDefault, int64]
}

const (
	mmBob, mmJim, mmJane int64 = 1, 2, 3
	mmRock, mmRoll       int64 = 1, 2
)

func mmNewGroups(t *testing.T) (*mmGroups, *memrel.Tx) {
	t.Helper()
	f := &mmGroups{
		persons: memrel.NewTable("persons", func(p *mmPerson) *int64 { return &p.ID }),
		groups:  memrel.NewTable("groups", func(g *mmGroup) *int64 { return &g.ID }),
		memberships: memrel.NewTable("memberships", func(m *mmMembership) *int64 { return &m.ID }).
			Defaults(func(m *mmMembership) {
				if m.DateJoined.IsZero() {
					m.DateJoined = mmJoined
				}
			}),
		nodefaults: memrel.NewTable("nodefaults", func(n *mmNoDefault) *int64 { return &n.ID }),
	}
	memPerson := memrel.ForeignKey(f.memberships, func(m *mmMembership) *int64 { return &m.PersonID }, f.persons, memrel.Cascade).Related("memberships")
	memGroup := memrel.ForeignKey(f.memberships, func(m *mmMembership) *int64 { return &m.GroupID }, f.groups, memrel.Cascade).Related("memberships")
	ndPerson := memrel.ForeignKey(f.nodefaults, func(n *mmNoDefault) *int64 { return &n.PersonID }, f.persons, memrel.Cascade).Related("nodefaults")
	ndGroup := memrel.ForeignKey(f.nodefaults, func(n *mmNoDefault) *int64 { return &n.GroupID }, f.groups, memrel.Cascade).Related("nodefaults")
	f.members = memrel.ManyToManyThrough(f.memberships, "members", memGroup, memPerson).Related("groups")
	f.ndnn = memrel.ManyToManyThrough(f.nodefaults, "nodefaultsnonulls", ndGroup, ndPerson).Related("nodefault_groups")
	required := memrel.Check(f.nodefaults, "nodefaultnonull_required", func(n *mmNoDefault) bool { return n.NoDefaultNonNull != 0 })
	f.db = openDB(t, memrel.Schema{
		Tables:      []memrel.AnyTable{f.persons, f.groups, f.memberships, f.nodefaults},
		Relations:   []memrel.Relation{memPerson, memGroup, ndPerson, ndGroup, f.members, f.ndnn},
		Constraints: []memrel.Constraint{required},
	})
	tx := beginTx(t, f.db)
	mmInsert(t, tx, f.persons, mmPerson{ID: mmBob, Name: "Bob"}, mmPerson{ID: mmJim, Name: "Jim"}, mmPerson{ID: mmJane, Name: "Jane"})
	mmInsert(t, tx, f.groups, mmGroup{ID: mmRock, Name: "Rock"}, mmGroup{ID: mmRoll, Name: "Roll"})
	return f, tx
}

func (f *mmGroups) memberList(tx *memrel.Tx, g int64) []int64 {
	return mmList(tx, f.members.M2MSide, f.persons, g)
}

func (f *mmGroups) groupList(tx *memrel.Tx, p int64) []int64 {
	return mmList(tx, f.members.Reverse(), f.groups, p)
}

func mmReason(s string) func(*mmMembership) {
	return func(m *mmMembership) { m.InviteReason = memrel.Some(s) }
}

func mmNoDefaultValue(n int) func(*mmNoDefault) {
	return func(r *mmNoDefault) { r.NoDefaultNonNull = n }
}

func TestS64_ThroughDefaultsAndFill(t *testing.T) {
	f, tx := mmNewGroups(t)

	mustOK(t, cnIns(f.members.AddWith(tx, mmRock, mmReason("He is good."), mmBob)))
	links := slices.Collect(f.members.Links(tx, mmRock))
	if len(links) != 1 {
		t.Fatalf("rock has %d membership rows, want 1", len(links))
	}
	want := mmMembership{ID: links[0].ID, PersonID: mmBob, GroupID: mmRock, DateJoined: mmJoined, InviteReason: memrel.Some("He is good.")}
	mmEq(t, "membership", links[0], want)
	if n := f.memberships.Len(tx); n != 1 {
		t.Errorf("%d membership rows, want 1", n)
	}

	// Without fill: the Defaults still apply, the nullable field stays empty.
	mustOK(t, cnIns(f.members.Add(tx, mmRock, mmJim)))
	for m := range f.members.Links(tx, mmRock) {
		if m.PersonID == mmJim && (m.DateJoined != mmJoined || m.InviteReason.Valid) {
			t.Errorf("membership added without fill: %+v", m)
		}
	}
	mmKeys(t, "rock.members", f.memberList(tx, mmRock), mmBob, mmJim)

	// fill runs once per new row, and sees the row's keys; existing pairs
	// are left as they are (fill is not called for them).
	var seen [][2]int64
	fill := func(m *mmMembership) {
		seen = append(seen, [2]int64{m.GroupID, m.PersonID})
		m.InviteReason = memrel.Some("roll call")
		m.DateJoined = mmDay1
	}
	mustOK(t, cnIns(f.members.Reverse().AddWith(tx, mmJane, fill, mmRoll, mmRock)))
	mustOK(t, cnIns(f.members.AddWith(tx, mmRock, fill, mmBob, mmJane)))
	mmEq(t, "fill calls", seen, [][2]int64{{mmRoll, mmJane}, {mmRock, mmJane}})

	// fill sees the keys but cannot change them.
	mustOK(t, cnIns(f.members.AddWith(tx, mmRoll, func(m *mmMembership) { m.GroupID, m.PersonID = mmRock, mmMissing }, mmBob)))
	mmKeys(t, "roll.members", f.memberList(tx, mmRoll), mmBob, mmJane)
	for m := range f.members.Reverse().Links(tx, mmJane) {
		if m.InviteReason != memrel.Some("roll call") || m.DateJoined != mmDay1 {
			t.Errorf("membership filled by fill: %+v", m)
		}
	}
	for m := range f.members.Links(tx, mmRock) {
		if m.PersonID == mmBob && m.InviteReason != memrel.Some("He is good.") {
			t.Errorf("re-adding bob changed his membership: %+v", m)
		}
	}
	mmKeys(t, "jane.groups", f.groupList(tx, mmJane), mmRock, mmRoll)
	mmKeys(t, "rock.members", f.memberList(tx, mmRock), mmBob, mmJim, mmJane)
	finishTx(t, f.db, tx)
}

// M2MSide.AddWith documents that fill "runs after the link table's
// Defaults": a Defaults that stamps a field must not overwrite what fill
// set (Django: through_defaults are constructor values, which field
// defaults never override).
func TestS64_ThroughFillRunsAfterDefaults(t *testing.T) {
	type stamped struct {
		ID       int64
		PersonID int64
		GroupID  int64
		Stamp    string
	}
	var calls []string
	persons := memrel.NewTable("persons", func(p *mmPerson) *int64 { return &p.ID })
	groups := memrel.NewTable("groups", func(g *mmGroup) *int64 { return &g.ID })
	links := memrel.NewTable("stamped", func(s *stamped) *int64 { return &s.ID }).
		Defaults(func(s *stamped) {
			calls = append(calls, "defaults")
			s.Stamp = "from defaults"
		})
	lp := memrel.ForeignKey(links, func(s *stamped) *int64 { return &s.PersonID }, persons, memrel.Cascade)
	lg := memrel.ForeignKey(links, func(s *stamped) *int64 { return &s.GroupID }, groups, memrel.Cascade)
	rel := memrel.ManyToManyThrough(links, "members", lg, lp).Related("groups")
	db := openDB(t, memrel.Schema{
		Tables:    []memrel.AnyTable{persons, groups, links},
		Relations: []memrel.Relation{lp, lg, rel},
	})
	tx := beginTx(t, db)
	mmInsert(t, tx, persons, mmPerson{ID: mmBob, Name: "Bob"})
	mmInsert(t, tx, groups, mmGroup{ID: mmRock, Name: "Rock"})
	calls = nil
	mustOK(t, cnIns(rel.AddWith(tx, mmRock, func(s *stamped) {
		calls = append(calls, "fill")
		s.Stamp = "from fill"
	}, mmBob)))
	mmKeys(t, "call order", calls, "defaults", "fill")
	for s := range rel.Links(tx, mmRock) {
		if s.Stamp != "from fill" {
			t.Errorf("link row Stamp = %q, want %q (fill runs after Defaults)", s.Stamp, "from fill")
		}
	}
	finishTx(t, db, tx)
}

func TestS65_RequiredThroughColumnMissing(t *testing.T) {
	f, tx := mmNewGroups(t)

	err := refused(t, tx, memrel.ErrCheck, func() error { return cnIns(f.ndnn.Add(tx, mmRock, mmJim)) })
	var ce *memrel.CheckError
	if !errors.As(err, &ce) || ce.Constraint != "nodefaultnonull_required" || ce.Table != "nodefaults" || ce.Row.Table != "nodefaults" {
		t.Errorf("CheckError = %+v", ce)
	}
	refused(t, tx, memrel.ErrCheck, func() error { return cnIns(f.ndnn.Reverse().Add(tx, mmJim, mmRock)) })
	refused(t, tx, memrel.ErrCheck, func() error { return f.ndnn.Set(tx, mmRock, []int64{mmJim}) })
	refused(t, tx, memrel.ErrCheck, func() error {
		return f.ndnn.SetWith(tx, mmRock, []int64{mmJim}, memrel.SetOptions[mmNoDefault]{Clear: true})
	})
	// A fill that sets the value for jim only: jim's row is undone with bob's failure.
	refused(t, tx, memrel.ErrCheck, func() error {
		return cnIns(f.ndnn.AddWith(tx, mmRock, func(n *mmNoDefault) {
			if n.PersonID == mmJim {
				n.NoDefaultNonNull = 1
			}
		}, mmJim, mmBob))
	})
	if n := f.nodefaults.Len(tx); n != 0 {
		t.Errorf("%d nodefaults rows, want 0", n)
	}

	mustOK(t, cnIns(f.ndnn.AddWith(tx, mmRock, mmNoDefaultValue(1), mmJim)))
	mmKeys(t, "rock.nodefaultsnonulls", mmList(tx, f.ndnn.M2MSide, f.persons, mmRock), mmJim)
	// Adding the existing pair needs no fill: nothing is inserted.
	mmUnchanged(t, tx, "re-adding jim without fill", func() error { return cnIns(f.ndnn.Add(tx, mmRock, mmJim)) })
	finishTx(t, f.db, tx)
}

func TestS67_ThroughSetKeepsExtraDataOfLinksThatStay(t *testing.T) {
	f, tx := mmNewGroups(t)
	value := func() (int64, int) {
		rows := slices.Collect(f.ndnn.Links(tx, mmRock))
		if len(rows) != 1 {
			t.Fatalf("rock has %d nodefaults rows, want 1", len(rows))
		}
		return rows[0].ID, rows[0].NoDefaultNonNull
	}

	mustOK(t, f.ndnn.SetWith(tx, mmRock, []int64{mmJim}, memrel.SetOptions[mmNoDefault]{Fill: mmNoDefaultValue(1)}))
	id1, v := value()
	if v != 1 {
		t.Errorf("after set([jim], 1): value %d, want 1", v)
	}
	mustOK(t, f.ndnn.SetWith(tx, mmRock, []int64{mmJim}, memrel.SetOptions[mmNoDefault]{Fill: mmNoDefaultValue(2)}))
	if id, v := value(); v != 1 || id != id1 {
		t.Errorf("after set([jim], 2): row %d value %d, want row %d value 1 (kept)", id, v, id1)
	}
	// Clear without a fill: the re-add fails, and the clear is undone with it.
	refused(t, tx, memrel.ErrCheck, func() error {
		return f.ndnn.SetWith(tx, mmRock, []int64{mmJim}, memrel.SetOptions[mmNoDefault]{Clear: true})
	})
	mustOK(t, f.ndnn.SetWith(tx, mmRock, []int64{mmJim}, memrel.SetOptions[mmNoDefault]{Clear: true, Fill: mmNoDefaultValue(2)}))
	if id, v := value(); v != 2 || id == id1 {
		t.Errorf("after set([jim], 2, clear): row %d value %d, want a new row with value 2", id, v)
	}

	// The same with Membership's extra data.
	mustOK(t, f.members.SetWith(tx, mmRock, []int64{mmBob}, memrel.SetOptions[mmMembership]{Fill: mmReason("first")}))
	mustOK(t, f.members.SetWith(tx, mmRock, []int64{mmJim, mmBob}, memrel.SetOptions[mmMembership]{Fill: mmReason("second")}))
	reasons := map[int64]string{}
	for m := range f.members.Links(tx, mmRock) {
		reasons[m.PersonID] = m.InviteReason.V
	}
	mmEq(t, "reasons", reasons, map[int64]string{mmBob: "first", mmJim: "second"})
	mustOK(t, f.members.SetWith(tx, mmRock, []int64{mmJim, mmBob}, memrel.SetOptions[mmMembership]{Clear: true, Fill: mmReason("third")}))
	reasons = map[int64]string{}
	for m := range f.members.Links(tx, mmRock) {
		reasons[m.PersonID] = m.InviteReason.V
	}
	mmEq(t, "reasons after clear", reasons, map[int64]string{mmBob: "third", mmJim: "third"})
	mustOK(t, f.members.Reverse().Set(tx, mmBob, []int64{mmRoll}))
	mmKeys(t, "bob.groups", f.groupList(tx, mmBob), mmRoll)
	mmKeys(t, "rock.members", f.memberList(tx, mmRock), mmJim)
	finishTx(t, f.db, tx)
}

func TestS68_ThroughClearFromBothSides(t *testing.T) {
	f, tx := mmNewGroups(t)
	mustOK(t, cnIns(f.members.Add(tx, mmRock, mmBob, mmJim)))
	mustOK(t, cnIns(f.members.Add(tx, mmRoll, mmJim, mmJane)))

	mustOK(t, f.members.Clear(tx, mmRock))
	mmKeys(t, "rock.members", f.memberList(tx, mmRock))
	mmKeys(t, "jim.groups", f.groupList(tx, mmJim), mmRoll)
	if f.persons.Len(tx) != 3 || f.groups.Len(tx) != 2 {
		t.Errorf("Clear deleted persons or groups")
	}
	if n := f.memberships.Len(tx); n != 2 {
		t.Errorf("%d memberships, want 2", n)
	}

	mustOK(t, f.members.Reverse().Clear(tx, mmJim))
	mmKeys(t, "jim.groups", f.groupList(tx, mmJim))
	mmKeys(t, "roll.members", f.memberList(tx, mmRoll), mmJane)
	if f.persons.Len(tx) != 3 || f.groups.Len(tx) != 2 {
		t.Errorf("Clear deleted persons or groups")
	}
	if n := f.memberships.Len(tx); n != 1 {
		t.Errorf("%d memberships, want 1", n)
	}
	finishTx(t, f.db, tx)
}

// M4: a custom through table may hold a pair twice; Remove deletes both.
func TestM2MThroughRemoveDeletesDuplicatePairs(t *testing.T) {
	f, tx := mmNewGroups(t)
	mmInsert(t, tx, f.memberships,
		mmMembership{PersonID: mmJim, GroupID: mmRock, InviteReason: memrel.Some("1")},
		mmMembership{PersonID: mmJim, GroupID: mmRock, InviteReason: memrel.Some("2")},
		mmMembership{PersonID: mmBob, GroupID: mmRock})
	mmKeys(t, "rock.members (each once)", f.memberList(tx, mmRock), mmBob, mmJim)
	if n := f.members.Count(tx, mmRock); n != 2 {
		t.Errorf("rock Count = %d, want 2 (the length of List)", n)
	}
	mmUnchanged(t, tx, "adding an existing (duplicated) pair", func() error { return cnIns(f.members.Add(tx, mmRock, mmJim)) })
	mustOK(t, f.members.Remove(tx, mmRock, mmJim))
	mmKeys(t, "rock.members", f.memberList(tx, mmRock), mmBob)
	if n := f.memberships.Len(tx); n != 1 {
		t.Errorf("%d memberships, want 1", n)
	}
	finishTx(t, f.db, tx)
}

// Deleting a side of a through relation: the through FKs' own rules apply
// and the rows are counted under the through table's name.
func TestM2MThroughDeleteSideCounts(t *testing.T) {
	f, tx := mmNewGroups(t)
	mustOK(t, cnIns(f.members.Add(tx, mmRock, mmBob, mmJim)))
	mustOK(t, cnIns(f.members.Add(tx, mmRoll, mmJim)))
	mustOK(t, cnIns(f.ndnn.AddWith(tx, mmRoll, mmNoDefaultValue(5), mmJim, mmBob)))
	res, err := f.persons.Delete(tx, mmJim)
	mmDeleted(t, "delete jim", res, err, map[string]int{"persons": 1, "memberships": 2, "nodefaults": 1}, nil)
	res, err = f.groups.Delete(tx, mmRoll)
	mmDeleted(t, "delete roll", res, err, map[string]int{"groups": 1, "nodefaults": 1}, nil)
	mmKeys(t, "rock.members", f.memberList(tx, mmRock), mmBob)
	finishTx(t, f.db, tx)
}

// ---------------------------------------------------------------------------
// Self relations through tables (S69-S71, S79): non-symmetrical friends
// through Friendship, symmetrical sym_friends through SymFriendship and
// symmetrical colleagues through Colleague.

type mmSelfPerson struct {
	ID   int64
	Name string
}

type mmFriendship struct {
	ID           int64
	FirstID      int64
	SecondID     int64
	DateFriended time.Time
}

type mmColleague struct {
	ID        int64
	FirstID   int64
	SecondID  int64
	FirstMeet time.Time
}

type mmSelf struct {
	db          *memrel.DB
	people      *memrel.Table[mmSelfPerson, int64]
	friendships *memrel.Table[mmFriendship, int64]
	symRows     *memrel.Table[mmFriendship, int64]
	colRows     *memrel.Table[mmColleague, int64]
	friends     *memrel.M2M[mmSelfPerson, int64, mmSelfPerson, int64, mmFriendship, int64]
	symFriends  *memrel.M2M[mmSelfPerson, int64, mmSelfPerson, int64, mmFriendship, int64]
	colleagues  *memrel.M2M[mmSelfPerson, int64, mmSelfPerson, int64, mmColleague, int64]
}

const (
	mmA, mmB, mmC, mmD int64 = 1, 2, 3, 4
	mmTony, mmChris    int64 = 1, 2
)

func mmNewSelf(t *testing.T) (*mmSelf, *memrel.Tx) {
	t.Helper()
	f := &mmSelf{
		people:      memrel.NewTable("self_people", func(p *mmSelfPerson) *int64 { return &p.ID }),
		friendships: memrel.NewTable("friendships", func(r *mmFriendship) *int64 { return &r.ID }),
		symRows:     memrel.NewTable("sym_friendships", func(r *mmFriendship) *int64 { return &r.ID }),
		colRows:     memrel.NewTable("colleagues", func(r *mmColleague) *int64 { return &r.ID }),
	}
	frFirst := memrel.ForeignKey(f.friendships, func(r *mmFriendship) *int64 { return &r.FirstID }, f.people, memrel.Cascade).Related("friendships_first")
	frSecond := memrel.ForeignKey(f.friendships, func(r *mmFriendship) *int64 { return &r.SecondID }, f.people, memrel.Cascade).Related("friendships_second")
	syFirst := memrel.ForeignKey(f.symRows, func(r *mmFriendship) *int64 { return &r.FirstID }, f.people, memrel.Cascade).Related("sym_first")
	sySecond := memrel.ForeignKey(f.symRows, func(r *mmFriendship) *int64 { return &r.SecondID }, f.people, memrel.Cascade).Related("sym_second")
	coFirst := memrel.ForeignKey(f.colRows, func(r *mmColleague) *int64 { return &r.FirstID }, f.people, memrel.Cascade).Related("colleague_first")
	coSecond := memrel.ForeignKey(f.colRows, func(r *mmColleague) *int64 { return &r.SecondID }, f.people, memrel.Cascade).Related("colleague_second")
	f.friends = memrel.ManyToManyThrough(f.friendships, "friends", frFirst, frSecond).Related("friended_by")
	f.symFriends = memrel.ManyToManyThrough(f.symRows, "sym_friends", syFirst, sySecond).Symmetrical()
	f.colleagues = memrel.ManyToManyThrough(f.colRows, "colleagues", coFirst, coSecond).Symmetrical()
	f.db = openDB(t, memrel.Schema{
		Tables:    []memrel.AnyTable{f.people, f.friendships, f.symRows, f.colRows},
		Relations: []memrel.Relation{frFirst, frSecond, syFirst, sySecond, coFirst, coSecond, f.friends, f.symFriends, f.colleagues},
	})
	tx := beginTx(t, f.db)
	mmInsert(t, tx, f.people,
		mmSelfPerson{ID: mmA, Name: "a (tony)"}, mmSelfPerson{ID: mmB, Name: "b (chris)"},
		mmSelfPerson{ID: mmC, Name: "c"}, mmSelfPerson{ID: mmD, Name: "d"})
	return f, tx
}

func (f *mmSelf) list(tx *memrel.Tx, side *memrel.M2MSide[mmSelfPerson, int64, mmSelfPerson, int64, mmFriendship, int64], a int64) []int64 {
	return mmList(tx, side, f.people, a)
}

func (f *mmSelf) cols(tx *memrel.Tx, a int64) []int64 {
	return mmList(tx, f.colleagues.M2MSide, f.people, a)
}

func TestS69_NonSymmetricalThroughClearTargetSide(t *testing.T) {
	f, tx := mmNewSelf(t)
	mmInsert(t, tx, f.friendships,
		mmFriendship{FirstID: mmTony, SecondID: mmChris, DateFriended: mmDay1},
		mmFriendship{FirstID: mmChris, SecondID: mmTony, DateFriended: mmDay1})

	mustOK(t, f.friends.Clear(tx, mmChris))
	mmKeys(t, "chris.friends", f.list(tx, f.friends.M2MSide, mmChris))
	mmKeys(t, "tony.friends", f.list(tx, f.friends.M2MSide, mmTony), mmChris)
	rows := slices.Collect(f.friendships.All(tx))
	if len(rows) != 1 || rows[0].FirstID != mmTony || rows[0].SecondID != mmChris {
		t.Errorf("friendships = %+v, want the one row (tony, chris)", rows)
	}
	mmKeys(t, "chris.friended_by", f.list(tx, f.friends.Reverse(), mmChris), mmTony)
	mmKeys(t, "tony.friended_by", f.list(tx, f.friends.Reverse(), mmTony))

	// Clearing chris from the reverse side removes the last row.
	mustOK(t, f.friends.Reverse().Clear(tx, mmChris))
	mmKeys(t, "tony.friends", f.list(tx, f.friends.M2MSide, mmTony))
	if n := f.friendships.Len(tx); n != 0 {
		t.Errorf("%d friendships, want 0", n)
	}
	if f.people.Len(tx) != 4 {
		t.Errorf("Clear deleted people")
	}

	// Non-symmetrical add does not mirror.
	mustOK(t, cnIns(f.friends.AddWith(tx, mmTony, func(r *mmFriendship) { r.DateFriended = mmDay2 }, mmChris)))
	mmKeys(t, "tony.friends", f.list(tx, f.friends.M2MSide, mmTony), mmChris)
	mmKeys(t, "chris.friends", f.list(tx, f.friends.M2MSide, mmChris))
	finishTx(t, f.db, tx)
}

func TestS70_SymmetricalThroughRowsNotMirrored(t *testing.T) {
	f, tx := mmNewSelf(t)
	mmInsert(t, tx, f.symRows, mmFriendship{FirstID: mmTony, SecondID: mmChris, DateFriended: mmDay1})
	mmKeys(t, "tony.sym_friends", f.list(tx, f.symFriends.M2MSide, mmTony), mmChris)
	mmKeys(t, "chris.sym_friends", f.list(tx, f.symFriends.M2MSide, mmChris))
	if f.symFriends.Has(tx, mmChris, mmTony) || !f.symFriends.Has(tx, mmTony, mmChris) {
		t.Errorf("Has does not match the one stored direction")
	}
	if n := f.symRows.Len(tx); n != 1 {
		t.Errorf("%d sym_friendships rows, want 1 (no mirror)", n)
	}

	mmInsert(t, tx, f.symRows, mmFriendship{FirstID: mmChris, SecondID: mmTony, DateFriended: mmDay1})
	mmKeys(t, "chris.sym_friends", f.list(tx, f.symFriends.M2MSide, mmChris), mmTony)
	if n := f.symRows.Len(tx); n != 2 {
		t.Errorf("%d sym_friendships rows, want 2", n)
	}
	// Adding the now complete pair through the manager changes nothing.
	mmUnchanged(t, tx, "re-adding a stored symmetrical pair", func() error { return cnIns(f.symFriends.Add(tx, mmChris, mmTony)) })
	finishTx(t, f.db, tx)
}

// M4 and M5 for a symmetrical relation: remove deletes (self, obj) and
// (obj, self); clear deletes every row where source = self and every row
// where target = self (Django's _build_remove_filters). With a through
// table, a row stored in one direction only (S70) must therefore go when
// either side removes or clears.
func TestM2MSymmetricalThroughUnmirroredRowRemovedFromEitherSide(t *testing.T) {
	f, tx := mmNewSelf(t)
	row := mmFriendship{ID: 1, FirstID: mmTony, SecondID: mmChris, DateFriended: mmDay1}

	mmInsert(t, tx, f.symRows, row)
	mustOK(t, f.symFriends.Clear(tx, mmChris))
	if n := f.symRows.Len(tx); n != 0 {
		t.Errorf("chris.sym_friends.clear() left %d rows; the row (tony, chris) has target chris and should be deleted (M5)", n)
	}
	mmKeys(t, "tony.sym_friends after chris clears", f.list(tx, f.symFriends.M2MSide, mmTony))

	for r := range f.symRows.All(tx) { // whatever Clear left
		if _, err := f.symRows.Delete(tx, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	row.ID = 2
	mmInsert(t, tx, f.symRows, row)
	mustOK(t, f.symFriends.Remove(tx, mmChris, mmTony))
	if n := f.symRows.Len(tx); n != 0 {
		t.Errorf("chris.sym_friends.remove(tony) left %d rows; the row (tony, chris) should be deleted (M4)", n)
	}
	mmKeys(t, "tony.sym_friends after chris removes tony", f.list(tx, f.symFriends.M2MSide, mmTony))
	finishTx(t, f.db, tx)
}

func TestS71_SymmetricalThroughAddMirrorsFill(t *testing.T) {
	f, tx := mmNewSelf(t)
	calls := 0
	mustOK(t, cnIns(f.symFriends.AddWith(tx, mmTony, func(r *mmFriendship) {
		calls++
		r.DateFriended = mmDay2
	}, mmChris)))
	if calls != 2 {
		t.Errorf("fill called %d times, want 2 (one per direction)", calls)
	}
	mmKeys(t, "tony.sym_friends", f.list(tx, f.symFriends.M2MSide, mmTony), mmChris)
	mmKeys(t, "chris.sym_friends", f.list(tx, f.symFriends.M2MSide, mmChris), mmTony)
	rows := slices.Collect(f.symRows.All(tx))
	if len(rows) != 2 {
		t.Fatalf("%d sym_friendships rows, want 2: %+v", len(rows), rows)
	}
	dirs := map[[2]int64]time.Time{}
	for _, r := range rows {
		dirs[[2]int64{r.FirstID, r.SecondID}] = r.DateFriended
	}
	mmEq(t, "rows", dirs, map[[2]int64]time.Time{{mmTony, mmChris}: mmDay2, {mmChris, mmTony}: mmDay2})
	mmUnchanged(t, tx, "adding the pair from the other side", func() error {
		return cnIns(f.symFriends.AddWith(tx, mmChris, func(r *mmFriendship) { r.DateFriended = mmDay3 }, mmTony))
	})
	// A missing row refuses the symmetrical add whole (both directions).
	refused(t, tx, memrel.ErrForeignKey, func() error { return cnIns(f.symFriends.Add(tx, mmC, mmD, mmMissing)) })
	mustOK(t, cnIns(f.symFriends.Add(tx, mmC, mmD)))
	mmKeys(t, "d.sym_friends", f.list(tx, f.symFriends.M2MSide, mmD), mmC)
	finishTx(t, f.db, tx)
}

func TestS79_SymmetricalSetThroughTable(t *testing.T) {
	f, tx := mmNewSelf(t)
	meet := func(d time.Time) func(*mmColleague) { return func(c *mmColleague) { c.FirstMeet = d } }
	mustOK(t, cnIns(f.colleagues.AddWith(tx, mmA, meet(mmDay1), mmB, mmC)))
	mustOK(t, cnIns(f.colleagues.AddWith(tx, mmD, meet(mmDay2), mmA, mmC)))

	// S73 for colleagues.
	mmKeys(t, "a.colleagues", f.cols(tx, mmA), mmB, mmC, mmD)
	mmKeys(t, "b.colleagues", f.cols(tx, mmB), mmA)
	mmKeys(t, "c.colleagues", f.cols(tx, mmC), mmA, mmD)
	mmKeys(t, "d.colleagues", f.cols(tx, mmD), mmA, mmC)
	if n := f.colRows.Len(tx); n != 8 {
		t.Errorf("%d colleague rows, want 8", n)
	}
	ids := func() map[[2]int64]mmColleague {
		m := map[[2]int64]mmColleague{}
		for r := range f.colRows.All(tx) {
			m[[2]int64{r.FirstID, r.SecondID}] = r
		}
		return m
	}
	before := ids()

	mustOK(t, f.colleagues.SetWith(tx, mmC, []int64{mmB, mmD}, memrel.SetOptions[mmColleague]{Fill: meet(mmDay3)}))
	mmKeys(t, "c.colleagues", f.cols(tx, mmC), mmB, mmD)
	mmKeys(t, "a.colleagues", f.cols(tx, mmA), mmB, mmD)
	mmKeys(t, "b.colleagues", f.cols(tx, mmB), mmA, mmC)
	mmKeys(t, "d.colleagues", f.cols(tx, mmD), mmA, mmC)
	after := ids()
	if len(after) != 8 || f.colRows.Len(tx) != 8 {
		t.Errorf("%d colleague rows, want 8", f.colRows.Len(tx))
	}
	for _, kept := range [][2]int64{{mmC, mmD}, {mmD, mmC}, {mmA, mmB}, {mmB, mmA}, {mmA, mmD}, {mmD, mmA}} {
		if after[kept] != before[kept] {
			t.Errorf("row %v changed: %+v, was %+v", kept, after[kept], before[kept])
		}
	}
	for _, added := range [][2]int64{{mmC, mmB}, {mmB, mmC}} {
		if r, ok := after[added]; !ok || r.FirstMeet != mmDay3 {
			t.Errorf("row %v = %+v, want one with FirstMeet %v", added, r, mmDay3)
		}
	}
	for _, gone := range [][2]int64{{mmA, mmC}, {mmC, mmA}} {
		if _, ok := after[gone]; ok {
			t.Errorf("row %v still there", gone)
		}
	}

	// S75 for colleagues: symmetrical remove.
	mustOK(t, f.colleagues.Remove(tx, mmB, mmA))
	mmKeys(t, "a.colleagues", f.cols(tx, mmA), mmD)
	mmKeys(t, "b.colleagues", f.cols(tx, mmB), mmC)
	// S76 for colleagues: symmetrical clear.
	mustOK(t, f.colleagues.Clear(tx, mmC))
	mmKeys(t, "c.colleagues", f.cols(tx, mmC))
	mmKeys(t, "b.colleagues", f.cols(tx, mmB))
	mmKeys(t, "d.colleagues", f.cols(tx, mmD), mmA)
	if n := f.colRows.Len(tx); n != 2 {
		t.Errorf("%d colleague rows, want 2", n)
	}
	// Set with Clear on a symmetrical relation recreates both directions.
	old := ids()[[2]int64{mmA, mmD}]
	mustOK(t, f.colleagues.SetWith(tx, mmD, []int64{mmA}, memrel.SetOptions[mmColleague]{Clear: true, Fill: meet(mmDay1)}))
	now := ids()
	if len(now) != 2 || now[[2]int64{mmA, mmD}].ID == old.ID || now[[2]int64{mmA, mmD}].FirstMeet != mmDay1 || now[[2]int64{mmD, mmA}].FirstMeet != mmDay1 {
		t.Errorf("after Set(clear): %+v", now)
	}
	finishTx(t, f.db, tx)
}

// ---------------------------------------------------------------------------
// §7.8: recursive relations with automatic link tables.

type mmRec struct {
	db      *memrel.DB
	people  *memrel.Table[mmSelfPerson, int64]
	friends *memrel.M2M[mmSelfPerson, int64, mmSelfPerson, int64, mmLink, int64]
	idols   *memrel.M2M[mmSelfPerson, int64, mmSelfPerson, int64, mmLink, int64]
}

// mmNewRec opens the fixture after the setup actions a.friends.add(b, c)
// and d.friends.add(a, c).
func mmNewRec(t *testing.T) (*mmRec, *memrel.Tx) {
	t.Helper()
	f := &mmRec{people: memrel.NewTable("people", func(p *mmSelfPerson) *int64 { return &p.ID })}
	f.friends = memrel.ManyToMany(f.people, "friends", f.people).Symmetrical()
	f.idols = memrel.ManyToMany(f.people, "idols", f.people).Related("stalkers")
	f.db = openDB(t, memrel.Schema{
		Tables:    []memrel.AnyTable{f.people},
		Relations: []memrel.Relation{f.friends, f.idols},
	})
	tx := beginTx(t, f.db)
	mmInsert(t, tx, f.people,
		mmSelfPerson{ID: mmA, Name: "a"}, mmSelfPerson{ID: mmB, Name: "b"},
		mmSelfPerson{ID: mmC, Name: "c"}, mmSelfPerson{ID: mmD, Name: "d"})
	mustOK(t, cnIns(f.friends.Add(tx, mmA, mmB, mmC)))
	mustOK(t, cnIns(f.friends.Add(tx, mmD, mmA, mmC)))
	return f, tx
}

func (f *mmRec) fr(tx *memrel.Tx, a int64) []int64 { return mmList(tx, f.friends.M2MSide, f.people, a) }
func (f *mmRec) idolsOf(tx *memrel.Tx, a int64) []int64 {
	return mmList(tx, f.idols.M2MSide, f.people, a)
}
func (f *mmRec) stalkersOf(tx *memrel.Tx, a int64) []int64 {
	return mmList(tx, f.idols.Reverse(), f.people, a)
}

func TestS73_SymmetricalSetupMirrors(t *testing.T) {
	f, tx := mmNewRec(t)
	mmKeys(t, "a.friends", f.fr(tx, mmA), mmB, mmC, mmD)
	mmKeys(t, "b.friends", f.fr(tx, mmB), mmA)
	mmKeys(t, "c.friends", f.fr(tx, mmC), mmA, mmD)
	mmKeys(t, "d.friends", f.fr(tx, mmD), mmA, mmC)
	if n := f.friends.LinkTable().Len(tx); n != 8 {
		t.Errorf("%d friends link rows, want 8", n)
	}
	if name := f.friends.LinkTable().Name(); name != "people_friends" {
		t.Errorf("link table %q, want people_friends", name)
	}
	for l := range f.friends.LinkTable().All(tx) {
		if !f.friends.Has(tx, l.To, l.From) {
			t.Errorf("link %+v has no mirror", l)
		}
	}
	// The reverse side of a symmetrical relation sees the same.
	mmKeys(t, "a.friends (reverse)", mmList(tx, f.friends.Reverse(), f.people, mmA), mmB, mmC, mmD)
	if n := f.friends.Count(tx, mmA); n != 3 {
		t.Errorf("a Count = %d, want 3", n)
	}
	mmKeys(t, "a.idols", f.idolsOf(tx, mmA))
	finishTx(t, f.db, tx)
}

func TestS74_SymmetricalReAddFromOtherSide(t *testing.T) {
	f, tx := mmNewRec(t)
	mmUnchanged(t, tx, "b.friends.add(a)", func() error { return cnIns(f.friends.Add(tx, mmB, mmA)) })
	mmUnchanged(t, tx, "reverse a.friends.add(b)", func() error { return cnIns(f.friends.Reverse().Add(tx, mmA, mmB)) })
	mmKeys(t, "a.friends", f.fr(tx, mmA), mmB, mmC, mmD)
	mmKeys(t, "b.friends", f.fr(tx, mmB), mmA)
	finishTx(t, f.db, tx)
}

func TestS75_SymmetricalRemove(t *testing.T) {
	f, tx := mmNewRec(t)
	mustOK(t, f.friends.Remove(tx, mmB, mmA))
	mmKeys(t, "a.friends", f.fr(tx, mmA), mmC, mmD)
	mmKeys(t, "b.friends", f.fr(tx, mmB))
	if n := f.friends.LinkTable().Len(tx); n != 6 {
		t.Errorf("%d link rows, want 6", n)
	}
	finishTx(t, f.db, tx)
}

func TestS76_SymmetricalClear(t *testing.T) {
	f, tx := mmNewRec(t)
	mustOK(t, f.friends.Clear(tx, mmA))
	mmKeys(t, "a.friends", f.fr(tx, mmA))
	mmKeys(t, "b.friends", f.fr(tx, mmB))
	mmKeys(t, "c.friends", f.fr(tx, mmC), mmD)
	mmKeys(t, "d.friends", f.fr(tx, mmD), mmC)
	if n := f.friends.LinkTable().Len(tx); n != 2 {
		t.Errorf("%d link rows, want 2", n)
	}
	// Symmetrical Set: both directions follow.
	mustOK(t, f.friends.Set(tx, mmC, []int64{mmA, mmB}))
	mmKeys(t, "c.friends", f.fr(tx, mmC), mmA, mmB)
	mmKeys(t, "d.friends", f.fr(tx, mmD))
	mmKeys(t, "a.friends", f.fr(tx, mmA), mmC)
	mmKeys(t, "b.friends", f.fr(tx, mmB), mmC)
	if n := f.friends.LinkTable().Len(tx); n != 4 {
		t.Errorf("%d link rows, want 4", n)
	}
	// Deleting a person removes both directions of its links.
	res, err := f.people.Delete(tx, mmC)
	mmDeleted(t, "delete c", res, err, map[string]int{"people": 1, "people_friends": 4}, nil)
	mmKeys(t, "a.friends", f.fr(tx, mmA))
	finishTx(t, f.db, tx)
}

func TestS77_NonSymmetricalAddViaReverse(t *testing.T) {
	f, tx := mmNewRec(t)
	mustOK(t, cnIns(f.idols.Reverse().Add(tx, mmD, mmA))) // d.stalkers.add(a)
	mmKeys(t, "a.idols", f.idolsOf(tx, mmA), mmD)
	mmKeys(t, "a.stalkers", f.stalkersOf(tx, mmA))
	mmKeys(t, "d.stalkers", f.stalkersOf(tx, mmD), mmA)
	mmKeys(t, "d.idols", f.idolsOf(tx, mmD))

	mustOK(t, f.idols.Clear(tx, mmA))
	mustOK(t, cnIns(f.idols.Add(tx, mmA, mmD)))
	mmUnchanged(t, tx, "d.stalkers.add(a) after a.idols.add(d)", func() error { return cnIns(f.idols.Reverse().Add(tx, mmD, mmA)) })
	if n := f.idols.LinkTable().Len(tx); n != 1 {
		t.Errorf("%d idols link rows, want 1", n)
	}
	mmKeys(t, "a.idols", f.idolsOf(tx, mmA), mmD)
	// Removing from the reverse side.
	mustOK(t, f.idols.Reverse().Remove(tx, mmD, mmA))
	mmKeys(t, "a.idols", f.idolsOf(tx, mmA))
	finishTx(t, f.db, tx)
}

func TestS78_RelatedToSelf(t *testing.T) {
	f, tx := mmNewRec(t)
	mustOK(t, cnIns(f.idols.Add(tx, mmA, mmA)))
	mmKeys(t, "a.idols", f.idolsOf(tx, mmA), mmA)
	mmKeys(t, "a.stalkers", f.stalkersOf(tx, mmA), mmA)
	if n := f.idols.LinkTable().Len(tx); n != 1 {
		t.Errorf("%d idols link rows, want 1", n)
	}
	// A symmetrical relation to self: one row, not two.
	mustOK(t, cnIns(f.friends.Add(tx, mmB, mmB)))
	mmKeys(t, "b.friends", f.fr(tx, mmB), mmA, mmB)
	if n := f.friends.LinkTable().Len(tx); n != 9 {
		t.Errorf("%d friends link rows, want 9", n)
	}
	mustOK(t, f.friends.Remove(tx, mmB, mmB))
	mmKeys(t, "b.friends", f.fr(tx, mmB), mmA)
	if n := f.friends.LinkTable().Len(tx); n != 8 {
		t.Errorf("%d friends link rows, want 8", n)
	}
	res, err := f.people.Delete(tx, mmA)
	mmDeleted(t, "delete a", res, err, map[string]int{"people": 1, "people_friends": 6, "people_idols": 1}, nil)
	finishTx(t, f.db, tx)
}

// ---------------------------------------------------------------------------
// S22 (fixture DEL: M, R, M.m2m auto, MR, MRNull) and §1.8's last bullet.

type mmM struct{ ID int64 }
type mmR struct{ ID int64 }
type mmMR struct {
	ID   int64
	MID  int64
	RID  int64
	Note string
}
type mmMRNull struct {
	ID  int64
	MID int64
	RID memrel.Null[int64] // SetNull
}

type mmDel struct {
	db          *memrel.DB
	ms          *memrel.Table[mmM, int64]
	rs          *memrel.Table[mmR, int64]
	mrs         *memrel.Table[mmMR, int64]
	mrNulls     *memrel.Table[mmMRNull, int64]
	auto        *memrel.M2M[mmM, int64, mmR, int64, mmLink, int64]
	through     *memrel.M2M[mmM, int64, mmR, int64, mmMR, int64]
	throughNull *memrel.M2M[mmM, int64, mmR, int64, mmMRNull, int64]
	mrNullR     *memrel.FK[mmMRNull, mmR, int64]
}

func mmNewDel(t *testing.T) (*mmDel, *memrel.Tx) {
	t.Helper()
	f := &mmDel{
		ms:      memrel.NewTable("m", func(r *mmM) *int64 { return &r.ID }),
		rs:      memrel.NewTable("r", func(r *mmR) *int64 { return &r.ID }),
		mrs:     memrel.NewTable("mr", func(r *mmMR) *int64 { return &r.ID }),
		mrNulls: memrel.NewTable("mrnull", func(r *mmMRNull) *int64 { return &r.ID }),
	}
	mrM := memrel.ForeignKey(f.mrs, func(r *mmMR) *int64 { return &r.MID }, f.ms, memrel.Cascade)
	mrR := memrel.ForeignKey(f.mrs, func(r *mmMR) *int64 { return &r.RID }, f.rs, memrel.Cascade)
	mnM := memrel.ForeignKey(f.mrNulls, func(r *mmMRNull) *int64 { return &r.MID }, f.ms, memrel.Cascade)
	f.mrNullR = memrel.ForeignKey(f.mrNulls, func(r *mmMRNull) *memrel.Null[int64] { return &r.RID }, f.rs, memrel.SetNull)
	f.auto = memrel.ManyToMany(f.ms, "m2m", f.rs).Related("m_auto")
	f.through = memrel.ManyToManyThrough(f.mrs, "m2m_through", mrM, mrR).Related("m_through")
	f.throughNull = memrel.ManyToManyThrough(f.mrNulls, "m2m_through_null", mnM, f.mrNullR).Related("m_through_null")
	f.db = openDB(t, memrel.Schema{
		Tables:    []memrel.AnyTable{f.ms, f.rs, f.mrs, f.mrNulls},
		Relations: []memrel.Relation{mrM, mrR, mnM, f.mrNullR, f.auto, f.through, f.throughNull},
	})
	tx := beginTx(t, f.db)
	mmInsert(t, tx, f.ms, mmM{ID: 1}, mmM{ID: 2}, mmM{ID: 3})
	mmInsert(t, tx, f.rs, mmR{ID: 1}, mmR{ID: 2}, mmR{ID: 3}, mmR{ID: 4}, mmR{ID: 5})
	return f, tx
}

func TestS22_DeletingRowsWithM2MLinks(t *testing.T) {
	f, tx := mmNewDel(t)

	// 1. MR(m, r); delete r: MR is empty and m remains.
	mustOK(t, cnIns(f.through.Add(tx, 1, 1)))
	res, err := f.rs.Delete(tx, 1)
	mmDeleted(t, "step 1", res, err, map[string]int{"r": 1, "mr": 1}, nil)
	if f.mrs.Len(tx) != 0 || !f.ms.Has(tx, 1) {
		t.Errorf("step 1: mr has %d rows, m 1 present %v", f.mrs.Len(tx), f.ms.Has(tx, 1))
	}
	// 2. MR(m, r2); delete m: MR is empty and r2 remains.
	mustOK(t, cnIns(f.through.Add(tx, 1, 2)))
	res, err = f.ms.Delete(tx, 1)
	mmDeleted(t, "step 2", res, err, map[string]int{"m": 1, "mr": 1}, nil)
	if f.mrs.Len(tx) != 0 || !f.rs.Has(tx, 2) {
		t.Errorf("step 2: mr has %d rows, r2 present %v", f.mrs.Len(tx), f.rs.Has(tx, 2))
	}
	// 3. m.m2m.add(r3); delete r3: the link table is empty.
	mustOK(t, cnIns(f.auto.Add(tx, 2, 3)))
	res, err = f.rs.Delete(tx, 3)
	mmDeleted(t, "step 3", res, err, map[string]int{"r": 1, "m_m2m": 1}, nil)
	if n := f.auto.LinkTable().Len(tx); n != 0 {
		t.Errorf("step 3: m_m2m has %d rows", n)
	}
	// 4. m.m2m.add(r4); delete m: the link table is empty.
	mustOK(t, cnIns(f.auto.Add(tx, 2, 4)))
	res, err = f.ms.Delete(tx, 2)
	mmDeleted(t, "step 4", res, err, map[string]int{"m": 1, "m_m2m": 1}, nil)
	if n := f.auto.LinkTable().Len(tx); n != 0 || !f.rs.Has(tx, 4) {
		t.Errorf("step 4: m_m2m has %d rows, r4 present %v", n, f.rs.Has(tx, 4))
	}
	// 5. MRNull(m2, r5); delete r5: the MRNull row remains with r empty,
	// and m2.m2m_through_null is empty.
	mustOK(t, cnIns(f.throughNull.Add(tx, 3, 5)))
	res, err = f.rs.Delete(tx, 5)
	mmDeleted(t, "step 5", res, err, map[string]int{"r": 1}, map[string]int{"mrnull": 1})
	rows := slices.Collect(f.mrNulls.All(tx))
	if len(rows) != 1 || rows[0].MID != 3 || rows[0].RID.Valid {
		t.Errorf("step 5: mrnull rows %+v, want one with m 3 and r empty", rows)
	}
	mmKeys(t, "m2.m2m_through_null", mmList(tx, f.throughNull.M2MSide, f.rs, 3))
	finishTx(t, f.db, tx)
}

// §1.8 last bullet, in detail: a through table whose FK to R is nullable
// SetNull keeps its link row with an empty key, and the relation no longer
// shows it: List, Has and Count agree.
func TestM2MThroughSetNullKeepsLinkRow(t *testing.T) {
	f, tx := mmNewDel(t)
	mustOK(t, cnIns(f.throughNull.Add(tx, 3, 4, 5)))
	mmKeys(t, "m3.m2m_through_null", mmList(tx, f.throughNull.M2MSide, f.rs, 3), 4, 5)

	res, err := f.rs.Delete(tx, 5)
	mmDeleted(t, "delete r5", res, err, map[string]int{"r": 1}, map[string]int{"mrnull": 1})
	if n := f.mrNulls.Len(tx); n != 2 {
		t.Errorf("%d mrnull rows, want 2 (the link row stays)", n)
	}
	orphans := slices.Collect(f.mrNullR.Orphans(tx))
	if len(orphans) != 1 || orphans[0].MID != 3 || orphans[0].RID.Valid {
		t.Errorf("orphan link rows %+v, want the (m3, empty) row", orphans)
	}
	mmKeys(t, "m3.m2m_through_null", mmList(tx, f.throughNull.M2MSide, f.rs, 3), 4)
	if f.throughNull.Has(tx, 3, 5) {
		t.Errorf("Has(m3, r5) after r5 was deleted")
	}
	if n := f.throughNull.Count(tx, 3); n != 1 {
		t.Errorf("Count(m3) = %d, want 1: List shows 1 row; the link row with an emptied key links to nothing (Django's count() joins to R)", n)
	}
	// Re-adding r4 is a no-op. Clear deletes every link row whose source
	// is m3 (M5: Django deletes through rows filtered on the source only),
	// the emptied one too.
	mmUnchanged(t, tx, "re-adding r4", func() error { return cnIns(f.throughNull.Add(tx, 3, 4)) })
	mustOK(t, f.throughNull.Clear(tx, 3))
	mmKeys(t, "m3.m2m_through_null", mmList(tx, f.throughNull.M2MSide, f.rs, 3))
	if n := f.mrNulls.Len(tx); n != 0 {
		t.Errorf("after m3.m2m_through_null.clear(): %d mrnull rows, want 0 (the row with an emptied key has source m3)", n)
	}
	finishTx(t, f.db, tx)
}

// S37: CASCADE through a custom through table to a row that references it.
func TestS37_CascadeThroughToNote(t *testing.T) {
	type child struct {
		ID   int64
		Name string
	}
	type toy struct {
		ID   int64
		Name string
	}
	type playedWith struct {
		ID      int64
		ChildID int64
		ToyID   int64
		Date    time.Time
	}
	type note struct {
		ID       int64
		PlayedID int64
		Note     string
	}
	children := memrel.NewTable("children", func(r *child) *int64 { return &r.ID })
	toys := memrel.NewTable("toys", func(r *toy) *int64 { return &r.ID })
	played := memrel.NewTable("played_with", func(r *playedWith) *int64 { return &r.ID })
	notes := memrel.NewTable("played_with_notes", func(r *note) *int64 { return &r.ID })
	pwChild := memrel.ForeignKey(played, func(r *playedWith) *int64 { return &r.ChildID }, children, memrel.Cascade)
	pwToy := memrel.ForeignKey(played, func(r *playedWith) *int64 { return &r.ToyID }, toys, memrel.Cascade)
	noteOf := memrel.ForeignKey(notes, func(r *note) *int64 { return &r.PlayedID }, played, memrel.Cascade)
	toysRel := memrel.ManyToManyThrough(played, "toys", pwChild, pwToy).Related("children")
	db := openDB(t, memrel.Schema{
		Tables:    []memrel.AnyTable{children, toys, played, notes},
		Relations: []memrel.Relation{pwChild, pwToy, noteOf, toysRel},
	})
	tx := beginTx(t, db)
	mmInsert(t, tx, children, child{ID: 1, Name: "Mike"})
	mmInsert(t, tx, toys, toy{ID: 1, Name: "Bear"})
	mustOK(t, cnIns(toysRel.AddWith(tx, 1, func(p *playedWith) { p.Date = mmDay1 }, 1)))
	pw := slices.Collect(toysRel.Links(tx, 1))
	if len(pw) != 1 {
		t.Fatalf("%d played_with rows", len(pw))
	}
	mmInsert(t, tx, notes, note{PlayedID: pw[0].ID, Note: "Note"})

	res, err := toys.Delete(tx, 1)
	mmDeleted(t, "delete the toy", res, err, map[string]int{"toys": 1, "played_with": 1, "played_with_notes": 1}, nil)
	if played.Len(tx) != 0 || notes.Len(tx) != 0 || !children.Has(tx, 1) {
		t.Errorf("played_with %d, notes %d, child present %v", played.Len(tx), notes.Len(tx), children.Has(tx, 1))
	}
	mmKeys(t, "child.toys", mmList(tx, toysRel.M2MSide, toys, 1))
	finishTx(t, db, tx)
}

// ---------------------------------------------------------------------------
// Seed domain 3: tagging through article_tags with its own fields.

func TestM2MTaggingDomain(t *testing.T) {
	type user struct {
		ID       int64
		Username string
	}
	type tag struct {
		ID   int64
		Name string
	}
	type article struct {
		ID    int64
		Title string
		Body  string
	}
	type articleTag struct {
		ID        int64
		ArticleID int64
		TagID     int64
		AddedAt   time.Time
		AddedBy   memrel.Null[int64]
	}
	users := memrel.NewTable("users", func(r *user) *int64 { return &r.ID })
	tags := memrel.NewTable("tags", func(r *tag) *int64 { return &r.ID })
	articles := memrel.NewTable("articles", func(r *article) *int64 { return &r.ID })
	articleTags := memrel.NewTable("article_tags", func(r *articleTag) *int64 { return &r.ID }).
		Defaults(func(r *articleTag) {
			if r.AddedAt.IsZero() {
				r.AddedAt = mmJoined
			}
		})
	atArticle := memrel.ForeignKey(articleTags, func(r *articleTag) *int64 { return &r.ArticleID }, articles, memrel.Cascade).Related("article_tags")
	atTag := memrel.ForeignKey(articleTags, func(r *articleTag) *int64 { return &r.TagID }, tags, memrel.Cascade).Related("article_tags")
	atAddedBy := memrel.ForeignKey(articleTags, func(r *articleTag) *memrel.Null[int64] { return &r.AddedBy }, users, memrel.SetNull).Related("added_tags")
	tagsRel := memrel.ManyToManyThrough(articleTags, "tags", atArticle, atTag).Related("articles")
	db := openDB(t, memrel.Schema{
		Tables:    []memrel.AnyTable{users, tags, articles, articleTags},
		Relations: []memrel.Relation{atArticle, atTag, atAddedBy, tagsRel},
		Constraints: []memrel.Constraint{
			memrel.UniqueFunc(tags, "uniq_tag_name", func(r *tag) string { return r.Name }),
			memrel.UniqueFunc(articleTags, "uniq_article_tag_pair", func(r *articleTag) [2]int64 { return [2]int64{r.ArticleID, r.TagID} }),
		},
	})
	tx := beginTx(t, db)
	const ann, bob = 1, 2
	const goTag, dbTag, webTag = 1, 2, 3
	const art1, art2 = 1, 2
	mmInsert(t, tx, users, user{ID: ann, Username: "ann"}, user{ID: bob, Username: "bob"})
	mmInsert(t, tx, tags, tag{ID: goTag, Name: "go"}, tag{ID: dbTag, Name: "databases"}, tag{ID: webTag, Name: "web"})
	mmInsert(t, tx, articles, article{ID: art1, Title: "memrel"}, article{ID: art2, Title: "go-memdb"})
	by := func(u int64) func(*articleTag) { return func(r *articleTag) { r.AddedBy = memrel.Some(u) } }

	mustOK(t, cnIns(tagsRel.AddWith(tx, art1, by(ann), goTag, dbTag)))
	mustOK(t, cnIns(tagsRel.AddWith(tx, art2, by(bob), goTag)))
	mustOK(t, cnIns(tagsRel.Reverse().AddWith(tx, webTag, by(ann), art2)))
	// A pair appears once: re-adding is a no-op, inserting it directly is refused.
	mmUnchanged(t, tx, "re-tagging art1 go", func() error { return cnIns(tagsRel.AddWith(tx, art1, by(bob), goTag)) })
	var first int64
	for l := range tagsRel.Links(tx, art1) {
		if l.TagID == goTag {
			first = l.ID
			if l.AddedAt != mmJoined || l.AddedBy != memrel.Some(int64(ann)) {
				t.Errorf("link %+v", l)
			}
		}
	}
	err := refused(t, tx, memrel.ErrUnique, func() error {
		_, err := articleTags.Insert(tx, articleTag{ID: 50, ArticleID: art1, TagID: goTag})
		return err
	})
	var ue *memrel.UniqueError
	if !errors.As(err, &ue) || ue.Constraint != "uniq_article_tag_pair" || ue.Table != "article_tags" ||
		ue.Row != (memrel.RowRef{Table: "article_tags", Key: int64(50), New: true}) ||
		ue.Conflict != (memrel.RowRef{Table: "article_tags", Key: first}) ||
		!reflect.DeepEqual(ue.Value, [2]int64{art1, goTag}) {
		t.Errorf("UniqueError = %+v", ue)
	}
	refused(t, tx, memrel.ErrUnique, func() error {
		_, err := articleTags.Modify(tx, first, func(r *articleTag) error { r.ArticleID = art2; return nil })
		return err
	})
	refused(t, tx, memrel.ErrUnique, func() error { _, err := tags.Insert(tx, tag{Name: "go"}); return err })
	mmKeys(t, "art1.tags", mmList(tx, tagsRel.M2MSide, tags, art1), goTag, dbTag)
	mmKeys(t, "go.articles", mmList(tx, tagsRel.Reverse(), articles, goTag), art1, art2)

	// Deleting the user who added tags keeps the links, added_by empty.
	res, err := users.Delete(tx, ann)
	mmDeleted(t, "delete ann", res, err, map[string]int{"users": 1}, map[string]int{"article_tags": 3})
	if n := len(slices.Collect(atAddedBy.Orphans(tx))); n != 3 {
		t.Errorf("%d article_tags with added_by empty, want 3", n)
	}
	mmKeys(t, "art1.tags", mmList(tx, tagsRel.M2MSide, tags, art1), goTag, dbTag)
	// Deleting a tag or an article removes its links.
	res, err = tags.Delete(tx, goTag)
	mmDeleted(t, "delete go", res, err, map[string]int{"tags": 1, "article_tags": 2}, nil)
	res, err = articles.Delete(tx, art2)
	mmDeleted(t, "delete art2", res, err, map[string]int{"articles": 1, "article_tags": 1}, nil)
	mmKeys(t, "art1.tags", mmList(tx, tagsRel.M2MSide, tags, art1), dbTag)
	mmKeys(t, "web.articles", mmList(tx, tagsRel.Reverse(), articles, webTag))
	finishTx(t, db, tx)
}

// ---------------------------------------------------------------------------
// Seed domain 7: multi-tenant memberships.

func TestM2MTenantDomain(t *testing.T) {
	type user struct {
		ID   int64
		Name string
	}
	type organization struct {
		ID      int64
		Name    string
		OwnerID int64
	}
	type membership struct {
		ID             int64
		UserID         int64
		OrganizationID int64
		Role           string
	}
	type project struct {
		ID             int64
		OrganizationID int64
		Name           string
	}
	type userOrg struct{ User, Org int64 }
	users := memrel.NewTable("users", func(r *user) *int64 { return &r.ID })
	orgs := memrel.NewTable("organizations", func(r *organization) *int64 { return &r.ID })
	memberships := memrel.NewTable("memberships", func(r *membership) *int64 { return &r.ID }).
		Defaults(func(r *membership) {
			if r.Role == "" {
				r.Role = "member"
			}
		})
	projects := memrel.NewTable("projects", func(r *project) *int64 { return &r.ID })
	owner := memrel.ForeignKey(orgs, func(r *organization) *int64 { return &r.OwnerID }, users, memrel.Protect).Related("owned_organizations")
	mUser := memrel.ForeignKey(memberships, func(r *membership) *int64 { return &r.UserID }, users, memrel.Cascade).Related("memberships")
	mOrg := memrel.ForeignKey(memberships, func(r *membership) *int64 { return &r.OrganizationID }, orgs, memrel.Cascade).Related("memberships")
	pOrg := memrel.ForeignKey(projects, func(r *project) *int64 { return &r.OrganizationID }, orgs, memrel.Cascade).Related("projects")
	orgsRel := memrel.ManyToManyThrough(memberships, "organizations", mUser, mOrg).Related("members")
	db := openDB(t, memrel.Schema{
		Tables:    []memrel.AnyTable{users, orgs, memberships, projects},
		Relations: []memrel.Relation{owner, mUser, mOrg, pOrg, orgsRel},
		Constraints: []memrel.Constraint{
			memrel.UniqueFunc(memberships, "uniq_membership", func(r *membership) userOrg { return userOrg{r.UserID, r.OrganizationID} }),
		},
	})
	tx := beginTx(t, db)
	const ann, bob = 1, 2
	const acme, globex = 1, 2
	mmInsert(t, tx, users, user{ID: ann, Name: "ann"}, user{ID: bob, Name: "bob"})
	mmInsert(t, tx, orgs, organization{ID: acme, Name: "Acme", OwnerID: ann}, organization{ID: globex, Name: "Globex", OwnerID: bob})
	mmInsert(t, tx, projects, project{OrganizationID: acme, Name: "rockets"}, project{OrganizationID: acme, Name: "anvils"}, project{OrganizationID: globex, Name: "x"})

	mustOK(t, cnIns(orgsRel.Add(tx, bob, acme, globex)))
	mustOK(t, cnIns(orgsRel.Reverse().AddWith(tx, acme, func(m *membership) { m.Role = "admin" }, ann)))
	mmKeys(t, "bob.organizations", mmList(tx, orgsRel.M2MSide, orgs, bob), acme, globex)
	mmKeys(t, "acme.members", mmList(tx, orgsRel.Reverse(), users, acme), ann, bob)
	roles := map[int64]string{}
	for m := range orgsRel.Reverse().Links(tx, acme) {
		roles[m.UserID] = m.Role
	}
	mmEq(t, "acme roles", roles, map[int64]string{ann: "admin", bob: "member"})

	err := refused(t, tx, memrel.ErrUnique, func() error {
		_, err := memberships.Insert(tx, membership{UserID: bob, OrganizationID: acme, Role: "owner"})
		return err
	})
	var ue *memrel.UniqueError
	if !errors.As(err, &ue) || ue.Constraint != "uniq_membership" || ue.Value != (userOrg{bob, acme}) {
		t.Errorf("UniqueError = %+v", ue)
	}
	err = refused(t, tx, memrel.ErrProtected, func() error { _, err := users.Delete(tx, ann); return err })
	var pe *memrel.ProtectedError
	if !errors.As(err, &pe) || !slices.Contains(pe.Relations, "organizations.owner") {
		t.Errorf("ProtectedError = %+v", pe)
	}

	res, err := orgs.Delete(tx, acme)
	mmDeleted(t, "delete acme", res, err, map[string]int{"organizations": 1, "memberships": 2, "projects": 2}, nil)
	mmKeys(t, "bob.organizations", mmList(tx, orgsRel.M2MSide, orgs, bob), globex)
	res, err = users.Delete(tx, ann)
	mmDeleted(t, "delete ann", res, err, map[string]int{"users": 1}, nil)
	finishTx(t, db, tx)
}

// ---------------------------------------------------------------------------
// Open validation (§6) for many-to-many relations.

func TestM2MOpenRefusesThroughRelationsNotOnLinkTable(t *testing.T) {
	persons := memrel.NewTable("persons", func(p *mmPerson) *int64 { return &p.ID })
	groups := memrel.NewTable("groups", func(g *mmGroup) *int64 { return &g.ID })
	memberships := memrel.NewTable("memberships", func(m *mmMembership) *int64 { return &m.ID })
	others := memrel.NewTable("other_memberships", func(m *mmMembership) *int64 { return &m.ID })
	mg := memrel.ForeignKey(memberships, func(m *mmMembership) *int64 { return &m.GroupID }, groups, memrel.Cascade)
	op := memrel.ForeignKey(others, func(m *mmMembership) *int64 { return &m.PersonID }, persons, memrel.Cascade)
	rel := memrel.ManyToManyThrough(memberships, "members", mg, op).Related("groups")
	schemaErr(t, memrel.Schema{
		Tables:    []memrel.AnyTable{persons, groups, memberships, others},
		Relations: []memrel.Relation{mg, op, rel},
	}, "groups.members", "memberships.group", "other_memberships.person", "link table memberships")
}

// A through relation's foreign keys belong to its link table: listed or
// not, every DB that holds the link table enforces them.
func TestM2MThroughFKsComeWithTheLinkTable(t *testing.T) {
	persons := memrel.NewTable("persons", func(p *mmPerson) *int64 { return &p.ID })
	groups := memrel.NewTable("groups", func(g *mmGroup) *int64 { return &g.ID })
	memberships := memrel.NewTable("memberships", func(m *mmMembership) *int64 { return &m.ID })
	mg := memrel.ForeignKey(memberships, func(m *mmMembership) *int64 { return &m.GroupID }, groups, memrel.Cascade)
	mp := memrel.ForeignKey(memberships, func(m *mmMembership) *int64 { return &m.PersonID }, persons, memrel.Cascade)
	rel := memrel.ManyToManyThrough(memberships, "members", mg, mp).Related("groups")
	tables := []memrel.AnyTable{persons, groups, memberships}
	for _, rels := range [][]memrel.Relation{{rel}, {mg, rel}, {mg, mp, rel}, nil} {
		db := openDB(t, memrel.Schema{Tables: tables, Relations: rels})
		tx := beginTx(t, db)
		g, err := groups.Insert(tx, mmGroup{})
		mustOK(t, err)
		refused(t, tx, memrel.ErrForeignKey, func() error {
			_, err := memberships.Insert(tx, mmMembership{GroupID: g.ID, PersonID: 7})
			return err
		})
		p, err := persons.Insert(tx, mmPerson{})
		mustOK(t, err)
		mustOK(t, cnIns(rel.Add(tx, g.ID, p.ID)))
		if n := rel.Count(tx, g.ID); n != 1 {
			t.Errorf("listing %d relations: Count = %d, want 1", len(rels), n)
		}
	}
	// Without the parent tables, the foreign keys refuse the schema.
	schemaErr(t, memrel.Schema{Tables: []memrel.AnyTable{memberships}}, "memberships.group", "memberships.person", "not in the schema")
	// Without the link table, the relation's foreign keys are not there:
	// the error says which table to list.
	schemaErr(t, memrel.Schema{Tables: []memrel.AnyTable{persons, groups}, Relations: []memrel.Relation{rel}},
		"relation memberships.group is not in the schema (list its table memberships in Tables)")
}

func TestM2MOpenRefusesSymmetricalBetweenTables(t *testing.T) {
	articles := memrel.NewTable("articles", func(a *mmArticle) *int64 { return &a.ID })
	publications := memrel.NewTable("publications", func(p *mmPublication) *int64 { return &p.ID })
	auto := memrel.ManyToMany(articles, "publications", publications).Symmetrical()
	schemaErr(t, memrel.Schema{Tables: []memrel.AnyTable{articles, publications}, Relations: []memrel.Relation{auto}},
		"articles.publications", "Symmetrical", "articles to publications")

	persons := memrel.NewTable("persons", func(p *mmPerson) *int64 { return &p.ID })
	groups := memrel.NewTable("groups", func(g *mmGroup) *int64 { return &g.ID })
	memberships := memrel.NewTable("memberships", func(m *mmMembership) *int64 { return &m.ID })
	mg := memrel.ForeignKey(memberships, func(m *mmMembership) *int64 { return &m.GroupID }, groups, memrel.Cascade)
	mp := memrel.ForeignKey(memberships, func(m *mmMembership) *int64 { return &m.PersonID }, persons, memrel.Cascade)
	through := memrel.ManyToManyThrough(memberships, "members", mg, mp).Symmetrical()
	schemaErr(t, memrel.Schema{Tables: []memrel.AnyTable{persons, groups, memberships}, Relations: []memrel.Relation{mg, mp, through}},
		"groups.members", "Symmetrical", "groups to persons")
}

// fields.E340 analogue: the automatic link table's name is a table's name.
func TestM2MOpenRefusesLinkTableNameClash(t *testing.T) {
	articles := memrel.NewTable("articles", func(a *mmArticle) *int64 { return &a.ID })
	publications := memrel.NewTable("publications", func(p *mmPublication) *int64 { return &p.ID })
	clash := memrel.NewTable("articles_publications", func(p *mmPublication) *int64 { return &p.ID })
	rel := memrel.ManyToMany(articles, "publications", publications).Related("articles")
	schemaErr(t, memrel.Schema{Tables: []memrel.AnyTable{articles, publications, clash}, Relations: []memrel.Relation{rel}},
		"articles_publications")

	// Two automatic relations whose link tables would share a name.
	people := memrel.NewTable("people", func(p *mmSelfPerson) *int64 { return &p.ID })
	people2 := memrel.NewTable("people_friends", func(p *mmSelfPerson) *int64 { return &p.ID })
	a := memrel.ManyToMany(people, "friends", people).Symmetrical()
	schemaErr(t, memrel.Schema{Tables: []memrel.AnyTable{people, people2}, Relations: []memrel.Relation{a}},
		"people_friends")

	// The automatic pair constraint's name is taken by a constraint of the schema.
	pubs2 := memrel.NewTable("publications", func(p *mmPublication) *int64 { return &p.ID })
	arts2 := memrel.NewTable("articles", func(a *mmArticle) *int64 { return &a.ID })
	rel2 := memrel.ManyToMany(arts2, "publications", pubs2).Related("articles")
	schemaErr(t, memrel.Schema{
		Tables:      []memrel.AnyTable{arts2, pubs2},
		Relations:   []memrel.Relation{rel2},
		Constraints: []memrel.Constraint{memrel.UniqueFunc(pubs2, "articles_publications_pair", func(p *mmPublication) string { return p.Title })},
	}, "articles_publications_pair")
}

// fields.E304: a foreign key and a many-to-many relation from the same table
// to the same target get the same default reverse name.
func TestM2MOpenRefusesReverseNameClash(t *testing.T) {
	type target struct{ ID int64 }
	type model struct {
		ID       int64
		TargetID int64
	}
	// Each case declares its relations on tables of its own: a relation
	// belongs to its table, and every DB that holds the table has it.
	var targets *memrel.Table[target, int64]
	var models *memrel.Table[model, int64]
	fresh := func() []memrel.AnyTable {
		targets = memrel.NewTable("target", func(r *target) *int64 { return &r.ID })
		models = memrel.NewTable("model", func(r *model) *int64 { return &r.ID })
		return []memrel.AnyTable{targets, models}
	}
	tables := fresh()
	foreign := memrel.ForeignKey(models, func(r *model) *int64 { return &r.TargetID }, targets, memrel.Cascade).Named("foreign")
	m2m := memrel.ManyToMany(models, "m2m", targets)
	if foreign.RelatedName() != "model" {
		t.Fatalf("default reverse name of model.foreign = %q, want model (the child table's name)", foreign.RelatedName())
	}
	schemaErr(t, memrel.Schema{Tables: tables, Relations: []memrel.Relation{foreign, m2m}},
		"name target.model of", "model.foreign", "model.m2m")
	// A self relation, not symmetrical: the same clash on model.
	tables = fresh()
	self := memrel.ForeignKey(models, func(r *model) *int64 { return &r.TargetID }, models, memrel.Cascade).Named("parent")
	selfM2M := memrel.ManyToMany(models, "peers", models)
	schemaErr(t, memrel.Schema{Tables: tables, Relations: []memrel.Relation{self, selfM2M}},
		"name model.model of", "model.parent", "model.peers")
	// Two many-to-many relations to the same target clash too.
	tables = fresh()
	m2 := memrel.ManyToMany(models, "others", targets)
	m3 := memrel.ManyToMany(models, "more", targets)
	schemaErr(t, memrel.Schema{Tables: tables, Relations: []memrel.Relation{m2, m3}},
		"name target.model of", "model.others", "model.more")
	// A Related name resolves it; a symmetrical self relation has no
	// reverse name.
	tables = fresh()
	foreign = memrel.ForeignKey(models, func(r *model) *int64 { return &r.TargetID }, targets, memrel.Cascade).Named("foreign")
	fixed := memrel.ManyToMany(models, "m2m", targets).Related("m2m_models")
	self = memrel.ForeignKey(models, func(r *model) *int64 { return &r.TargetID }, models, memrel.Cascade).Named("parent").Related("children")
	sym := memrel.ManyToMany(models, "friends", models).Symmetrical()
	if _, err := memrel.Open(memrel.Schema{Tables: tables, Relations: []memrel.Relation{foreign, fixed, self, sym}}); err != nil {
		t.Errorf("Open with distinct reverse names: %v", err)
	}
}

func TestM2MOpenReportsEveryProblem(t *testing.T) {
	articles := memrel.NewTable("articles", func(a *mmArticle) *int64 { return &a.ID })
	publications := memrel.NewTable("publications", func(p *mmPublication) *int64 { return &p.ID })
	clash := memrel.NewTable("articles_publications", func(p *mmPublication) *int64 { return &p.ID })
	persons := memrel.NewTable("persons", func(p *mmPerson) *int64 { return &p.ID })
	groups := memrel.NewTable("groups", func(g *mmGroup) *int64 { return &g.ID })
	memberships := memrel.NewTable("memberships", func(m *mmMembership) *int64 { return &m.ID })
	mg := memrel.ForeignKey(memberships, func(m *mmMembership) *int64 { return &m.GroupID }, groups, memrel.Cascade)
	mp := memrel.ForeignKey(memberships, func(m *mmMembership) *int64 { return &m.PersonID }, persons, memrel.Cascade)
	err := schemaErr(t, memrel.Schema{
		Tables: []memrel.AnyTable{articles, publications, clash, groups, memberships}, // persons left out
		Relations: []memrel.Relation{
			memrel.ManyToMany(articles, "publications", publications).Related("articles"), // link name clash
			memrel.ManyToMany(articles, "sym", publications).Symmetrical(),                // symmetrical between tables
			memrel.ManyToManyThrough(memberships, "members", mg, mp),                      // a table not listed
		},
	}, "articles_publications", "Symmetrical", "memberships.person", "persons")
	if n := len(leaves(err)); n < 3 {
		t.Errorf("%d errors reported, want at least 3: %v", n, err)
	}
	for _, e := range leaves(err) {
		if !errors.Is(e, memrel.ErrSchema) {
			t.Errorf("error %v is not ErrSchema", e)
		}
	}
}
