package replicate

import (
	"context"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"

	"github.com/memrel-go/memrel"
)

// Config is what New builds a Node from: raft's configuration and the
// four things raft runs on. The zero Retries means the default.
type Config struct {
	// Raft is raft's configuration (raft.DefaultConfig() with LocalID
	// set, and shorter timeouts for tests). Required.
	Raft *raft.Config
	// Transport connects the node to the others: raft.NewTCPTransport
	// between machines, raft.NewInmemTransport in one process. Required.
	Transport raft.Transport
	// LogStore and StableStore keep raft's log and its term and vote:
	// raft-boltdb (both in one file) to survive a restart,
	// raft.NewInmemStore for tests. Required.
	LogStore    raft.LogStore
	StableStore raft.StableStore
	// Snapshots keeps the FSM's snapshots (raft.NewFileSnapshotStore,
	// raft.NewInmemSnapshotStore, raft.NewDiscardSnapshotStore). Required.
	Snapshots raft.SnapshotStore
	// Retries is how many times Update runs its function again when its
	// write was computed against a state that another leader's entries
	// changed first (ErrConflict). 0 means 3; a negative value, none.
	Retries int
}

// Node is one member of a replicated memrel DB: a memrel DB, and the raft
// instance that orders the writes every member applies to its own copy.
//
// Writes go through the leader (Update); each member applies the same log
// entries, in the same order, to the same initial state. Reads are served
// by each member from its own copy (View, possibly stale), or after
// confirming that it holds every committed write (ViewLinearizable, on
// the leader), or once it has applied a given write (ViewAt).
//
// A Node is safe for concurrent use by multiple goroutines.
type Node struct {
	raft    *raft.Raft
	fsm     *fsm
	id      raft.ServerID
	retries int

	writer    chan struct{} // a token while an Update is under way: they never overlap
	readyTerm atomic.Uint64 // the term whose leadership applied its schema entry (a node leads at most once a term)
	handOver  time.Duration // how often a halted leader tries to hand its leadership over

	observer *raft.Observer
	changes  chan raft.Observation
	done     chan struct{}
	stopped  sync.WaitGroup
	stop     sync.Once
	stopErr  error
}

// New starts a Node on db, which must be empty (just opened): the log,
// replayed from the start or from a snapshot, fills it. The DB's schema
// must be the same on every node (memrel.SchemaFingerprint): a node of
// another schema stops applying the log at the first entry it sees (see
// Err). The node does nothing until it is part of a cluster: see
// Bootstrap, and AddVoter on the leader for the nodes that join it.
//
// Rows travel as JSON: a row type with a field that encoding/json leaves
// out (unexported, or tagged `json:"-"`), in the row or in a struct it
// holds (nested, embedded, in a slice or map), is refused, since its value
// would never reach any node (the leader too applies what the log holds).
//
// Possible errors: a DB that is not empty, a row field JSON leaves out
// (wrapping memrel.ErrSchema), an incomplete Config, raft's (raft.NewRaft's:
// a snapshot this node cannot restore, of another schema).
func New(db *memrel.DB, cfg Config) (*Node, error) {
	switch {
	case db == nil:
		return nil, errors.New("replicate: new node: no DB")
	case cfg.Raft == nil || cfg.Transport == nil || cfg.LogStore == nil || cfg.StableStore == nil || cfg.Snapshots == nil:
		return nil, errors.New("replicate: new node: Config needs Raft, Transport, LogStore, StableStore and Snapshots")
	}
	tx := db.BeginRead()
	rev := tx.Revision()
	tx.Abort()
	if rev != 0 {
		return nil, fmt.Errorf("replicate: new node: the DB has %d commits; a node starts from an empty DB that only the log fills", rev)
	}
	if err := jsonComplete(db); err != nil {
		return nil, err
	}
	n := &Node{fsm: newFSM(db), id: cfg.Raft.LocalID, retries: cfg.Retries, writer: make(chan struct{}, 1),
		handOver: max(cfg.Raft.HeartbeatTimeout, time.Millisecond),
		changes:  make(chan raft.Observation, 16), done: make(chan struct{})}
	switch {
	case n.retries == 0:
		n.retries = 3
	case n.retries < 0:
		n.retries = 0
	}
	r, err := raft.NewRaft(cfg.Raft, n.fsm, cfg.LogStore, cfg.StableStore, cfg.Snapshots, cfg.Transport)
	if err != nil {
		return nil, fmt.Errorf("replicate: new node: %w", err)
	}
	n.raft = r
	// A halted node that becomes the leader hands the leadership over (see
	// watchLeadership).
	n.observer = raft.NewObserver(n.changes, false, func(o *raft.Observation) bool {
		switch o.Data.(type) {
		case raft.LeaderObservation, raft.RaftState:
			return true
		}
		return false
	})
	r.RegisterObserver(n.observer)
	n.stopped.Add(1)
	go n.watchLeadership()
	return n, nil
}

