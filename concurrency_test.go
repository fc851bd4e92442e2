package memrel_test

import (
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/memrel-go/memrel"
)

// Concurrency: readers (iterations, index scans, eager loads, Check) see
// one consistent snapshot each while a writer cascades large deletes;
// snapshots and their origin are written at the same time; iterators keep
// reading their snapshot across commits; and a panic or runtime.Goexit in
// any callback inside Update leaves the DB as it was and the writer free.
// Everything is bounded: a blocked Update fails the test instead of hanging
// it. Run it with -race.

// The library schema: authors, each with ccBooksPer books, each with
// ccPagesPer pages, deleted in cascade. A writer only ever inserts or
// deletes whole authors, so every snapshot holds exactly ccBooksPer books
// and ccBooksPer*ccPagesPer pages per author.
type (
	ccAuthor struct {
		ID   int64
		Name string
	}
	ccBook struct {
		ID       int64
		AuthorID int64
		Year     int64
	}
	ccPage struct {
		ID     int64
		BookID int64
		N      int64
	}
)

const (
	ccBooksPer = 4
	ccPagesPer = 3
)

type ccLibrary struct {
	db         *memrel.DB
	authors    *memrel.Table[ccAuthor, int64]
	books      *memrel.Table[ccBook, int64]
	pages      *memrel.Table[ccPage, int64]
	bookAuthor *memrel.FK[ccBook, ccAuthor, int64]
	pageBook   *memrel.FK[ccPage, ccBook, int64]
	byYear     *memrel.Index[ccBook, int64, int64]
	byAuthor   *memrel.GroupedIndex[ccBook, int64, int64, int64]
}

func newCcLibrary(t *testing.T) *ccLibrary {
	t.Helper()
	l := &ccLibrary{
		authors: memrel.NewTable("cc_authors", func(r *ccAuthor) *int64 { return &r.ID }),
		books:   memrel.NewTable("cc_books", func(r *ccBook) *int64 { return &r.ID }),
		pages:   memrel.NewTable("cc_pages", func(r *ccPage) *int64 { return &r.ID }),
	}
	l.bookAuthor = memrel.ForeignKey(l.books, func(r *ccBook) *int64 { return &r.AuthorID }, l.authors, memrel.Cascade)
	l.pageBook = memrel.ForeignKey(l.pages, func(r *ccPage) *int64 { return &r.BookID }, l.books, memrel.Cascade)
	l.byYear = memrel.NewIndexFunc(l.books, "cc_books_year", func(r *ccBook) int64 { return r.Year })
	l.byAuthor = memrel.NewGroupedIndexFunc(l.books, "cc_books_author_year",
		func(r *ccBook) int64 { return r.AuthorID }, func(r *ccBook) int64 { return r.Year })
	db, err := memrel.Open(memrel.Schema{
		Tables:      []memrel.AnyTable{l.authors, l.books, l.pages},
		Relations:   []memrel.Relation{l.bookAuthor, l.pageBook},
		Constraints: []memrel.Constraint{memrel.UniqueFunc(l.authors, "cc_uniq_author_name", func(r *ccAuthor) string { return r.Name })},
		Indexes:     []memrel.AnyIndex{l.byYear, l.byAuthor},
	})
	if err != nil {
		t.Fatal(err)
	}
	l.db = db
	return l
}

// addAuthor inserts an author with its books and pages.
func (l *ccLibrary) addAuthor(tx *memrel.Tx, name string) (int64, error) {
	a, err := l.authors.Insert(tx, ccAuthor{Name: name})
	if err != nil {
		return 0, err
	}
	for b := range ccBooksPer {
		book, err := l.books.Insert(tx, ccBook{AuthorID: a.ID, Year: 1900 + a.ID%100 + int64(b)})
		if err != nil {
			return 0, err
		}
		for p := range ccPagesPer {
			if _, err := l.pages.Insert(tx, ccPage{BookID: book.ID, N: int64(p)}); err != nil {
				return 0, err
			}
		}
	}
	return a.ID, nil
}

// collect is the values of seq.
func collect[T any](seq iter.Seq[T]) []T {
	var out []T
	for v := range seq {
		out = append(out, v)
	}
	return out
}

