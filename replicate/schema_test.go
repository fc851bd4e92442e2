package replicate_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/replicate"
)

// UserV2 is the users row of another version of the program: one field
// more.
type UserV2 struct {
	ID    int64
	Name  string
	Email string
}

func openOtherDB(t testing.TB) *memrel.DB {
	t.Helper()
	users := memrel.NewTable("users", func(u *UserV2) *int64 { return &u.ID })
	posts := memrel.NewTable("posts", func(p *Post) *int64 { return &p.ID })
	db, err := memrel.Open(memrel.Schema{
		Tables:    []memrel.AnyTable{users, posts},
		Relations: []memrel.Relation{memrel.ForeignKey(posts, &memrel.Fields[Post]().AuthorID, users, memrel.Cascade)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// joinStranger starts a node of another schema, has the leader add it as a
// voter, and waits (5 s at most) until it halts; the caller checks that it
// did.
func joinStranger(t *testing.T, c *cluster, leader *member) *member {
	t.Helper()
	c.open = openOtherDB
	stranger := &member{id: "stranger", store: raft.NewInmemStore(), snaps: raft.NewInmemSnapshotStore()}
	c.members = append(c.members, stranger)
	c.start(stranger)
	c.open = openDB
	if err := leader.node.AddVoter(ctxT(t), stranger.id, raft.ServerAddress(stranger.id)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); stranger.node.Err() == nil && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	return stranger
}

// A node of another schema that joins stops at the first entry it sees,
// names why, and serves no write; the cluster goes on without it.
func TestSchemaMismatchHaltsTheNode(t *testing.T) {
	c := newCluster(t, 3, nil)
	leader := c.leader()
	insertUser(t, leader.node, "ann")

	stranger := joinStranger(t, c, leader)
	err := stranger.node.Err()
	if !errors.Is(err, replicate.ErrHalted) || !errors.Is(err, memrel.ErrSchema) {
		t.Fatalf("the stranger: %v, want ErrHalted and ErrSchema", err)
	}
	t.Log(err)
	if strings.Contains(dump(t, stranger.node), "ann") {
		t.Error("the stranger applied rows of another schema")
	}
	if _, err := stranger.node.Update(ctxT(t), func(*memrel.Tx) error { return nil }); !errors.Is(err, replicate.ErrHalted) {
		t.Errorf("the stranger's Update: %v, want ErrHalted", err)
	}
	if err := stranger.node.ViewAt(ctxT(t), leader.node.AppliedIndex(), func(*memrel.Tx) error { return nil }); !errors.Is(err, replicate.ErrHalted) {
		t.Errorf("the stranger's ViewAt: %v, want ErrHalted", err)
	}
	if err := leader.node.RemoveServer(ctxT(t), stranger.id); err != nil {
		t.Fatal(err)
	}
	c.stop(stranger)
	c.converged(insertUser(t, leader.node, "bob"))
}

// A node whose DB is not empty is refused: only the log fills it.
func TestNewNeedsAnEmptyDB(t *testing.T) {
	db := openDB(t)
	if err := db.Update(func(tx *memrel.Tx) error { _, err := Users.Insert(tx, User{Name: "x"}); return err }); err != nil {
		t.Fatal(err)
	}
	_, trans := raft.NewInmemTransport("a")
	store := raft.NewInmemStore()
	cfg := replicate.Config{Raft: testRaftConfig("a"), Transport: trans, LogStore: store, StableStore: store, Snapshots: raft.NewDiscardSnapshotStore()}
	if _, err := replicate.New(db, cfg); err == nil {
		t.Error("New accepted a DB with rows")
	}
	if _, err := replicate.New(openDB(t), replicate.Config{}); err == nil {
		t.Error("New accepted an empty Config")
	}
	if _, err := replicate.New(nil, cfg); err == nil {
		t.Error("New accepted no DB")
	}
	type secret struct {
		ID     int64
		Name   string
		hidden string //lint:ignore U1000 the field under test: JSON leaves it out
	}
	type skipped struct {
		ID   int64
		Name string `json:"-"`
	}
	for _, open := range []func() (*memrel.DB, error){
		func() (*memrel.DB, error) {
			return memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{memrel.NewTable("secrets", func(s *secret) *int64 { return &s.ID })}})
		},
		func() (*memrel.DB, error) {
			return memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{memrel.NewTable("skipped", func(s *skipped) *int64 { return &s.ID })}})
		},
	} {
		db, err := open()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := replicate.New(db, cfg); !errors.Is(err, memrel.ErrSchema) || !strings.Contains(err.Error(), "encoding/json") {
			t.Errorf("a field JSON leaves out: %v, want ErrSchema naming it", err)
		}
	}
	bad := cfg
	bad.Raft = testRaftConfig("")
	if _, err := replicate.New(openDB(t), bad); err == nil {
		t.Error("New accepted a raft config without LocalID")
	}
}

