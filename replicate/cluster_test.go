package replicate_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/replicate"
)

// The schema every test node opens: users, and posts that cascade with
// their author; usernames are unique, a title is never empty.
type User struct {
	ID   int64
	Name string
}

type Post struct {
	ID       int64
	AuthorID int64
	Title    string
}

var (
	Users      = memrel.NewTable("users", func(u *User) *int64 { return &u.ID })
	Posts      = memrel.NewTable("posts", func(p *Post) *int64 { return &p.ID })
	PostAuthor = memrel.ForeignKey(Posts, &memrel.Fields[Post]().AuthorID, Users, memrel.Cascade)
	UniqueName = memrel.Unique(Users, "unique_name", &memrel.Fields[User]().Name)
	TitleSet   = memrel.Check(Posts, "title_set", func(p *Post) bool { return p.Title != "" })
)

func openDB(t testing.TB) *memrel.DB {
	t.Helper()
	db, err := memrel.Open(memrel.Schema{
		Tables:      []memrel.AnyTable{Users, Posts},
		Relations:   []memrel.Relation{PostAuthor},
		Constraints: []memrel.Constraint{UniqueName, TitleSet},
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// testRaftConfig is raft's configuration with timeouts short enough for a
// test suite (a new leader in a few hundred milliseconds), and no
// automatic snapshots: tests take them when they mean to.
func testRaftConfig(id raft.ServerID) *raft.Config {
	c := raft.DefaultConfig()
	c.LocalID = id
	c.HeartbeatTimeout = 100 * time.Millisecond
	c.ElectionTimeout = 100 * time.Millisecond
	c.LeaderLeaseTimeout = 50 * time.Millisecond
	c.CommitTimeout = 5 * time.Millisecond
	c.SnapshotInterval = time.Hour
	c.SnapshotThreshold = 1 << 30
	c.LogOutput = io.Discard
	return c
}

// member is a test node with its in-memory transport and stores, which
// outlive the node: a node restarted on them catches up from them.
type member struct {
	id    raft.ServerID
	node  *replicate.Node
	trans *raft.InmemTransport
	store *raft.InmemStore
	snaps raft.SnapshotStore
	up    bool
}

type cluster struct {
	t       testing.TB
	members []*member
	open    func(testing.TB) *memrel.DB // the DB a (re)started node opens
	tune    func(*raft.Config)
	retries int // Config.Retries of the nodes started from now on
}

// newCluster starts n nodes on in-memory transports, bootstraps them as a
// cluster and waits for a leader.
func newCluster(t testing.TB, n int, tune func(*raft.Config)) *cluster {
	t.Helper()
	c := &cluster{t: t, open: openDB, tune: tune}
	var servers []raft.Server
	for i := range n {
		m := &member{id: raft.ServerID(fmt.Sprintf("node%d", i+1)), store: raft.NewInmemStore(), snaps: raft.NewInmemSnapshotStore()}
		c.members = append(c.members, m)
		servers = append(servers, raft.Server{ID: m.id, Address: raft.ServerAddress(m.id)})
	}
	for _, m := range c.members {
		c.start(m)
	}
	if err := c.members[0].node.Bootstrap(servers...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, m := range c.members {
			if m.up {
				_ = m.node.Shutdown()
			}
		}
	})
	c.leader()
	return c
}

// start (re)starts m on its stores, with a fresh DB and a new transport
// connected to every member that is up.
func (c *cluster) start(m *member) {
	c.t.Helper()
	cfg := testRaftConfig(m.id)
	if c.tune != nil {
		c.tune(cfg)
	}
	_, m.trans = raft.NewInmemTransport(raft.ServerAddress(m.id))
	for _, o := range c.members {
		if o != m && o.trans != nil && o.up {
			m.trans.Connect(o.trans.LocalAddr(), o.trans)
			o.trans.Connect(m.trans.LocalAddr(), m.trans)
		}
	}
	node, err := replicate.New(c.open(c.t), replicate.Config{Raft: cfg, Transport: m.trans,
		LogStore: m.store, StableStore: m.store, Snapshots: m.snaps, Retries: c.retries})
	if err != nil {
		c.t.Fatal(err)
	}
	m.node, m.up = node, true
}

// stop shuts m down; its stores stay.
func (c *cluster) stop(m *member) {
	c.t.Helper()
	if err := m.node.Shutdown(); err != nil {
		c.t.Fatal(err)
	}
	m.up = false
	for _, o := range c.members {
		if o != m && o.trans != nil {
			o.trans.Disconnect(m.trans.LocalAddr())
		}
	}
}

// isolate cuts m off from every other member (both ways); heal reconnects.
func (c *cluster) isolate(m *member) {
	m.trans.DisconnectAll()
	for _, o := range c.members {
		if o != m {
			o.trans.Disconnect(m.trans.LocalAddr())
		}
	}
}

func (c *cluster) heal(m *member) {
	for _, o := range c.members {
		if o != m && o.up {
			m.trans.Connect(o.trans.LocalAddr(), o.trans)
			o.trans.Connect(m.trans.LocalAddr(), m.trans)
		}
	}
}

// leader waits (5 s at most) until exactly one of the members that are up
// and not in skip leads, and returns it.
func (c *cluster) leader(skip ...*member) *member {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		var leaders []*member
	next:
		for _, m := range c.members {
			for _, s := range skip {
				if s == m {
					continue next
				}
			}
			if m.up && m.node.IsLeader() {
				leaders = append(leaders, m)
			}
		}
		if len(leaders) == 1 {
			return leaders[0]
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.t.Fatal("no leader elected within 5s")
	return nil
}

func (c *cluster) followers(leader *member) []*member {
	var out []*member
	for _, m := range c.members {
		if m != leader && m.up {
			out = append(out, m)
		}
	}
	return out
}

// converged waits until every member that is up has applied index, then
// checks that they all hold the same rows and sequences (the same bytes in
// memrel's save format), and returns those bytes.
func (c *cluster) converged(index uint64) []byte {
	c.t.Helper()
	var want []byte
	var first raft.ServerID
	for _, m := range c.members {
		if !m.up {
			continue
		}
		got := savedAt(c.t, m.node, index)
		if want == nil {
			want, first = got, m.id
			continue
		}
		if !bytes.Equal(got, want) {
			c.t.Fatalf("%s and %s differ at index %d:\n%s\n%s", first, m.id, index, dump(c.t, c.members[0].node), dump(c.t, m.node))
		}
	}
	return want
}

func savedAt(t testing.TB, n *replicate.Node, index uint64) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var b bytes.Buffer
	if err := n.ViewAt(ctx, index, func(tx *memrel.Tx) error { return memrel.Save(tx, &b) }); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func dump(t testing.TB, n *replicate.Node) string {
	var s string
	_ = n.View(func(tx *memrel.Tx) error { s = tx.Dump(); return nil })
	return s
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// insertUser writes a user through n and returns the write's index.
func insertUser(t testing.TB, n *replicate.Node, name string) uint64 {
	t.Helper()
	index, err := n.Update(ctxT(t), func(tx *memrel.Tx) error {
		_, err := Users.Insert(tx, User{Name: name})
		return err
	})
	if err != nil {
		t.Fatalf("insert %s: %v", name, err)
	}
	return index
}

func userNames(t testing.TB, n *replicate.Node) map[string]bool {
	names := map[string]bool{}
	_ = n.View(func(tx *memrel.Tx) error {
		for u := range Users.All(tx) {
			names[u.Name] = true
		}
		return nil
	})
	return names
}