// verify checks that tx sees one consistent state of the library: whole
// authors only, every row's parent present, the indexes and an eager load
// agreeing with the tables. full adds tx.Check (which reads everything).
func (l *ccLibrary) verify(tx *memrel.Tx, full bool) error {
	authors := collect(l.authors.All(tx))
	books := collect(l.books.All(tx))
	pages := l.pages.Len(tx)
	if len(books) != ccBooksPer*len(authors) || pages != ccBooksPer*ccPagesPer*len(authors) {
		return fmt.Errorf("%d authors, %d books, %d pages: not whole authors", len(authors), len(books), pages)
	}
	// Len reads counters published beside the state: they must be this
	// state's, not the next commit's.
	if na, nb := l.authors.Len(tx), l.books.Len(tx); na != len(authors) || nb != len(books) {
		return fmt.Errorf("Len: %d authors, %d books; the rows: %d authors, %d books", na, nb, len(authors), len(books))
	}
	for _, a := range authors {
		kids := collect(l.bookAuthor.Children(tx, a.ID))
		if len(kids) != ccBooksPer || l.bookAuthor.Count(tx, a.ID) != ccBooksPer {
			return fmt.Errorf("author %d: %d books by Children", a.ID, len(kids))
		}
		if n := len(collect(l.byAuthor.Ascend(tx, a.ID))); n != ccBooksPer {
			return fmt.Errorf("author %d: %d books by the grouped index", a.ID, n)
		}
		for _, b := range kids {
			if p, ok := l.bookAuthor.Parent(tx, b); !ok || p != a {
				return fmt.Errorf("book %d: parent %+v, %v; want %+v", b.ID, p, ok, a)
			}
		}
	}
	if n := len(collect(l.byYear.AscendRange(tx, 0, 1<<40))); n != len(books) {
		return fmt.Errorf("%d books by the year index, %d in the table", n, len(books))
	}
	if n := len(collect(l.byYear.Descend(tx))); n != len(books) {
		return fmt.Errorf("%d books by Descend, %d in the table", n, len(books))
	}
	loaded, err := memrel.Load(tx, books, l.bookAuthor.Forward(), l.pageBook.Reverse())
	if err != nil {
		return fmt.Errorf("Load: %w", err)
	}
	for _, b := range books {
		if _, ok := l.bookAuthor.LoadedParent(loaded, b); !ok {
			return fmt.Errorf("Load: book %d has no author", b.ID)
		}
		if n := len(l.pageBook.LoadedChildren(loaded, b.ID)); n != ccPagesPer {
			return fmt.Errorf("Load: book %d has %d pages", b.ID, n)
		}
	}
	if full {
		if err := tx.Check(); err != nil {
			return fmt.Errorf("Check: %w", err)
		}
	}
	return nil
}