// A halted node that becomes the leader (a leadership transfer, or an
// election it wins: raft does not know its state machine stopped) neither
// serves linearizable reads of its stale state nor keeps the leadership:
// it hands it to another node, and the cluster writes again.
func TestHaltedNodeDoesNotLead(t *testing.T) {
	c := newCluster(t, 3, nil)
	leader := c.leader()
	insertUser(t, leader.node, "ann")

	stranger := joinStranger(t, c, leader)
	if err := stranger.node.Err(); !errors.Is(err, replicate.ErrHalted) {
		t.Fatalf("the stranger: %v, want ErrHalted", err)
	}
	index := insertUser(t, leader.node, "bob") // the stranger misses it
	if err := leader.node.Raft().LeadershipTransferToServer(stranger.id, raft.ServerAddress(stranger.id)).Error(); err != nil {
		t.Fatalf("transfer to the stranger: %v", err)
	}
	// Catch it while it leads, if it is not too quick to hand over.
	for deadline := time.Now().Add(time.Second); !stranger.node.IsLeader() && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
	}
	err := stranger.node.ViewLinearizable(ctxT(t), func(tx *memrel.Tx) error {
		t.Errorf("a linearizable read on the halted node, which misses bob, written at %d (it applied %d)", index, stranger.node.AppliedIndex())
		return nil
	})
	if !errors.Is(err, replicate.ErrHalted) {
		t.Errorf("ViewLinearizable on the halted node: %v, want ErrHalted", err)
	}
	// The cluster writes again, through a node that applies the log.
	next := c.leader(stranger)
	index = insertUser(t, next.node, "cid")
	if stranger.node.IsLeader() {
		t.Error("the halted node leads")
	}
	if err := next.node.RemoveServer(ctxT(t), stranger.id); err != nil {
		t.Fatal(err)
	}
	c.stop(stranger)
	c.converged(index)
}

// Address is a nested value of a row: its unexported field is left out by
// encoding/json as a row's own would be.
type Address struct {
	City string
	zip  string //lint:ignore U1000 the field under test: JSON leaves it out
}

// Audit is embedded: its fields are the row's, for encoding/json too.
type Audit struct {
	By   string
	Note string `json:"-"`
}

type level int //lint:ignore U1000 embedded in a row type under test: JSON leaves it out

type audit struct{ By string }

