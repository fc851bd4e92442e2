package replicate_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/replicate"
)

func TestWritesReplicate(t *testing.T) {
	c := newCluster(t, 3, nil)
	leader := c.leader()
	var after []string
	writes := []func(tx *memrel.Tx) error{
		func(tx *memrel.Tx) error {
			ann, err := Users.Insert(tx, User{Name: "ann"})
			if err != nil {
				return err
			}
			for _, title := range []string{"one", "two"} {
				if _, err := Posts.Insert(tx, Post{AuthorID: ann.ID, Title: title}); err != nil {
					return err
				}
			}
			return tx.AfterCommit(func(cs *memrel.ChangeSet) { after = append(after, fmt.Sprint(cs.Len(), " rows")) })
		},
		func(tx *memrel.Tx) error { _, err := Users.Insert(tx, User{Name: "bob"}); return err },
		func(tx *memrel.Tx) error {
			_, err := Users.Modify(tx, 2, func(u *User) error { u.Name = "bobby"; return nil })
			return err
		},
		// A cascade: ann's posts go with her, as rows of the change set.
		func(tx *memrel.Tx) error { _, err := Users.Delete(tx, 1); return err },
		// Only a sequence moves.
		func(tx *memrel.Tx) error {
			u, err := Users.Insert(tx, User{Name: "tmp"})
			if err != nil {
				return err
			}
			_, err = Users.Delete(tx, u.ID)
			return err
		},
	}
	var last uint64
	for i, w := range writes {
		index, err := leader.node.Update(ctxT(t), w)
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if index <= last {
			t.Errorf("write %d: index %d after %d", i, index, last)
		}
		last = index
		c.converged(index)
	}
	if len(after) != 1 || after[0] != "3 rows" {
		t.Errorf("AfterCommit ran %v on the leader, want once with 3 rows", after)
	}
	// The sequence travelled: the next key is 4 on every node.
	index := insertUser(t, leader.node, "cid")
	for _, m := range c.members {
		savedAt(t, m.node, index)
		var u User
		_ = m.node.View(func(tx *memrel.Tx) error { u, _ = Users.Get(tx, 4); return nil })
		if u.Name != "cid" {
			t.Errorf("%s: user 4 is %+v, want cid", m.id, u)
		}
		if err := m.node.DB().Check(); err != nil {
			t.Errorf("%s: %v", m.id, err)
		}
	}
	// A write that changes nothing enters no log.
	before := leader.node.Raft().LastIndex()
	if _, err := leader.node.Update(ctxT(t), func(tx *memrel.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if got := leader.node.Raft().LastIndex(); got != before {
		t.Errorf("an empty write moved the log from %d to %d", before, got)
	}
}

func TestFollowersRefuseWritesNamingTheLeader(t *testing.T) {
	c := newCluster(t, 3, nil)
	leader := c.leader()
	for _, f := range c.followers(leader) {
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if id, _ := f.node.Leader(); id != "" {
				break // the first heartbeat came
			}
		}
		_, err := f.node.Update(ctxT(t), func(tx *memrel.Tx) error { _, err := Users.Insert(tx, User{Name: "x"}); return err })
		var nl *replicate.NotLeaderError
		if !errors.As(err, &nl) || !errors.Is(err, replicate.ErrNotLeader) {
			t.Fatalf("%s: Update: %v, want a NotLeaderError", f.id, err)
		}
		if nl.LeaderID != leader.id || nl.LeaderAddress != raft.ServerAddress(leader.id) {
			t.Errorf("%s: the error names %s at %s, want %s", f.id, nl.LeaderID, nl.LeaderAddress, leader.id)
		}
		if err := f.node.ViewLinearizable(ctxT(t), func(*memrel.Tx) error { return nil }); !errors.Is(err, replicate.ErrNotLeader) {
			t.Errorf("%s: ViewLinearizable: %v, want ErrNotLeader", f.id, err)
		}
		if err := f.node.AddVoter(ctxT(t), "x", "x"); !errors.Is(err, replicate.ErrNotLeader) {
			t.Errorf("%s: AddVoter: %v, want ErrNotLeader", f.id, err)
		}
		if err := f.node.RemoveServer(ctxT(t), "x"); !errors.Is(err, replicate.ErrNotLeader) {
			t.Errorf("%s: RemoveServer: %v, want ErrNotLeader", f.id, err)
		}
	}
	if got := userNames(t, leader.node); len(got) != 0 {
		t.Errorf("the leader holds %v", got)
	}
}

func TestReads(t *testing.T) {
	c := newCluster(t, 3, nil)
	leader := c.leader()
	index := insertUser(t, leader.node, "ann")
	// Linearizable on the leader: every write Update returned is there.
	err := leader.node.ViewLinearizable(ctxT(t), func(tx *memrel.Tx) error {
		if !Users.Has(tx, 1) {
			t.Error("a linearizable read misses a returned write")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// At an index, on a follower: its own write.
	f := c.followers(leader)[0]
	if err := f.node.ViewAt(ctxT(t), index, func(tx *memrel.Tx) error {
		if !Users.Has(tx, 1) {
			t.Error("ViewAt misses the write it waited for")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if f.node.AppliedIndex() < index {
		t.Errorf("AppliedIndex %d after ViewAt(%d)", f.node.AppliedIndex(), index)
	}
	// An index not reached: ctx ends the wait.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := f.node.ViewAt(ctx, index+1000, func(*memrel.Tx) error { return nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ViewAt of a future index: %v, want DeadlineExceeded", err)
	}
	if id, _ := f.node.Leader(); id != leader.id {
		t.Errorf("the follower knows %s as leader, want %s", id, leader.id)
	}
}

func TestRefusedWriteNeverEntersTheLog(t *testing.T) {
	c := newCluster(t, 3, nil)
	leader := c.leader()
	index := insertUser(t, leader.node, "ann")
	c.converged(index)
	last := leader.node.Raft().LastIndex()
	refusals := []struct {
		name   string
		fn     func(tx *memrel.Tx) error
		target error
	}{
		{"unique", func(tx *memrel.Tx) error { _, err := Users.Insert(tx, User{Name: "ann"}); return err }, memrel.ErrUnique},
		{"foreign key", func(tx *memrel.Tx) error { _, err := Posts.Insert(tx, Post{AuthorID: 9, Title: "t"}); return err }, memrel.ErrForeignKey},
		{"check", func(tx *memrel.Tx) error { _, err := Posts.Insert(tx, Post{AuthorID: 1}); return err }, memrel.ErrCheck},
		{"fn's error", func(tx *memrel.Tx) error {
			if _, err := Users.Insert(tx, User{Name: "bob"}); err != nil {
				return err
			}
			return context.Canceled
		}, context.Canceled},
		{"deferred key, at commit", func(tx *memrel.Tx) error {
			if err := tx.DeferForeignKeys(); err != nil {
				return err
			}
			_, err := Posts.Insert(tx, Post{AuthorID: 9, Title: "t"})
			return err
		}, memrel.ErrForeignKey},
	}
	for _, r := range refusals {
		if _, err := leader.node.Update(ctxT(t), r.fn); !errors.Is(err, r.target) {
			t.Errorf("%s: %v, want %v", r.name, err, r.target)
		}
	}
	if got := leader.node.Raft().LastIndex(); got != last {
		t.Errorf("refused writes moved the log from %d to %d", last, got)
	}
	saved := c.converged(index)
	if again := insertUser(t, leader.node, "bob"); again != last+1 {
		t.Errorf("the next write has index %d, want %d", again, last+1)
	}
	_ = saved
}

// Writes stream into the leader while it is shut down: a new leader is
// elected, every acknowledged write is on every node left, and the old
// leader applied nothing the cluster did not commit.
func TestLeaderLoss(t *testing.T) {
	c := newCluster(t, 3, nil)
	old := c.leader()
	var (
		mu    sync.Mutex
		acked []string
		tried = map[string]bool{}
	)
	write := func(n *replicate.Node, name string) error {
		mu.Lock()
		tried[name] = true
		mu.Unlock()
		_, err := n.Update(ctxT(t), func(tx *memrel.Tx) error { _, err := Users.Insert(tx, User{Name: name}); return err })
		if err == nil {
			mu.Lock()
			acked = append(acked, name)
			mu.Unlock()
		}
		return err
	}
	stream := make(chan struct{})
	go func() {
		defer close(stream)
		for i := 0; ; i++ {
			if err := write(old.node, fmt.Sprintf("old%d", i)); err != nil {
				return // shut down under it
			}
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 10 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.stop(old)
	<-stream
	leader := c.leader(old)
	var index uint64
	for i := range 5 {
		name := fmt.Sprintf("new%d", i)
		if err := write(leader.node, name); err != nil {
			t.Fatalf("%s on the new leader: %v", name, err)
		}
		index = leader.node.AppliedIndex()
	}
	c.converged(index)
	have := userNames(t, leader.node)
	mu.Lock()
	defer mu.Unlock()
	if len(acked) < 15 {
		t.Fatalf("only %d writes acknowledged", len(acked))
	}
	for _, name := range acked {
		if !have[name] {
			t.Errorf("acknowledged write %s is lost", name)
		}
	}
	for name := range have {
		if !tried[name] {
			t.Errorf("%s was never written", name)
		}
	}
	// The old leader applied only committed entries: all of them are in
	// the cluster's state.
	for name := range userNames(t, old.node) {
		if !have[name] {
			t.Errorf("the old leader applied %s, which the cluster never committed", name)
		}
	}
}

// A node cut off while writes go on catches up from the log when it comes
// back.
func TestCatchUpByLog(t *testing.T) {
	c := newCluster(t, 3, nil)
	leader := c.leader()
	lagging := c.followers(leader)[0]
	c.isolate(lagging)
	var index uint64
	for i := range 20 {
		index = insertUser(t, leader.node, fmt.Sprintf("u%d", i))
	}
	if lagging.node.AppliedIndex() >= index {
		t.Fatal("the isolated node applied writes")
	}
	c.heal(lagging)
	c.converged(index)
	// And it follows the writes after.
	c.converged(insertUser(t, c.leader().node, "after"))
}

// A node down while the log is compacted catches up from a snapshot, then
// from the log after it.
func TestCatchUpBySnapshot(t *testing.T) {
	c := newCluster(t, 3, func(cfg *raft.Config) { cfg.TrailingLogs = 2 })
	leader := c.leader()
	down := c.followers(leader)[0]
	insertUser(t, leader.node, "before")
	c.stop(down)
	for i := range 30 {
		insertUser(t, leader.node, fmt.Sprintf("u%d", i))
	}
	if err := leader.node.Raft().Snapshot().Error(); err != nil {
		t.Fatal(err)
	}
	first, err := leader.store.FirstIndex()
	if err != nil {
		t.Fatal(err)
	}
	last, _ := down.store.LastIndex()
	if first <= last+1 {
		t.Fatalf("the leader's log starts at %d, the stopped node's ends at %d: not compacted", first, last)
	}
	c.start(down)
	index := insertUser(t, leader.node, "after")
	c.converged(index)
	snaps, err := down.snaps.List()
	if err != nil || len(snaps) == 0 {
		t.Errorf("the node caught up without a snapshot (%v)", err)
	}
	if err := down.node.DB().Check(); err != nil {
		t.Error(err)
	}
	// It goes on with the log.
	index = insertUser(t, leader.node, "later")
	c.converged(index)
}

// A leader cut off from the majority cannot commit: its write fails, the
// majority elects a leader and goes on, and once healed the old leader
// holds the majority's state, without its own write.
func TestMinorityCannotCommit(t *testing.T) {
	c := newCluster(t, 3, nil)
	old := c.leader()
	insertUser(t, old.node, "ann")
	c.isolate(old)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := old.node.Update(ctx, func(tx *memrel.Tx) error { _, err := Users.Insert(tx, User{Name: "lost"}); return err })
	if err == nil {
		t.Fatal("the isolated leader committed a write")
	}
	leader := c.leader(old)
	index := insertUser(t, leader.node, "bob")
	c.heal(old)
	c.converged(index)
	if have := userNames(t, old.node); have["lost"] || !have["bob"] {
		t.Errorf("after healing, the old leader holds %v", have)
	}
	if _, err := old.node.Update(ctxT(t), func(tx *memrel.Tx) error { return nil }); !errors.Is(err, replicate.ErrNotLeader) && !old.node.IsLeader() {
		t.Errorf("the old leader writes again: %v", err)
	}
}

func TestConflictingEntryRefusedEverywhere(t *testing.T) {
	c := newCluster(t, 3, nil)
	leader := c.leader()
	insertUser(t, leader.node, "ann")
	// An entry computed against an older state (base 0, while a write
	// was applied since), entered by hand, is refused by every node alike.
	db := openDB(t)
	p, err := memrel.Propose(ctxT(t), db, func(tx *memrel.Tx) error { _, err := Users.Insert(tx, User{Name: "stale"}); return err })
	if err != nil {
		t.Fatal(err)
	}
	data, err := p.Encode([]byte{1, 'c', 0})
	if err != nil {
		t.Fatal(err)
	}
	fut := leader.node.Raft().Apply(data, time.Second)
	if err := fut.Error(); err != nil {
		t.Fatal(err)
	}
	c.converged(fut.Index())
	if userNames(t, leader.node)["stale"] {
		t.Error("a stale entry was applied")
	}
	// Garbage, a wrong entry version, a truncated change set: refused alike.
	for _, bad := range [][]byte{{9}, {2, 'c', 0}, {1, 'x'}, append([]byte{1, 'c', 2}, data[3:len(data)-3]...)} {
		fut := leader.node.Raft().Apply(bad, time.Second)
		if err := fut.Error(); err != nil {
			t.Fatal(err)
		}
		c.converged(fut.Index())
	}
	index := insertUser(t, leader.node, "bob")
	c.converged(index)
	for _, m := range c.members {
		if err := m.node.Err(); err != nil {
			t.Errorf("%s halted: %v", m.id, err)
		}
	}
}

// An entry that reaches the log between the state a write was computed
// against and the write itself makes every node refuse the write; Update
// runs the function again, against the new state.
func TestUpdateRetriesAfterAConflict(t *testing.T) {
	c := newCluster(t, 3, nil)
	leader := c.leader()
	calls, index, err := conflictingUpdate(t, leader.node)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("fn ran %d times, want 2", calls)
	}
	c.converged(index)
	have := userNames(t, leader.node)
	if !have["first"] || !have["mine2"] || have["mine1"] || len(have) != 3 {
		t.Errorf("users %v, want ann, first, mine2", have)
	}
}

func TestUpdateWithoutRetries(t *testing.T) {
	c := &cluster{t: t, open: openDB, retries: -1}
	m := &member{id: "solo", store: raft.NewInmemStore(), snaps: raft.NewDiscardSnapshotStore()}
	c.members = []*member{m}
	c.start(m)
	t.Cleanup(func() { _ = m.node.Shutdown() })
	if err := m.node.Bootstrap(raft.Server{ID: m.id, Address: raft.ServerAddress(m.id)}); err != nil {
		t.Fatal(err)
	}
	c.leader()
	calls, _, err := conflictingUpdate(t, m.node)
	if !errors.Is(err, replicate.ErrConflict) || calls != 1 {
		t.Errorf("Update: %v after %d calls, want ErrConflict after 1", err, calls)
	}
	if userNames(t, m.node)["mine1"] {
		t.Error("the refused write was applied")
	}
}

// conflictingUpdate writes ann, then a write during which another write,
// computed against the same state, enters the log first (as an older
// leader's entry would).
func conflictingUpdate(t *testing.T, n *replicate.Node) (calls int, index uint64, err error) {
	base := insertUser(t, n, "ann")
	var injected raft.ApplyFuture
	index, err = n.Update(ctxT(t), func(tx *memrel.Tx) error {
		calls++
		if calls == 1 {
			p, err := memrel.Propose(ctxT(t), n.DB().Snapshot(), func(tx *memrel.Tx) error {
				_, err := Users.Insert(tx, User{Name: "first"})
				return err
			})
			if err != nil {
				return err
			}
			data, err := p.Encode(binary.AppendUvarint([]byte{1, 'c'}, base))
			if err != nil {
				return err
			}
			injected = n.Raft().Apply(data, 0)
		}
		_, err := Users.Insert(tx, User{Name: fmt.Sprint("mine", calls)})
		return err
	})
	if ierr := injected.Error(); ierr != nil {
		t.Fatal(ierr)
	}
	return calls, index, err
}

// A ViewAt waiting for an index that a node will never apply, since it
// is shut down, returns raft.ErrRaftShutdown rather than waiting for a
// context that may have no deadline.
func TestViewAtEndsAtShutdown(t *testing.T) {
	c := newCluster(t, 3, nil)
	leader := c.leader()
	f := c.followers(leader)[0]
	index := insertUser(t, leader.node, "ann")
	c.converged(index)
	done := make(chan error, 1)
	go func() {
		done <- f.node.ViewAt(context.Background(), index+1000, func(*memrel.Tx) error { return nil })
	}()
	time.Sleep(20 * time.Millisecond) // ViewAt is waiting (or will find the node shut down)
	c.stop(f)
	select {
	case err := <-done:
		if !errors.Is(err, raft.ErrRaftShutdown) {
			t.Errorf("ViewAt on a node shut down: %v, want raft.ErrRaftShutdown", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ViewAt still waits 5 s after Shutdown")
	}
	// Reads of the state it has go on.
	if err := f.node.ViewAt(context.Background(), index, func(*memrel.Tx) error { return nil }); err != nil {
		t.Errorf("ViewAt of an index applied before Shutdown: %v", err)
	}
}

// A node that is shut down says so, rather than that it is not the leader
// (which sends a client looking for one).
func TestShutDownNodeSaysSo(t *testing.T) {
	c := newCluster(t, 3, nil)
	leader := c.leader()
	c.stop(leader)
	if _, err := leader.node.Update(ctxT(t), func(*memrel.Tx) error { return nil }); !errors.Is(err, raft.ErrRaftShutdown) {
		t.Errorf("Update: %v, want raft.ErrRaftShutdown", err)
	}
	if err := leader.node.ViewLinearizable(ctxT(t), func(*memrel.Tx) error { return nil }); !errors.Is(err, raft.ErrRaftShutdown) {
		t.Errorf("ViewLinearizable: %v, want raft.ErrRaftShutdown", err)
	}
	if err := leader.node.AddVoter(ctxT(t), "x", "x"); !errors.Is(err, raft.ErrRaftShutdown) {
		t.Errorf("AddVoter: %v, want raft.ErrRaftShutdown", err)
	}
	if err := leader.node.RemoveServer(ctxT(t), "x"); !errors.Is(err, raft.ErrRaftShutdown) {
		t.Errorf("RemoveServer: %v, want raft.ErrRaftShutdown", err)
	}
}

// A write that is refused only once its rows went through JSON (two names
// that differ only in invalid UTF-8, which JSON replaces with U+FFFD,
// collide under the unique constraint) passes fn's checks, but the
// leader's dry run of the bytes refuses it: nothing enters the log, and
// Update returns the refusal.
func TestWriteRefusedAfterJSONIsRefusedEverywhere(t *testing.T) {
	c := newCluster(t, 3, nil)
	leader := c.leader()
	want := c.converged(insertUser(t, leader.node, "ann"))
	last := leader.node.Raft().LastIndex()
	_, err := leader.node.Update(ctxT(t), func(tx *memrel.Tx) error {
		for _, name := range []string{"\xff", "\xfe"} {
			if _, err := Users.Insert(tx, User{Name: name}); err != nil {
				return err
			}
		}
		return nil
	})
	if !errors.Is(err, memrel.ErrUnique) {
		t.Errorf("Update: %v, want ErrUnique", err)
	}
	// Refused on the leader, by a dry run of the bytes every node would
	// apply: nothing entered the log.
	if got := leader.node.Raft().LastIndex(); got != last {
		t.Errorf("the log moved from index %d to %d: the refused write entered it", last, got)
	}
	if got := c.converged(leader.node.Raft().LastIndex()); !bytes.Equal(got, want) {
		t.Error("the refused write changed the state")
	}
	// A single such name is written as JSON carries it.
	c.converged(insertUser(t, leader.node, "\xff"))
	if !userNames(t, leader.node)["\uFFFD"] {
		t.Errorf("users %v, want the invalid byte replaced", userNames(t, leader.node))
	}
}
