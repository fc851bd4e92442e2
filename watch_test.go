package memrel_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/memrel-go/memrel"
)

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Each kind of watch is closed by the commit that changes what it read,
// and not by one that changes something else, nor by a discarded
// transaction.
func TestWatchesFireOnWhatTheyRead(t *testing.T) {
	f := chOpen(t)
	f.db.Update(func(tx *memrel.Tx) error {
		f.users.Insert(tx, chUser{Name: "ann"})
		f.users.Insert(tx, chUser{Name: "bob"})
		f.posts.Insert(tx, chPost{AuthorID: 1, Title: "a"})
		_, err := f.posts.Insert(tx, chPost{AuthorID: 2, Title: "b"})
		return err
	})
	byTitle := f.titles
	read := f.db.BeginRead()
	ann := f.users.WatchKey(read, 1)
	bob := f.users.WatchKey(read, 2)
	annPosts := f.author.WatchChildren(read, 1)
	bobPosts := f.author.WatchChildren(read, 2)
	titlesAB := byTitle.WatchRange(read, "a", "b")
	titlesC := byTitle.WatchRange(read, "c", "d")
	posts := f.posts.Watch(read)
	read.Abort()

	f.db.Update(func(tx *memrel.Tx) error { f.users.Insert(tx, chUser{Name: "x"}); return errors.New("discarded") })
	if closed(ann) || closed(bob) || closed(posts) {
		t.Fatal("a discarded transaction fired a watch")
	}
	f.db.Update(func(tx *memrel.Tx) error {
		_, err := f.posts.Modify(tx, 1, func(p *chPost) error { p.Title = "c"; return nil }) // ann's post: a -> c
		return err
	})
	for name, c := range map[string]struct {
		ch   <-chan struct{}
		want bool
	}{
		"ann's row": {ann, false}, "bob's row": {bob, false},
		"ann's posts": {annPosts, true}, "bob's posts": {bobPosts, false},
		"titles [a, b)": {titlesAB, true}, "titles [c, d)": {titlesC, true}, "posts": {posts, true},
	} {
		if closed(c.ch) != c.want {
			t.Errorf("%s: closed %v, want %v", name, closed(c.ch), c.want)
		}
	}
	f.db.Update(func(tx *memrel.Tx) error { _, err := f.users.Delete(tx, 2); return err }) // bob and his post
	if !closed(bob) || !closed(bobPosts) || closed(ann) {
		t.Errorf("after bob's delete: bob %v, bob's posts %v, ann %v", closed(bob), closed(bobPosts), closed(ann))
	}
}

// A watch taken by a read whose state commits have passed is closed at
// once: nothing that changed in between can be missed.
func TestWatchOfAStaleRead(t *testing.T) {
	f := chOpen(t)
	read := f.db.BeginRead()
	defer read.Abort()
	f.db.Update(func(tx *memrel.Tx) error { _, err := f.users.Insert(tx, chUser{Name: "ann"}); return err })
	if !closed(f.users.WatchKey(read, 1)) {
		t.Error("a watch from a read older than the last commit waits")
	}
}

// Readers that read, watch and wait see every change a concurrent writer
// makes (the last value at least), and wait with a context; no goroutine
// is left behind.
func TestWatchUnderConcurrentWriters(t *testing.T) {
	f := chOpen(t)
	f.db.Update(func(tx *memrel.Tx) error { _, err := f.users.Insert(tx, chUser{Name: "0"}); return err })
	before := runtime.NumGoroutine()
	const last = 200
	done := make(chan error, 3)
	for range 3 {
		go func() {
			for {
				tx := f.db.BeginRead()
				u, _ := f.users.Get(tx, 1)
				ch := f.users.WatchKey(tx, 1)
				tx.Abort()
				if u.Name == fmt.Sprint(last) {
					done <- nil
					return
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				err := memrel.Wait(ctx, ch)
				cancel()
				if err != nil {
					done <- fmt.Errorf("no change seen at %s: %w", u.Name, err)
					return
				}
			}
		}()
	}
	for i := 1; i <= last; i++ {
		f.db.Update(func(tx *memrel.Tx) error {
			_, err := f.users.Modify(tx, 1, func(u *chUser) error { u.Name = fmt.Sprint(i); return nil })
			return err
		})
	}
	for range 3 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tx := f.db.BeginRead()
	if err := memrel.Wait(ctx, f.users.WatchKey(tx, 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait with an ended context: %v", err)
	}
	tx.Abort()
	time.Sleep(10 * time.Millisecond)
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines after, %d before: watches left some behind", after, before)
	}
}