// jsonComplete reports the first field of a row type that encoding/json
// leaves out: an unexported field (but an embedded struct, whose fields
// JSON promotes), or one tagged "-", in the row or in any value it
// holds (a nested struct, through pointers, slices, arrays and maps). A
// type with its own JSON or text encoding (time.Time, memrel.Null) is
// trusted, as is what an interface holds.
func jsonComplete(db *memrel.DB) error {
	for _, t := range db.Tables() {
		if path, f, ok := jsonLeftOut(t.RowType(), map[reflect.Type]bool{}); ok {
			return fmt.Errorf("replicate: new node: table %s: field %s%s is left out by encoding/json (unexported or tagged \"-\"), so it would not be replicated: %w",
				t.Name(), path, f, memrel.ErrSchema)
		}
	}
	return nil
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// jsonLeftOut returns the first field of typ that JSON leaves out, and
// the path to the struct that holds it.
func jsonLeftOut(typ reflect.Type, seen map[reflect.Type]bool) (path, field string, ok bool) {
	if seen[typ] {
		return "", "", false
	}
	seen[typ] = true
	for _, m := range []reflect.Type{jsonMarshaler, textMarshaler} {
		if typ.Implements(m) || reflect.PointerTo(typ).Implements(m) {
			return "", "", false
		}
	}
	switch typ.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return jsonLeftOut(typ.Elem(), seen)
	case reflect.Map:
		return jsonLeftOut(typ.Elem(), seen)
	case reflect.Struct:
		for i := range typ.NumField() {
			f := typ.Field(i)
			// An unexported embedded struct's fields are promoted; through
			// a pointer, JSON encodes them but cannot decode them.
			if f.Tag.Get("json") == "-" || (!f.IsExported() && !(f.Anonymous && f.Type.Kind() == reflect.Struct)) {
				return "", f.Name, true
			}
			if p, name, ok := jsonLeftOut(f.Type, seen); ok {
				return f.Name + "." + p, name, true
			}
		}
	}
	return "", "", false
}

// watchLeadership keeps a halted node from leading: raft does not know
// that the state machine stopped, so such a node wins elections and
// accepts leadership transfers like any other, and as the leader it would
// refuse every write (ErrHalted) for as long as it leads. Whenever it
// becomes the leader, or halts while leading, it transfers the leadership
// to another voter; a halted node looks again every HeartbeatTimeout.
func (n *Node) watchLeadership() {
	defer n.stopped.Done()
	halted := n.fsm.haltedCh
	var retry <-chan time.Time
	for {
		select {
		case <-n.changes:
		case <-halted:
			halted = nil
		case <-retry:
			retry = nil
		case <-n.done:
			return
		}
		if n.Err() != nil {
			if n.IsLeader() {
				_ = n.raft.LeadershipTransfer() // asynchronous: the retry checks the outcome
			}
			// Observations are dropped when their channel is full: a halted
			// node also looks every HeartbeatTimeout.
			retry = time.After(n.handOver)
		}
	}
}

// Bootstrap makes this node the first member of a new cluster of the
// given servers (this one among them), as raft.BootstrapCluster: call it
// on one node, once, when the cluster is created. On a node with state
// (restarted from disk) it returns raft.ErrCantBootstrap, which a program
// that bootstraps on every start can ignore.
func (n *Node) Bootstrap(servers ...raft.Server) error {
	return n.raft.BootstrapCluster(raft.Configuration{Servers: servers}).Error()
}