// A field that JSON leaves out is refused wherever it is: in a nested
// struct, a slice or map of them, an embedded struct, or embedded itself
// (an unexported embedded non-struct, which JSON skips). Types with their
// own JSON encoding (time.Time, memrel.Null) are theirs to get right.
func TestNewRefusesNestedFieldsJSONLeavesOut(t *testing.T) {
	type nested struct {
		ID   int64
		Home Address
	}
	type inSlice struct {
		ID    int64
		Homes []*Address
	}
	type inMap struct {
		ID    int64
		Homes map[string]Address
	}
	type embedded struct {
		ID int64
		Audit
	}
	type embeddedLevel struct {
		ID    int64
		level //lint:ignore U1000 the field under test: JSON leaves it out
	}
	type embeddedPointer struct {
		ID int64
		*audit
	}
	type fine struct {
		ID    int64
		At    time.Time
		Maybe memrel.Null[int64]
		Tags  map[string][]string
		Self  *fine
	}
	open := func(name string, table memrel.AnyTable) error {
		db, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{table}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, trans := raft.NewInmemTransport("a")
		store := raft.NewInmemStore()
		n, err := replicate.New(db, replicate.Config{Raft: testRaftConfig("a"), Transport: trans, LogStore: store, StableStore: store, Snapshots: raft.NewDiscardSnapshotStore()})
		if err == nil {
			_ = n.Shutdown()
		}
		return err
	}
	for name, table := range map[string]memrel.AnyTable{
		"nested":         memrel.NewTable("nested", func(r *nested) *int64 { return &r.ID }),
		"in a slice":     memrel.NewTable("inSlice", func(r *inSlice) *int64 { return &r.ID }),
		"in a map":       memrel.NewTable("inMap", func(r *inMap) *int64 { return &r.ID }),
		"embedded":       memrel.NewTable("embedded", func(r *embedded) *int64 { return &r.ID }),
		"embedded level": memrel.NewTable("embeddedLevel", func(r *embeddedLevel) *int64 { return &r.ID }),
		// JSON encodes its fields, and cannot decode them (a nil pointer
		// to an unexported type).
		"embedded pointer": memrel.NewTable("embeddedPointer", func(r *embeddedPointer) *int64 { return &r.ID }),
	} {
		err := open(name, table)
		if !errors.Is(err, memrel.ErrSchema) || !strings.Contains(err.Error(), "encoding/json") {
			t.Errorf("%s: %v, want ErrSchema naming encoding/json", name, err)
		}
		t.Log(err)
	}
	if err := open("fine", memrel.NewTable("fine", func(r *fine) *int64 { return &r.ID })); err != nil {
		t.Errorf("a row type JSON carries whole: %v", err)
	}
}

// A node restarted with another schema (a rolling upgrade that changed a
// row type) can win an election before its state machine has replayed the
// log, and so before it halts on the log's schema entry. Its first Update
// must not commit its own schema entry: every node of the cluster's schema
// would halt on it, for good (the entry stays in the log). The window is
// short: the test goes through it a few times.
func TestRestartedWithAnotherSchemaCommitsNothing(t *testing.T) {
	c := &cluster{t: t, open: openDB}
	m := &member{id: "solo", store: raft.NewInmemStore(), snaps: raft.NewInmemSnapshotStore()}
	c.members = []*member{m}
	c.start(m)
	t.Cleanup(func() {
		if m.up {
			_ = m.node.Shutdown()
		}
	})
	if err := m.node.Bootstrap(raft.Server{ID: m.id, Address: raft.ServerAddress(m.id)}); err != nil {
		t.Fatal(err)
	}
	c.leader()
	insertUser(t, m.node, "ann")
	for round := range 4 {
		c.stop(m)
		c.open = openOtherDB
		c.start(m)
		for deadline := time.Now().Add(5 * time.Second); !m.node.IsLeader() && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond / 10)
		}
		if _, err := m.node.Update(ctxT(t), func(*memrel.Tx) error { return nil }); !errors.Is(err, replicate.ErrHalted) {
			t.Errorf("round %d: Update on the node of another schema: %v, want ErrHalted", round, err)
		}
		c.stop(m)

		// Back to the cluster's schema: the log holds nothing of the other.
		c.open = openDB
		c.start(m)
		c.leader()
		name := fmt.Sprint("user", round)
		if _, err := m.node.Update(ctxT(t), func(tx *memrel.Tx) error { _, err := Users.Insert(tx, User{Name: name}); return err }); err != nil {
			t.Fatalf("round %d: the node of the cluster's schema: %v", round, err)
		}
		if got := userNames(t, m.node); !got["ann"] || !got[name] {
			t.Errorf("round %d: users %v", round, got)
		}
	}
}
