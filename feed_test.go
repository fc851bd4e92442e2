package memrel_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/memrel-go/memrel"
)

// Every commit gets the next revision; a read sees the revision of the
// state it reads; a snapshot keeps its parent's revision and its own feed.
func TestRevisions(t *testing.T) {
	f := chOpen(t)
	rev := func(db *memrel.DB) uint64 {
		tx := db.BeginRead()
		defer tx.Abort()
		return tx.Revision()
	}
	if r := rev(f.db); r != 0 {
		t.Fatalf("a new DB's revision is %d, want 0", r)
	}
	read := f.db.BeginRead()
	defer read.Abort()
	for i := range 3 {
		f.db.Update(func(tx *memrel.Tx) error { _, err := f.users.Insert(tx, chUser{Name: fmt.Sprint(i)}); return err })
	}
	f.db.Update(func(tx *memrel.Tx) error { return nil }) // an empty commit is a commit
	f.db.Update(func(tx *memrel.Tx) error { return errors.New("discarded") })
	if r := rev(f.db); r != 4 {
		t.Errorf("revision after 4 commits and a discard: %d", r)
	}
	if read.Revision() != 0 {
		t.Errorf("a read that began first sees revision %d, want 0", read.Revision())
	}
	snap := f.db.Snapshot()
	if r := rev(snap); r != 4 {
		t.Errorf("a snapshot's revision %d, want its parent's 4", r)
	}
	if _, err := snap.ChangesSince(4); !errors.Is(err, memrel.ErrChangesGone) {
		t.Errorf("a snapshot that keeps nothing: %v, want ErrChangesGone", err)
	}
}

// A consumer that read its state at some revision catches up with the
// change sets since, in commit order; changes older than those kept are an
// error, never a gap. Checked against the state itself: replaying the
// change sets on the consumer's copy gives the DB's rows.
func TestChangeFeedCatchesUp(t *testing.T) {
	f := chOpen(t)
	f.db.KeepChanges(5)
	rng := rand.New(rand.NewPCG(5, 6))
	// The consumer's copy of users, and the revision it is at.
	mine := map[int64]chUser{}
	var at uint64
	write := func() {
		f.db.Update(func(tx *memrel.Tx) error {
			for range 4 {
				id := int64(rng.IntN(10) + 1)
				switch rng.IntN(3) {
				case 0:
					f.users.Insert(tx, chUser{Name: fmt.Sprint(rng.IntN(1000))})
				case 1:
					f.users.Modify(tx, id, func(u *chUser) error { u.Name += "'"; return nil })
				case 2:
					f.users.Delete(tx, id)
				}
			}
			return nil
		})
	}
	reloads, catchUps := 0, 0
	for round := range 40 {
		for range rng.IntN(8) + 1 { // more than 5 at times: the consumer falls behind
			write()
		}
		commits, err := f.db.ChangesSince(at)
		if err != nil {
			// Fallen behind: reload from a read, as the error says.
			if !errors.Is(err, memrel.ErrChangesGone) {
				t.Fatal(err)
			}
			tx := f.db.BeginRead()
			mine = map[int64]chUser{}
			for u := range f.users.All(tx) {
				mine[u.ID] = u
			}
			at = tx.Revision()
			tx.Abort()
			reloads++
			continue
		}
		catchUps++
		for i, c := range commits {
			if c.Revision != at+uint64(i)+1 {
				t.Fatalf("round %d: commit %d has revision %d after %d", round, i, c.Revision, at)
			}
			for _, ch := range f.users.Changes(c.Changes) {
				if ch.Kind == memrel.Deleted {
					delete(mine, ch.Old.ID)
				} else {
					mine[ch.New.ID] = ch.New
				}
			}
		}
		if len(commits) > 0 {
			at = commits[len(commits)-1].Revision
		}
		want := map[int64]chUser{}
		f.db.View(func(tx *memrel.Tx) error {
			for u := range f.users.All(tx) {
				want[u.ID] = u
			}
			if tx.Revision() != at {
				t.Fatalf("round %d: caught up to %d, the DB is at %d", round, at, tx.Revision())
			}
			return nil
		})
		if !reflect.DeepEqual(mine, want) {
			t.Fatalf("round %d: replayed %v, the DB holds %v", round, mine, want)
		}
	}
	if reloads == 0 || catchUps == 0 {
		t.Errorf("%d reloads and %d catch-ups: the test must see both", reloads, catchUps)
	}
	f.db.KeepChanges(0)
	if _, err := f.db.ChangesSince(at); !errors.Is(err, memrel.ErrChangesGone) {
		t.Errorf("after KeepChanges(0): %v, want ErrChangesGone", err)
	}
}

// A read's revision is the revision of the state it reads, whatever
// commits run beside it: every commit here moves a counter by one, so the
// counter a read sees is its revision.
func TestRevisionMatchesTheStateUnderConcurrentCommits(t *testing.T) {
	f := chOpen(t)
	f.db.Update(func(tx *memrel.Tx) error { _, err := f.users.Insert(tx, chUser{ID: 1, Name: "0"}); return err })
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 2; i <= 300; i++ {
			f.db.Update(func(tx *memrel.Tx) error {
				_, err := f.users.Modify(tx, 1, func(u *chUser) error { u.Name = fmt.Sprint(i - 1); return nil })
				return err
			})
		}
	}()
	check := func(db *memrel.DB, what string) {
		tx := db.BeginRead()
		defer tx.Abort()
		u, _ := f.users.Get(tx, 1)
		if u.Name != fmt.Sprint(tx.Revision()-1) {
			t.Errorf("%s at revision %d reads counter %s", what, tx.Revision(), u.Name)
		}
	}
	for {
		select {
		case <-done:
			check(f.db, "the last read")
			return
		default:
			check(f.db, "a read")
			check(f.db.Snapshot(), "a snapshot")
		}
	}
}