// Raft returns the node's raft instance, for what Node does not wrap
// (statistics, leadership transfer, a manual snapshot). Do not write
// through it (Apply): every node treats such an entry alike, refusing
// one that is not a Node's entry or whose base is stale, but applying a
// well-formed write whatever its rows, and halting on a base ahead of the
// state (ErrDiverged).
func (n *Node) Raft() *raft.Raft { return n.raft }

// DB returns the node's current DB, for reads (View does the same). A
// snapshot restore replaces it with another: read through the Node (View)
// rather than keep it. Never write to it: only the log writes, and a
// write of yours would make this node diverge (the next entry is refused).
func (n *Node) DB() *memrel.DB { return n.fsm.db.Load() }

// Leader returns the leader this node knows of: its server ID and
// address, empty during an election.
func (n *Node) Leader() (raft.ServerID, raft.ServerAddress) {
	addr, id := n.raft.LeaderWithID()
	return id, addr
}

// IsLeader reports whether this node is the leader.
func (n *Node) IsLeader() bool { return n.raft.State() == raft.Leader }

// AppliedIndex returns the raft index of the last log entry this node's
// state machine applied: the state View reads includes every write up to
// it. Another node's ViewAt can wait for it.
func (n *Node) AppliedIndex() uint64 {
	n.fsm.mu.Lock()
	defer n.fsm.mu.Unlock()
	return n.fsm.applied
}

// Err returns why the node stopped applying the log, or nil: wrapping
// ErrHalted, and memrel.ErrSchema (a log entry or snapshot of a node of
// another schema) or ErrDiverged (a write computed after one this node did
// not apply). A halted node keeps the state it had, serves local
// reads of it (View), refuses writes and linearizable reads, and hands
// the leadership over whenever it gets it.
func (n *Node) Err() error { return n.fsm.err() }

// notLeader is the error of an operation only the leader serves: a
// *NotLeaderError, or raft.ErrRaftShutdown on a node that is shut down
// (which leads nothing, and knows of no leader to send the client to).
func (n *Node) notLeader(op string) error {
	if n.raft.State() == raft.Shutdown {
		return fmt.Errorf("replicate: %s: %w", op, raft.ErrRaftShutdown)
	}
	id, addr := n.Leader()
	return &NotLeaderError{Op: op, LeaderID: id, LeaderAddress: addr}
}

// raftErr maps raft's errors: a node that is not (or no longer) the leader
// gives a *NotLeaderError that also wraps raft's error.
func (n *Node) raftErr(op string, err error) error {
	if errors.Is(err, raft.ErrNotLeader) {
		return fmt.Errorf("%w (%w)", n.notLeader(op), err)
	}
	return fmt.Errorf("replicate: %s: %w", op, err)
}

// timeout is what raft's calls take for ctx: the time to its deadline, or
// 0 (none).
func timeout(ctx context.Context) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		if t := time.Until(d); t > 0 {
			return t
		}
		return time.Nanosecond
	}
	return 0
}

