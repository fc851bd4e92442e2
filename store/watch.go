package store

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"sync"
)

// Watches: a read can return a channel that is closed once a commit
// changes what it read (go-memdb's FirstWatch and WatchSet, Consul's
// blocking queries). A channel is closed at most once, by the first commit
// that matches, and may also be closed at once, when commits came between
// the state the transaction reads and the watch (read again, then watch
// again). No goroutine is started per watch: a watch is a closure in a
// list, until a commit closes its channel.

type watcher struct {
	t     *TableInfo
	match func(old, new any) bool // nil: any change to t
	ch    chan struct{}
}

type watches struct {
	mu   sync.Mutex
	list []*watcher
}

// watch registers a watch of the rows of t that match (any row for nil)
// and returns its channel.
func (tx *Tx) watch(t *TableInfo, match func(old, new any) bool) <-chan struct{} {
	tx.mustRead(t)
	ch := make(chan struct{})
	w := &tx.db.feed.extra().watch
	w.mu.Lock()
	defer w.mu.Unlock()
	// A commit publishes its revision before it fires the watches (under
	// w.mu): a revision past tx's means the state moved on since tx read it.
	if tx.db.feed.rev.Load() != tx.rev && !tx.write {
		close(ch)
		return ch
	}
	w.list = append(w.list, &watcher{t: t, match: match, ch: ch})
	return ch
}

// active reports whether any watch waits.
func (w *watches) active() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.list) > 0
}

// fire closes the channels of the watches that cs matches.
func (w *watches) fire(cs *ChangeSet) {
	w.mu.Lock()
	defer w.mu.Unlock()
	kept := w.list[:0]
	for _, wt := range w.list {
		if cs.matches(wt) {
			close(wt.ch)
		} else {
			kept = append(kept, wt)
		}
	}
	clear(w.list[len(kept):])
	w.list = kept
}

func (cs *ChangeSet) matches(w *watcher) bool {
	for _, tc := range cs.tables {
		if tc.t != w.t {
			continue
		}
		if w.match == nil {
			return true
		}
		for _, c := range tc.rows {
			if w.match(c.old, c.new) {
				return true
			}
		}
	}
	return false
}

// Watch returns a channel that is closed once a commit changes any row of
// the table (see WatchKey for one row).
func (t *Table[T, K]) Watch(tx *Tx) <-chan struct{} {
	return tx.watch(t.info, nil)
}

// WatchKey returns a channel that is closed once a commit inserts, updates
// or deletes the row with key k: read the row, then wait on the channel for
// its next change.
func (t *Table[T, K]) WatchKey(tx *Tx, k K) <-chan struct{} {
	key := t.encodeKey(k)
	var buf []byte // commits match one at a time (under the watches' lock)
	return tx.watch(t.info, func(old, new any) bool {
		row := old
		if row == nil {
			row = new
		}
		buf = t.info.keyBytes(buf[:0], row)
		return bytes.Equal(buf, key)
	})
}

// WatchRange returns a channel that is closed once a commit changes a row
// whose value in the index is in [from, to), before or after the change.
func (ix *Index[T, K, V]) WatchRange(tx *Tx, from, to V) <-chan struct{} {
	lo, hi := ix.key(from), ix.key(to)
	var buf []byte // commits match one at a time (under the watches' lock)
	in := func(obj any) bool {
		if obj == nil {
			return false
		}
		c := *obj.(*T) // the value function gets a copy
		buf, _ = ix.enc.Append(buf[:0], ix.get(&c))
		return bytes.Compare(buf, lo) >= 0 && bytes.Compare(buf, hi) < 0
	}
	return tx.watch(ix.def.table, func(old, new any) bool { return in(old) || in(new) })
}

// Wait blocks until one of chs is closed (nil) or ctx ends (its error). It
// starts no goroutine.
func Wait(ctx context.Context, chs ...<-chan struct{}) error {
	cases := make([]reflect.SelectCase, 0, len(chs)+1)
	cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())})
	for _, ch := range chs {
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ch)})
	}
	if i, _, _ := reflect.Select(cases); i == 0 {
		return fmt.Errorf("memrel: wait: %w", ctx.Err())
	}
	return nil
}
