package store

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// ErrChangesGone is returned by DB.ChangesSince when the changes asked for
// are older than those the DB keeps: the consumer must reload its state
// from a snapshot (a read transaction), then ask again from its revision.
var ErrChangesGone = errors.New("changes no longer kept")

// Commit is one committed write transaction: its revision and its change
// set.
type Commit struct {
	Revision uint64
	Changes  *ChangeSet
}

// feed counts a DB's commits and keeps the change sets of the last ones (see
// KeepChanges).
type feed struct {
	// rev is the number of commits; seq is odd while a commit makes its
	// state visible and moves rev, so that a reader can take a state and
	// its revision together without a lock (a sequence lock).
	rev, seq atomic.Uint64

	// more is made by the first KeepChanges or watch: a DB (or a fork)
	// that uses neither never pays for it, and a commit sees it is nil
	// without a lock.
	more atomic.Pointer[feedMore]
}

// feedMore is the part of a feed that observers use.
type feedMore struct {
	watch watches // the watches waiting for a commit

	mu    sync.Mutex
	keep  int      // how many commits to keep; 0: none
	since uint64   // the revision from which the kept commits follow
	hist  []Commit // the kept commits, oldest first
}

// extra returns the feed's feedMore, made if need be.
func (f *feed) extra() *feedMore {
	if m := f.more.Load(); m != nil {
		return m
	}
	f.more.CompareAndSwap(nil, &feedMore{})
	return f.more.Load()
}

// KeepChanges makes the DB keep the change sets of its last n commits, for
// ChangesSince (statedb's change iterators, Consul's blocking queries): a
// consumer that reads its state at some revision (Tx.Revision) can then
// catch up with what changed since, without holding writers back. Keeping
// costs the change set of every commit (the rows it wrote, in memory until
// n more commits have come). n = 0 (the default) keeps none, at no cost.
func (db *DB) KeepChanges(n int) {
	f := db.feed.extra()
	f.mu.Lock()
	defer f.mu.Unlock()
	if n <= 0 {
		f.keep, f.hist = 0, nil
		return
	}
	if f.keep == 0 {
		tx := db.BeginRead()
		f.since = tx.Revision()
		tx.Abort()
	}
	f.keep = n
	if len(f.hist) > n {
		f.since = f.hist[len(f.hist)-n-1].Revision
		f.hist = append([]Commit(nil), f.hist[len(f.hist)-n:]...)
	}
}

// ChangesSince returns the commits after revision rev, oldest first (none
// if rev is the latest). If some of them are no longer kept (or the DB
// keeps none, see KeepChanges), it returns an error wrapping ErrChangesGone
// instead, never a partial list.
func (db *DB) ChangesSince(rev uint64) ([]Commit, error) {
	f := db.feed.extra()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.keep == 0 || rev < f.since {
		return nil, fmt.Errorf("memrel: changes since revision %d: %w (kept: after revision %d, %d commits at most; reload from a snapshot)", rev, ErrChangesGone, f.since, f.keep)
	}
	var out []Commit
	for _, c := range f.hist {
		if c.Revision > rev {
			out = append(out, c)
		}
	}
	return out, nil
}

// record adds a commit to the kept ones; the writer calls it before it is
// released, so commits come in order.
func (f *feed) record(rev uint64, cs *ChangeSet) {
	m := f.more.Load()
	if m == nil {
		return
	}
	m.record(rev, cs)
}

func (f *feedMore) record(rev uint64, cs *ChangeSet) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.keep == 0 {
		return
	}
	f.hist = append(f.hist, Commit{Revision: rev, Changes: cs})
	if len(f.hist) > f.keep {
		f.since = f.hist[0].Revision
		f.hist = f.hist[1:]
	}
}

// keeping reports whether commits are kept.
func (f *feed) keeping() bool {
	m := f.more.Load()
	if m == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.keep > 0
}

// watching reports whether a watch waits for a commit.
func (f *feed) watching() bool {
	m := f.more.Load()
	return m != nil && m.watch.active()
}

// read runs take (which takes a state of the DB) and sets *rev to the
// revision of that state, retrying if a commit came between.
func (f *feed) read(take func(), rev *uint64) {
	for {
		s := f.seq.Load()
		if s%2 == 1 {
			runtime.Gosched() // a commit is under way: it takes nanoseconds
			continue
		}
		take()
		*rev = f.rev.Load()
		if f.seq.Load() == s {
			return
		}
	}
}

// publish makes a commit visible (commit) and moves the revision, as one
// step for readers; the writer calls it.
func (f *feed) publish(commit func()) uint64 {
	f.seq.Add(1)
	commit()
	rev := f.rev.Add(1)
	f.seq.Add(1)
	return rev
}

// Revision is the revision of the state the transaction reads: the number
// of write transactions committed before it began (a write transaction's
// own commit gets Revision()+1).
func (tx *Tx) Revision() uint64 { return tx.rev }