// wait waits for fut (a raft future) or ctx, whichever ends first.
func wait(ctx context.Context, fut raft.Future) error {
	done := make(chan error, 1)
	go func() { done <- fut.Error() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Update runs fn in a write transaction on the leader, against a state
// that holds every write committed before, and replicates its effect: the
// change set (rows inserted, updated and deleted, sequences), not fn. It
// returns once a quorum has committed the write and the leader has applied
// it, with the write's raft index (ViewAt on another node waits for it).
//
// If fn returns an error, or the write is refused (a constraint, a
// protected delete, a check Commit runs), Update returns that error and
// nothing enters the log: the leader applies the change set's bytes to a
// snapshot of its state before it submits them, so a write that only JSON
// makes invalid (two strings that differ in invalid UTF-8 under a unique
// constraint) is refused here too. A write that changes nothing enters no
// log either. fn may run more than once (at most Config.Retries more times)
// if another leader's entries were still being applied when it ran: like
// bbolt's Batch, it must not have effects outside the transaction; use
// tx.AfterCommit for those, whose functions run on the leader, once, after
// the write is applied, when Update returns it (not when Update fails with
// an unknown outcome, below, even if the write commits later).
//
// Updates on one node never overlap: each waits for the one before, or for
// ctx. fn holds the DB's writer, which the node needs to apply the log: it
// must not wait for the node (ViewAt, ViewLinearizable, Update), which
// would wait for ctx.
//
// Possible errors: fn's and memrel's (a refused write); *NotLeaderError
// (ErrNotLeader) on another node, naming the leader; ErrConflict after the
// retries; ErrHalted; ctx's, and raft.ErrLeadershipLost, raft.ErrRaftShutdown
// when the outcome is unknown (the write may still commit: read before
// writing again).
func (n *Node) Update(ctx context.Context, fn func(tx *memrel.Tx) error) (uint64, error) {
	if err := n.Err(); err != nil {
		return 0, err
	}
	select {
	case n.writer <- struct{}{}:
	case <-ctx.Done():
		return 0, fmt.Errorf("replicate: update: waiting for the writes before it: %w", ctx.Err())
	}
	defer func() { <-n.writer }()
	for attempt := 0; ; attempt++ {
		index, err := n.update(ctx, fn)
		if errors.Is(err, ErrConflict) && attempt < n.retries {
			continue
		}
		return index, err
	}
}

func (n *Node) update(ctx context.Context, fn func(tx *memrel.Tx) error) (uint64, error) {
	if !n.IsLeader() {
		return 0, n.notLeader("update")
	}
	if err := n.becomeReady(ctx, n.raft.CurrentTerm()); err != nil {
		return 0, err
	}
	db, base, baseRev := n.fsm.position()
	p, err := memrel.Propose(ctx, db, fn)
	if err != nil {
		return 0, err
	}
	if p.Revision() != baseRev {
		return 0, fmt.Errorf("replicate: update: an entry was applied while fn ran: %w", ErrConflict)
	}
	if p.Changes().Len() == 0 && len(p.Changes().Sequences()) == 0 {
		p.AfterCommit()
		return base, nil
	}
	changes, err := p.Encode(nil)
	if err != nil {
		return 0, err
	}
	// What every node applies is these bytes, not fn: apply them first to
	// a copy of the state they were computed against (an O(1) snapshot),
	// so that a write that only its encoding makes invalid (two strings
	// that JSON turns into the same text, say) is refused here, before it
	// enters the log, like every other refused write.
	err = db.Snapshot().Update(func(tx *memrel.Tx) error {
		if tx.Revision() != baseRev {
			return fmt.Errorf("replicate: update: an entry was applied while the write was checked: %w", ErrConflict)
		}
		return memrel.ApplyChanges(tx, changes)
	})
	if err != nil {
		return 0, err
	}
	data, err := encodeWrite(base, func(dst []byte) ([]byte, error) { return append(dst, changes...), nil })
	if err != nil {
		return 0, err
	}
	fut := n.raft.Apply(data, timeout(ctx))
	if err := wait(ctx, fut); err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return 0, fmt.Errorf("replicate: update: %w (the write may still commit)", err)
		}
		return 0, n.raftErr("update", err)
	}
	res, _ := fut.Response().(applyResult)
	if res.err != nil {
		return 0, res.err
	}
	p.AfterCommit()
	return res.index, nil
}

// becomeReady makes sure that this leader has applied every entry of the
// leaders before it (raft's barrier), then commits a schema entry of its
// own and waits until it is applied. Every node checks the entry's fingerprint against its own
// schema. term is the current term, read once the node knew itself the
// leader: a node leads at most once in a term, so the entry applied in the
// term serves the whole leadership (if leadership was lost and won again
// before the entry was enqueued, it serves a later term, and the next
// Update commits another). Called with the writer held.
func (n *Node) becomeReady(ctx context.Context, term uint64) error {
	if n.readyTerm.Load() == term {
		return nil
	}
	// First apply every entry before this leadership: a node of another
	// schema (restarted with a new build, elected before it replayed the
	// log) halts on the log's schema entry here, and commits none of its
	// own, which would halt every node of the cluster's schema for good.
	if err := wait(ctx, n.raft.Barrier(timeout(ctx))); err != nil {
		return n.raftErr("update: leader's barrier", err)
	}
	if err := n.Err(); err != nil {
		return err
	}
	fut := n.raft.Apply(encodeSchema(n.fsm.fp), timeout(ctx))
	if err := wait(ctx, fut); err != nil {
		return n.raftErr("update: leader's first entry", err)
	}
	if res, _ := fut.Response().(applyResult); res.err != nil {
		return res.err
	}
	n.readyTerm.Store(term)
	return nil
}