// TestConcurrencyReadersDuringCascades: readers iterate, scan indexes,
// eager-load and Check while a writer deletes many authors at a time, each
// delete cascading to their books and pages.
func TestConcurrencyReadersDuringCascades(t *testing.T) {
	const (
		readers  = 4
		rounds   = 30
		perRound = 12 // authors inserted, then deleted in one call, per round
	)
	l := newCcLibrary(t)
	if err := l.db.Update(func(tx *memrel.Tx) error {
		for i := range perRound {
			if _, err := l.addAuthor(tx, fmt.Sprintf("seed%d", i)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	var done atomic.Bool
	var wg sync.WaitGroup
	reads := make([]int, readers)
	sizes := make([]map[int]bool, readers) // the author counts each reader saw
	for r := range readers {
		wg.Add(1)
		sizes[r] = map[int]bool{}
		go func() {
			defer wg.Done()
			for !done.Load() || reads[r] == 0 {
				tx := l.db.BeginRead()
				err := l.verify(tx, reads[r]%4 == 0)
				sizes[r][l.authors.Len(tx)] = true
				if err == nil {
					// The same read again: the snapshot does not move.
					before := tx.Dump()
					runtime.Gosched()
					if after := tx.Dump(); after != before {
						err = errors.New("a read transaction's Dump changed")
					}
				}
				tx.Abort()
				if err != nil {
					t.Errorf("reader %d, read %d: %v", r, reads[r], err)
					return
				}
				reads[r]++
			}
		}()
	}

	var ids []int64
	for round := range rounds {
		var res memrel.DeleteResult
		err := l.db.Update(func(tx *memrel.Tx) error {
			ids = ids[:0]
			for a := range l.authors.All(tx) {
				ids = append(ids, a.ID)
			}
			for i := range perRound - 3*(round%4) { // 12, 9, 6, 3 authors: the counts move
				if _, err := l.addAuthor(tx, fmt.Sprintf("r%d-%d", round, i)); err != nil {
					return err
				}
			}
			var err error
			res, err = l.authors.Delete(tx, ids...)
			return err
		})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if want := len(ids) * (1 + ccBooksPer + ccBooksPer*ccPagesPer); res.Total() != want {
			t.Fatalf("round %d: the delete removed %d rows (%v), want %d", round, res.Total(), res, want)
		}
	}
	done.Store(true)
	wg.Wait()
	if err := l.db.Check(); err != nil {
		t.Fatal(err)
	}
	total, seen := 0, map[int]bool{}
	for r := range readers {
		total += reads[r]
		for n := range sizes[r] {
			seen[n] = true
		}
	}
	t.Logf("%d readers, %d reads in all, saw %d distinct author counts; %d rounds of up to %d authors (%d rows) inserted and deleted",
		readers, total, len(seen), rounds, perRound, perRound*(1+ccBooksPer+ccBooksPer*ccPagesPer))
}

// TestConcurrencyIteratorsAcrossCommits: an iterator of a read transaction
// keeps reading its snapshot while other transactions commit, and an
// iterator of a write transaction does not see the writes made while it
// runs.
func TestConcurrencyIteratorsAcrossCommits(t *testing.T) {
	l := newCcLibrary(t)
	if err := l.db.Update(func(tx *memrel.Tx) error {
		for i := range 20 {
			if _, err := l.addAuthor(tx, fmt.Sprintf("a%d", i)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	t.Run("read tx", func(t *testing.T) {
		rtx := l.db.BeginRead()
		defer rtx.Abort()
		wantAuthors := collect(l.authors.All(rtx))
		wantBooks := collect(l.byYear.Descend(rtx))
		wantKids := collect(l.bookAuthor.Children(rtx, wantAuthors[0].ID))

		nextA, stopA := iter.Pull(l.authors.All(rtx))
		defer stopA()
		nextB, stopB := iter.Pull(l.byYear.Descend(rtx))
		defer stopB()
		nextK, stopK := iter.Pull(l.bookAuthor.Children(rtx, wantAuthors[0].ID))
		defer stopK()
		var gotAuthors, gotBooks, gotKids []any
		pull := func(n int) {
			for range n {
				if a, ok := nextA(); ok {
					gotAuthors = append(gotAuthors, a)
				}
				if b, ok := nextB(); ok {
					gotBooks = append(gotBooks, b)
				}
				if k, ok := nextK(); ok {
					gotKids = append(gotKids, k)
				}
			}
		}
		pull(2)

		// A writer deletes everything and writes new authors, commit after
		// commit, while the iterators go on.
		writerDone := make(chan error)
		go func() {
			var err error
			for i := range 10 {
				err = l.db.Update(func(tx *memrel.Tx) error {
					var ids []int64
					for a := range l.authors.All(tx) {
						ids = append(ids, a.ID)
					}
					if _, err := l.authors.Delete(tx, ids...); err != nil {
						return err
					}
					_, err := l.addAuthor(tx, fmt.Sprintf("w%d", i))
					return err
				})
				if err != nil {
					break
				}
			}
			writerDone <- err
		}()
		// Bounded: an iterator that stops early must fail, not hang.
		for i := 0; i < len(wantBooks) && (len(gotAuthors) < len(wantAuthors) || len(gotBooks) < len(wantBooks)); i++ {
			pull(1)
		}
		pull(1) // the end
		if err := <-writerDone; err != nil {
			t.Fatal(err)
		}
		pull(1)
		if !slices.Equal(gotAuthors, anys(wantAuthors)) || !slices.Equal(gotBooks, anys(wantBooks)) || !slices.Equal(gotKids, anys(wantKids)) {
			t.Fatalf("the iterators did not keep their snapshot:\nauthors %v\nwant    %v\nbooks %d, want %d; children %v, want %v",
				gotAuthors, wantAuthors, len(gotBooks), len(wantBooks), gotKids, wantKids)
		}
		if err := l.verify(rtx, true); err != nil {
			t.Fatalf("the read transaction after the commits: %v", err)
		}
		if n := l.authors.Len(rtx); n != len(wantAuthors) {
			t.Fatalf("the read transaction sees %d authors after the commits, want %d", n, len(wantAuthors))
		}
		if got := dumpDB(l.db); strings.Contains(got, "a0") || !strings.Contains(got, "w9") {
			t.Fatalf("the DB is not the writer's:\n%s", got)
		}
	})

	t.Run("write tx", func(t *testing.T) {
		err := l.db.Update(func(tx *memrel.Tx) error {
			want := collect(l.authors.All(tx))
			var seen []ccAuthor
			for a := range l.authors.All(tx) {
				seen = append(seen, a)
				// Delete the row just read (and its cascade), add two.
				if _, err := l.authors.Delete(tx, a.ID); err != nil {
					return err
				}
				for j := range 2 {
					if _, err := l.addAuthor(tx, fmt.Sprintf("%s-%d", a.Name, j)); err != nil {
						return err
					}
				}
			}
			if !slices.Equal(seen, want) {
				return fmt.Errorf("the iterator saw %v, want its snapshot %v", seen, want)
			}
			if n := l.authors.Len(tx); n != 2*len(want) {
				return fmt.Errorf("%d authors after the loop, want %d", n, 2*len(want))
			}
			return l.verify(tx, true)
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.db.Check(); err != nil {
			t.Fatal(err)
		}
	})
}

func anys[T any](s []T) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// TestConcurrencySnapshots: snapshots are written while their origin is
// written; each starts from a committed state of the origin, and neither
// sees the other's later writes.
func TestConcurrencySnapshots(t *testing.T) {
	const (
		snapshots = 4
		writes    = 25
	)
	l := newCcLibrary(t)
	if err := l.db.Update(func(tx *memrel.Tx) error {
		_, err := l.addAuthor(tx, "o-seed")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	authorSet := func(tx *memrel.Tx, prefix string) string {
		var names []string
		for a := range l.authors.All(tx) {
			if strings.HasPrefix(a.Name, prefix) {
				names = append(names, a.Name)
			}
		}
		return strings.Join(names, ",")
	}

	// The origin's writer records every state it commits.
	var mu sync.Mutex
	committed := map[string]bool{authorSet(l.db.BeginRead(), "o-"): true}
	originDone := make(chan error)
	go func() {
		var err error
		for i := range writes {
			err = l.db.Update(func(tx *memrel.Tx) error {
				if _, err := l.addAuthor(tx, fmt.Sprintf("o-%d", i)); err != nil {
					return err
				}
				if i%3 == 2 { // and a cascade
					if a, ok := collectFirst(l.authors.All(tx)); ok {
						if _, err := l.authors.Delete(tx, a.ID); err != nil {
							return err
						}
					}
				}
				mu.Lock()
				committed[authorSet(tx, "o-")] = true
				mu.Unlock()
				return nil
			})
			if err != nil {
				break
			}
		}
		originDone <- err
	}()

	var wg sync.WaitGroup
	for s := range snapshots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			snap := l.db.Snapshot()
			start := authorSet(snap.BeginRead(), "o-")
			prefix := fmt.Sprintf("s%d-", s)
			for i := range writes {
				err := snap.Update(func(tx *memrel.Tx) error {
					if _, err := l.addAuthor(tx, fmt.Sprintf("%s%d", prefix, i)); err != nil {
						return err
					}
					if i%4 == 3 { // delete an origin row, in the snapshot only
						for a := range l.authors.All(tx) {
							if strings.HasPrefix(a.Name, "o-") {
								_, err := l.authors.Delete(tx, a.ID)
								return err
							}
						}
					}
					return nil
				})
				if err != nil {
					t.Errorf("snapshot %d, write %d: %v", s, i, err)
					return
				}
			}
			mu.Lock()
			ok := committed[start]
			mu.Unlock()
			if !ok {
				t.Errorf("snapshot %d started from %q, which the origin never committed", s, start)
			}
			rtx := snap.BeginRead()
			defer rtx.Abort()
			if err := l.verify(rtx, true); err != nil {
				t.Errorf("snapshot %d: %v", s, err)
			}
			if got := authorSet(rtx, "s"); !strings.HasPrefix(got, prefix) || strings.Count(got, prefix) != writes {
				t.Errorf("snapshot %d holds the snapshot rows %q, want only its own %d", s, got, writes)
			}
			// A snapshot of the snapshot, written, leaves it alone.
			before := rtx.Dump()
			inner := snap.Snapshot()
			if err := inner.Update(func(tx *memrel.Tx) error {
				_, err := l.addAuthor(tx, prefix+"inner")
				return err
			}); err != nil {
				t.Errorf("snapshot %d, inner: %v", s, err)
			}
			if after := dumpDB(snap); after != before {
				t.Errorf("snapshot %d changed by a write to its own snapshot:\n%s", s, diffLines(before, after))
			}
		}()
	}
	wg.Wait()
	if err := <-originDone; err != nil {
		t.Fatal(err)
	}
	rtx := l.db.BeginRead()
	defer rtx.Abort()
	if err := l.verify(rtx, true); err != nil {
		t.Fatalf("origin: %v", err)
	}
	if got := authorSet(rtx, "s"); got != "" {
		t.Fatalf("the origin holds snapshot rows: %s", got)
	}
	if got := authorSet(rtx, "o-"); !committed[got] || !strings.Contains(got, fmt.Sprintf("o-%d", writes-1)) {
		t.Fatalf("the origin holds %q, not its last commit", got)
	}
}

func collectFirst[T any](seq iter.Seq[T]) (T, bool) {
	for v := range seq {
		return v, true
	}
	var zero T
	return zero, false
}

// ---------------------------------------------------------------------------
// Panics and runtime.Goexit in callbacks.

// The callback schema: owners, items (every kind of callback) and their
// parts, and labels on items.
type (
	cbOwner struct {
		ID   int64
		Name string
	}
	cbItem struct {
		ID      int64
		OwnerID int64 // owners Set, SetFunc: the sentinel owner
		Name    string
		Code    string
		Active  bool
		Qty     int64
		Memo    string // read by no callback: what a scribbling callback writes
	}
	cbPart struct { // items Cascade
		ID     int64
		ItemID int64
	}
	cbLabel struct {
		ID   int64
		Name string
	}
)

// The callback kinds.
const (
	cbFn          = iota // Update's fn itself
	cbDefaults           // Table.Defaults
	cbFill               // InsertWith's fill
	cbCheck              // a check constraint's predicate
	cbUniqueKey          // a unique constraint's key function
	cbUniqueWhere        // a partial unique constraint's condition
	cbIndex              // an index accessor
	cbGroup              // a grouped index's group accessor
	cbFKRef              // a foreign key's accessor
	cbSetFunc            // a Set rule's function
	cbM2MFill            // many-to-many AddWith's and SetWith's fill
	cbWhere              // Table.Where's filter
	cbModify             // Table.Modify's fn
	cbKinds
)

var cbKindNames = []string{"Update fn", "Defaults", "InsertWith fill", "check predicate", "unique key",
	"partial unique condition", "index accessor", "grouped index accessor", "foreign key accessor",
	"SetFunc", "AddWith/SetWith fill", "Where filter", "Modify fn"}

// How an armed callback fails.
const (
	cbPanic = iota
	cbGoexit
	cbScribble // writes the Memo of the row it is given, and carries on
)

type cbInjected struct{ kind int }

// cbTraps arms one callback kind: its nth call (from the arming) fails.
type cbTraps struct {
	kind  atomic.Int32 // -1: none
	left  atomic.Int32
	how   atomic.Int32
	fired atomic.Bool
}

// trip is called by every callback of the schema.
func (tr *cbTraps) trip(kind int, row *cbItem) {
	if int(tr.kind.Load()) != kind {
		return
	}
	how := int(tr.how.Load())
	if how == cbScribble {
		if row != nil {
			tr.fired.Store(true)
			row.Memo = "scribbled"
		}
		return
	}
	if tr.left.Add(-1) != 0 {
		return
	}
	tr.kind.Store(-1)
	tr.fired.Store(true)
	if how == cbGoexit {
		runtime.Goexit()
	}
	panic(cbInjected{kind})
}

func (tr *cbTraps) arm(kind, how, nth int) {
	tr.fired.Store(false)
	tr.left.Store(int32(nth))
	tr.how.Store(int32(how))
	tr.kind.Store(int32(kind))
}

func (tr *cbTraps) disarm() { tr.kind.Store(-1) }

type cbSchema struct {
	db     *memrel.DB
	traps  *cbTraps
	owners *memrel.Table[cbOwner, int64]
	items  *memrel.Table[cbItem, int64]
	parts  *memrel.Table[cbPart, int64]
	labels *memrel.Table[cbLabel, int64]
	byName *memrel.UniqueConstraint[cbOwner, string]
	itemLb *memrel.M2M[cbItem, int64, cbLabel, int64, memrel.Link[int64, int64], int64]
}

func newCbSchema(t *testing.T) *cbSchema {
	t.Helper()
	tr := &cbTraps{}
	tr.disarm()
	s := &cbSchema{traps: tr}
	s.owners = memrel.NewTable("cb_owners", func(r *cbOwner) *int64 { return &r.ID })
	s.items = memrel.NewTable("cb_items", func(r *cbItem) *int64 { return &r.ID }).
		Defaults(func(r *cbItem) {
			tr.trip(cbDefaults, r)
			if r.Qty == 0 {
				r.Qty = 1
			}
		})
	s.parts = memrel.NewTable("cb_parts", func(r *cbPart) *int64 { return &r.ID })
	s.labels = memrel.NewTable("cb_labels", func(r *cbLabel) *int64 { return &r.ID })
	s.byName = memrel.UniqueFunc(s.owners, "cb_uniq_owner_name", func(r *cbOwner) string { return r.Name })
	itemOwner := memrel.ForeignKey(s.items, func(r *cbItem) *int64 { tr.trip(cbFKRef, r); return &r.OwnerID },
		s.owners, memrel.Set).Named("owner").SetFunc(func(tx *memrel.Tx) (int64, error) {
		tr.trip(cbSetFunc, nil)
		if o, ok := s.byName.Get(tx, "sentinel"); ok {
			return o.ID, nil
		}
		o, err := s.owners.Insert(tx, cbOwner{Name: "sentinel"})
		return o.ID, err
	})
	partItem := memrel.ForeignKey(s.parts, func(r *cbPart) *int64 { return &r.ItemID }, s.items, memrel.Cascade)
	s.itemLb = memrel.ManyToMany(s.items, "labels", s.labels)
	db, err := memrel.Open(memrel.Schema{
		Tables:    []memrel.AnyTable{s.owners, s.items, s.parts, s.labels},
		Relations: []memrel.Relation{itemOwner, partItem, s.itemLb},
		Constraints: []memrel.Constraint{
			s.byName,
			memrel.Check(s.items, "cb_qty_gte_0", func(r *cbItem) bool { tr.trip(cbCheck, r); return r.Qty >= 0 }),
			memrel.UniqueFunc(s.items, "cb_uniq_item_name", func(r *cbItem) string { tr.trip(cbUniqueKey, r); return r.Name }),
			memrel.UniqueFunc(s.items, "cb_uniq_active_code", func(r *cbItem) string { return r.Code }).
				Where(func(r *cbItem) bool { tr.trip(cbUniqueWhere, r); return r.Active }),
		},
		Indexes: []memrel.AnyIndex{
			memrel.NewIndexFunc(s.items, "cb_items_qty", func(r *cbItem) int64 { tr.trip(cbIndex, r); return r.Qty }),
			memrel.NewGroupedIndexFunc(s.items, "cb_items_owner_code",
				func(r *cbItem) int64 { tr.trip(cbGroup, r); return r.OwnerID }, func(r *cbItem) string { return r.Code }),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.db = db
	if err := db.Update(func(tx *memrel.Tx) error {
		for i := int64(1); i <= 3; i++ {
			if _, err := s.owners.Insert(tx, cbOwner{Name: fmt.Sprintf("o%d", i)}); err != nil {
				return err
			}
			if _, err := s.labels.Insert(tx, cbLabel{Name: fmt.Sprintf("l%d", i)}); err != nil {
				return err
			}
		}
		for i := int64(1); i <= 6; i++ {
			it, err := s.items.Insert(tx, cbItem{OwnerID: 1 + i%3, Name: fmt.Sprintf("i%d", i), Code: fmt.Sprintf("c%d", i), Active: i%2 == 0, Qty: i})
			if err != nil {
				return err
			}
			if _, err := s.parts.Insert(tx, cbPart{ItemID: it.ID}); err != nil {
				return err
			}
			if _, err := s.itemLb.Add(tx, it.ID, 1+i%3); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return s
}

// cbOps are the operations that call the callbacks, each run after a few
// writes of the same transaction.
var cbOps = []struct {
	name string
	op   func(tx *memrel.Tx, s *cbSchema) error
}{
	{"Insert", func(tx *memrel.Tx, s *cbSchema) error {
		return ins(s.items.Insert(tx, cbItem{OwnerID: 1, Name: "new", Code: "c9", Active: true}))
	}},
	{"InsertWith", func(tx *memrel.Tx, s *cbSchema) error {
		return ins(s.items.InsertWith(tx, cbItem{OwnerID: 2, Name: "new", Code: "c8"}, func(r *cbItem) {
			s.traps.trip(cbFill, r)
			r.Active = true
		}))
	}},
	{"Update", func(tx *memrel.Tx, s *cbSchema) error {
		return ins(s.items.Update(tx, cbItem{ID: 2, OwnerID: 3, Name: "two", Code: "c20", Active: true, Qty: 7}))
	}},
	{"Delete item", func(tx *memrel.Tx, s *cbSchema) error { return ins(s.items.Delete(tx, 3, 4)) }},
	{"Delete owner (Set)", func(tx *memrel.Tx, s *cbSchema) error { return ins(s.owners.Delete(tx, 2, 3)) }},
	{"AddWith", func(tx *memrel.Tx, s *cbSchema) error {
		return errOnly(s.itemLb.AddWith(tx, 5, func(*memrel.Link[int64, int64]) { s.traps.trip(cbM2MFill, nil) }, 1, 2, 3))
	}},
	{"SetWith", func(tx *memrel.Tx, s *cbSchema) error {
		return s.itemLb.SetWith(tx, 4, []int64{1, 3}, memrel.SetOptions[memrel.Link[int64, int64]]{
			Clear: true, Fill: func(*memrel.Link[int64, int64]) { s.traps.trip(cbM2MFill, nil) }})
	}},
	{"Modify", func(tx *memrel.Tx, s *cbSchema) error {
		return ins(s.items.Modify(tx, 5, func(r *cbItem) error {
			s.traps.trip(cbModify, r)
			r.Qty, r.Active, r.Code = 50, true, "c50"
			return nil
		}))
	}},
	{"Where", func(tx *memrel.Tx, s *cbSchema) error {
		for range s.items.Where(tx, func(r *cbItem) bool { s.traps.trip(cbWhere, r); return r.Qty > 2 }) {
		}
		return nil
	}},
	{"fn", func(tx *memrel.Tx, s *cbSchema) error { s.traps.trip(cbFn, nil); return nil }},
}

// cbPrior writes in the transaction before the armed operation, so that
// discarding must undo them too.
func cbPrior(tx *memrel.Tx, s *cbSchema) error {
	if _, err := s.owners.Insert(tx, cbOwner{Name: "prior"}); err != nil {
		return err
	}
	if _, err := s.items.Update(tx, cbItem{ID: 1, OwnerID: 1, Name: "one", Code: "c1", Qty: 11}); err != nil {
		return err
	}
	_, err := s.parts.Delete(tx, 6)
	return err
}

var errNotFired = errors.New("the armed callback was not called")

// cbUpdateOutcome is how an Update run in its own goroutine ended.
type cbUpdateOutcome struct {
	err       error
	returned  bool
	recovered any
}

// cbRunUpdate runs db.Update(fn) in a goroutine and waits for it at most
// timeout; ok is false if it did not end by then.
func cbRunUpdate(db *memrel.DB, fn func(tx *memrel.Tx) error, timeout time.Duration) (out cbUpdateOutcome, ok bool) {
	done := make(chan cbUpdateOutcome, 1)
	go func() {
		var o cbUpdateOutcome
		defer func() {
			o.recovered = recover()
			done <- o
		}()
		o.err = db.Update(fn)
		o.returned = true
	}()
	select {
	case o := <-done:
		return o, true
	case <-time.After(timeout):
		return cbUpdateOutcome{}, false
	}
}

// cbWriterFree checks that a new Update runs (within a bound) and commits.
// After three blocked writers, the wait is cut to 100ms, to keep a broken
// build from taking minutes.
func cbWriterFree(t *testing.T, s *cbSchema, what string, blocked *int) bool {
	t.Helper()
	wait := 2 * time.Second
	if *blocked >= 3 {
		wait = 100 * time.Millisecond
	}
	out, ok := cbRunUpdate(s.db, func(tx *memrel.Tx) error {
		_, err := s.labels.Insert(tx, cbLabel{Name: "after"})
		return err
	}, wait)
	if !ok {
		*blocked++
		t.Errorf("%s: a following db.Update is still blocked after %v: the writer was never freed", what, wait)
		return false
	}
	if !out.returned || out.err != nil {
		t.Errorf("%s: a following db.Update: %+v", what, out)
		return false
	}
	return true
}

// TestConcurrencyCallbackPanicAndGoexit: a panic or runtime.Goexit (what
// t.Fatal does) in any callback inside db.Update leaves the DB exactly as
// before and the writer free; a panic recovered inside the transaction
// leaves the transaction as it was before the operation and usable.
func TestConcurrencyCallbackPanicAndGoexit(t *testing.T) {
	fired := map[string]bool{}
	blocked, cases := 0, 0
	for kind := range cbKinds {
		for _, how := range []int{cbPanic, cbGoexit} {
			howName := []string{"panic", "Goexit"}[how]
			for _, c := range cbOps {
				for nth := 1; nth <= 3; nth++ {
					name := fmt.Sprintf("%s/%s/%s/call %d", cbKindNames[kind], howName, c.name, nth)
					s := newCbSchema(t)
					before := dumpDB(s.db)
					out, ok := cbRunUpdate(s.db, func(tx *memrel.Tx) error {
						if err := cbPrior(tx, s); err != nil {
							return err
						}
						s.traps.arm(kind, how, nth)
						defer s.traps.disarm()
						err := c.op(tx, s)
						if !s.traps.fired.Load() {
							return errNotFired
						}
						return fmt.Errorf("the operation returned (%v) after the callback failed", err)
					}, 5*time.Second)
					if !ok {
						t.Errorf("%s: db.Update did not return within 5s", name)
						continue
					}
					if errors.Is(out.err, errNotFired) {
						continue // this operation makes fewer calls
					}
					cases++
					fired[cbKindNames[kind]+"/"+howName] = true
					switch {
					case how == cbPanic && out.recovered != (cbInjected{kind}):
						t.Errorf("%s: Update ended with %+v, want the injected panic to go on", name, out)
					case how == cbGoexit && (out.returned || out.recovered != nil):
						t.Errorf("%s: Update ended with %+v, want the goroutine to exit", name, out)
					}
					if after := dumpDB(s.db); after != before {
						t.Errorf("%s: the DB changed:\n%s", name, diffLines(before, after))
					}
					if err := s.db.Check(); err != nil {
						t.Errorf("%s: db.Check: %v", name, err)
					}
					cbWriterFree(t, s, name, &blocked)
				}
			}
		}
	}
	t.Logf("%d Updates whose armed callback failed (%d callback kinds, panic and Goexit, %d operations, calls 1-3)",
		cases, cbKinds, len(cbOps))
	for kind := range cbKinds {
		if kind == cbFKRef {
			continue // an accessor that returns a field's address may be resolved once, to an offset
		}
		for _, how := range []string{"panic", "Goexit"} {
			if !fired[cbKindNames[kind]+"/"+how] {
				t.Errorf("no operation reached the %s callback (%s)", cbKindNames[kind], how)
			}
		}
	}
}

// TestConcurrencyCallbackPanicRecovered: a panic in a callback, recovered
// by the caller inside the transaction, leaves the transaction exactly as
// it was before the operation (no half-indexed row) and usable.
func TestConcurrencyCallbackPanicRecovered(t *testing.T) {
	reached := map[int]bool{}
	for kind := range cbKinds {
		if kind == cbFn {
			continue // a panic in the caller's own code, outside any operation
		}
		for _, c := range cbOps {
			for nth := 1; nth <= 3; nth++ {
				name := fmt.Sprintf("%s/%s/call %d", cbKindNames[kind], c.name, nth)
				s := newCbSchema(t)
				var want string
				out, ok := cbRunUpdate(s.db, func(tx *memrel.Tx) error {
					if err := cbPrior(tx, s); err != nil {
						return err
					}
					before := tx.Dump()
					s.traps.arm(kind, cbPanic, nth)
					err := panics(func() error { return c.op(tx, s) })
					s.traps.disarm()
					if !s.traps.fired.Load() {
						return errNotFired
					}
					reached[kind] = true
					if !errors.Is(err, errPanicked) {
						t.Errorf("%s: err = %v, want the panic", name, err)
					}
					if after := tx.Dump(); after != before {
						t.Errorf("%s: the operation that panicked changed the transaction:\n%s", name, diffLines(before, after))
					}
					if err := tx.Check(); err != nil {
						t.Errorf("%s: tx.Check: %v", name, err)
					}
					// Usable: the same operation now succeeds (or is refused
					// cleanly), and the transaction commits.
					if err := c.op(tx, s); err != nil {
						t.Errorf("%s: the operation again, unarmed: %v", name, err)
					}
					if err := tx.Check(); err != nil {
						t.Errorf("%s: tx.Check after the operation again: %v", name, err)
					}
					want = tx.Dump()
					return nil
				}, 5*time.Second)
				if !ok {
					t.Errorf("%s: db.Update did not return within 5s", name)
					continue
				}
				if errors.Is(out.err, errNotFired) {
					continue
				}
				if !out.returned || out.err != nil {
					t.Errorf("%s: Update: %+v", name, out)
					continue
				}
				if got := dumpDB(s.db); got != want {
					t.Errorf("%s: the committed state differs from the transaction's:\n%s", name, diffLines(want, got))
				}
				if err := s.db.Check(); err != nil {
					t.Errorf("%s: db.Check: %v", name, err)
				}
			}
		}
	}
	for kind := range cbKinds {
		if kind != cbFn && kind != cbFKRef && !reached[kind] {
			t.Errorf("no operation reached the %s callback", cbKindNames[kind])
		}
	}
}

// TestConcurrencyCallbacksGetCopies: a callback that writes to the row it
// is given must not change a stored row, in a write transaction or in
// concurrent readers' Check (which calls the predicates, key functions and
// accessors on every stored row).
func TestConcurrencyCallbacksGetCopies(t *testing.T) {
	for kind := range cbKinds {
		if kind == cbDefaults || kind == cbFill || kind == cbModify || kind == cbFn || kind == cbSetFunc || kind == cbM2MFill {
			continue // given the row to fill or change, or no row at all
		}
		for _, c := range cbOps {
			name := fmt.Sprintf("%s/%s", cbKindNames[kind], c.name)
			s := newCbSchema(t)
			_, ok := cbRunUpdate(s.db, func(tx *memrel.Tx) error {
				s.traps.arm(kind, cbScribble, 0)
				err := c.op(tx, s)
				s.traps.disarm()
				if err != nil {
					t.Errorf("%s: %v", name, err)
				}
				if d := scribbled(tx.Dump()); d != "" {
					t.Errorf("%s: a callback's write reached a stored row:\n%s", name, d)
				}
				if err := tx.Check(); err != nil {
					t.Errorf("%s: tx.Check: %v", name, err)
				}
				return errBoom // discarded: what follows starts from the fixture
			}, 5*time.Second)
			if !ok {
				t.Fatalf("%s: db.Update did not return within 5s", name)
			}
			// Check, which calls every callback on every stored row.
			_, ok = cbRunUpdate(s.db, func(tx *memrel.Tx) error {
				s.traps.arm(kind, cbScribble, 0)
				err := tx.Check()
				s.traps.disarm()
				if err != nil {
					t.Errorf("%s: tx.Check: %v", name, err)
				}
				if d := scribbled(tx.Dump()); d != "" {
					t.Errorf("%s, then tx.Check: a callback's write reached a stored row:\n%s", name, d)
				}
				return nil
			}, 5*time.Second)
			if !ok {
				t.Fatalf("%s: db.Update did not return within 5s", name)
			}
		}
	}
}

// scribbled is the lines of a Dump that a scribbling callback wrote.
func scribbled(dump string) string {
	var b strings.Builder
	for line := range strings.Lines(dump) {
		if strings.Contains(line, "scribbled") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// TestConcurrencyCallbacksGetCopiesReaders: readers run Check (which calls
// the check predicates on every stored row) and Where with callbacks that
// write to their row, while a writer updates the rows.
func TestConcurrencyCallbacksGetCopiesReaders(t *testing.T) {
	s := newCbSchema(t)
	// Readers run Check with every callback scribbling, while a writer
	// updates the rows: a callback given a stored row would race with the
	// other readers and show in the Dump.
	s.traps.arm(cbCheck, cbScribble, 0)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				tx := s.db.BeginRead()
				if err := tx.Check(); err != nil {
					t.Errorf("reader %d: Check: %v", r, err)
				}
				for range s.items.Where(tx, func(it *cbItem) bool { it.Memo = "scribbled"; return true }) {
				}
				if d := scribbled(tx.Dump()); d != "" {
					t.Errorf("reader %d: a callback's write reached a stored row:\n%s", r, d)
					tx.Abort()
					return
				}
				tx.Abort()
			}
		}()
	}
	for i := range 50 {
		if err := s.db.Update(func(tx *memrel.Tx) error {
			_, err := s.items.Modify(tx, int64(1+i%6), func(it *cbItem) error { it.Qty = int64(i); return nil })
			return err
		}); err != nil {
			t.Error(err)
			break
		}
	}
	close(stop)
	wg.Wait()
	s.traps.disarm()
	if !s.traps.fired.Load() {
		t.Error("the scribbling check predicate was never called")
	}
	if d := scribbled(dumpDB(s.db)); d != "" {
		t.Errorf("a callback's write reached a stored row:\n%s", d)
	}
	if err := s.db.Check(); err != nil {
		t.Fatal(err)
	}
}