// View runs fn in a read transaction of this node's state: every write up
// to AppliedIndex, possibly behind the leader (stale), never a write that
// is not committed. It never waits.
func (n *Node) View(fn func(tx *memrel.Tx) error) error { return n.DB().View(fn) }

// ViewLinearizable runs fn in a read transaction once this node has
// confirmed that it is the leader and applied every write committed before
// the call (raft's Barrier: one log round to a quorum): the read sees
// every write that any Update returned before it began. Only the leader
// serves it.
//
// Possible errors: fn's; *NotLeaderError (ErrNotLeader) on another node;
// ErrHalted (the node stopped applying the log: its state misses writes
// whatever the barrier says); ctx's; raft's (raft.ErrLeadershipLost).
func (n *Node) ViewLinearizable(ctx context.Context, fn func(tx *memrel.Tx) error) error {
	if err := n.Err(); err != nil {
		return err
	}
	if !n.IsLeader() {
		return n.notLeader("linearizable view")
	}
	if err := wait(ctx, n.raft.Barrier(timeout(ctx))); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("replicate: linearizable view: %w", err)
		}
		return n.raftErr("linearizable view", err)
	}
	if err := n.Err(); err != nil { // halted by an entry before the barrier
		return err
	}
	return n.View(fn)
}

// ViewAt runs fn in a read transaction once this node has applied the log
// up to index (an index Update or AppliedIndex returned, on any node): on
// a follower, a client reads its own writes. It waits for ctx at most.
//
// Possible errors: fn's; ctx's; ErrHalted; raft.ErrRaftShutdown (the node
// was shut down before it applied index).
func (n *Node) ViewAt(ctx context.Context, index uint64, fn func(tx *memrel.Tx) error) error {
	for {
		n.fsm.mu.Lock()
		applied, moved, halted := n.fsm.applied, n.fsm.moved, n.fsm.halted
		n.fsm.mu.Unlock()
		if applied >= index {
			return n.View(fn)
		}
		if halted != nil {
			return halted
		}
		select {
		case <-moved:
		case <-n.done:
			return fmt.Errorf("replicate: view at index %d (applied: %d): %w", index, applied, raft.ErrRaftShutdown)
		case <-ctx.Done():
			return fmt.Errorf("replicate: view at index %d (applied: %d): %w", index, applied, ctx.Err())
		}
	}
}

// AddVoter adds a node to the cluster, as a voter, at the given address
// (raft.AddVoter). Only the leader serves it. The new node catches up from
// the log, or from a snapshot when the log was compacted.
func (n *Node) AddVoter(ctx context.Context, id raft.ServerID, addr raft.ServerAddress) error {
	if !n.IsLeader() {
		return n.notLeader("add voter")
	}
	if err := wait(ctx, n.raft.AddVoter(id, addr, 0, timeout(ctx))); err != nil {
		return n.raftErr("add voter", err)
	}
	return nil
}

// RemoveServer removes a node from the cluster (raft.RemoveServer). Only
// the leader serves it.
func (n *Node) RemoveServer(ctx context.Context, id raft.ServerID) error {
	if !n.IsLeader() {
		return n.notLeader("remove server")
	}
	if err := wait(ctx, n.raft.RemoveServer(id, 0, timeout(ctx))); err != nil {
		return n.raftErr("remove server", err)
	}
	return nil
}

// Shutdown stops the node: raft stops (its log and snapshots stay in their
// stores), reads go on serving the state it had.
func (n *Node) Shutdown() error {
	n.stop.Do(func() {
		n.stopErr = n.raft.Shutdown().Error()
		n.raft.DeregisterObserver(n.observer)
		close(n.done)
		n.stopped.Wait()
	})
	return n.stopErr
}
