package replicate

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/raft"

	"github.com/memrel-go/memrel"
)

// fsm is a Node's raft.FSM: it applies write entries to its DB, snapshots
// it with memrel's O(1) snapshot and the save format, and restores it into
// a fresh DB swapped in whole.
type fsm struct {
	db    atomic.Pointer[memrel.DB] // the current state; replaced whole by Restore
	empty *memrel.DB                // an empty DB of the schema, forked for each Restore
	fp    string                    // the schema's fingerprint

	mu       sync.Mutex
	lastData uint64        // raft index of the last write entry applied (0: none)
	lastRev  uint64        // the DB's revision after it
	applied  uint64        // raft index of the last entry applied, of any kind
	moved    chan struct{} // closed (and replaced) whenever applied moves
	halted   error         // why the FSM stopped applying, or nil
	haltedCh chan struct{} // closed when it halts
}

// applyResult is what Apply returns for a write entry, to the leader's
// raft.ApplyFuture.Response.
type applyResult struct {
	index uint64
	err   error
}

func newFSM(db *memrel.DB) *fsm {
	f := &fsm{empty: db.Snapshot(), fp: memrel.SchemaFingerprint(db), moved: make(chan struct{}), haltedCh: make(chan struct{})}
	f.db.Store(db)
	return f
}

// position returns the state a write is computed against: the DB, the index
// of the last write entry it applied and its revision then.
func (f *fsm) position() (*memrel.DB, uint64, uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.db.Load(), f.lastData, f.lastRev
}

func (f *fsm) err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.halted
}

// advance records that entries up to index are applied and wakes the
// waiters. f.mu is held.
func (f *fsm) advance(index uint64) {
	if index > f.applied {
		f.applied = index
	}
	close(f.moved)
	f.moved = make(chan struct{})
}

// halt stops the FSM for good: a node of another schema cannot follow the
// log without diverging. f.mu is held.
func (f *fsm) halt(err error) error {
	if f.halted == nil {
		f.halted = fmt.Errorf("%w: %w", ErrHalted, err)
		close(f.moved) // waiters (ViewAt) learn it
		f.moved = make(chan struct{})
		close(f.haltedCh) // the Node hands its leadership over
	}
	return f.halted
}

// Apply applies a log entry. A write entry computed against an older state
// than the FSM's (its base is before the last write entry applied) is
// refused with ErrConflict, and one that memrel refuses (a corrupt entry)
// with memrel's error: both leave the state as it was, and both are
// decided by the entry and the state alone, so every node decides alike.
// An entry of another schema halts the FSM (that is this node's fault, not
// the log's), and so does a write entry computed after a write this node
// did not apply (ErrDiverged: a node whose rules differ in what the
// fingerprint cannot see refused what the leader applied, or the reverse).
//
// Raft calls Apply, Snapshot and Restore from one goroutine, one at a time:
// they read the FSM's fields without the lock, and take it to change them
// (for the readers: Node's reads, waits and writes). The lock is not held
// while the entry is applied, which waits for the DB's writer.
func (f *fsm) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand {
		return nil
	}
	if f.halted != nil {
		return applyResult{err: f.halted} // applied stays where the FSM stopped
	}
	res, lastData, lastRev, halt := f.apply(l)
	f.mu.Lock()
	defer f.mu.Unlock()
	if halt != nil {
		return applyResult{err: f.halt(halt)}
	}
	f.lastData, f.lastRev = lastData, lastRev
	f.advance(l.Index)
	return res
}

// apply decides what an entry does, and does it to the DB: it returns the
// result for the leader, the FSM's new position, and the reason to halt,
// if any.
func (f *fsm) apply(l *raft.Log) (res applyResult, lastData, lastRev uint64, halt error) {
	lastData, lastRev = f.lastData, f.lastRev
	e, err := decodeEntry(l.Data)
	if err != nil {
		return applyResult{err: err}, lastData, lastRev, nil
	}
	switch e.kind {
	case kindSchema:
		if e.fingerprint != f.fp {
			return res, lastData, lastRev, fmt.Errorf("log entry %d comes from a node of another schema (fingerprint %s, this node's %s): %w",
				l.Index, e.fingerprint, f.fp, memrel.ErrSchema)
		}
		return applyResult{index: l.Index}, lastData, lastRev, nil
	case kindWrite:
		if e.base > lastData {
			// The entry was computed after a write that this node refused or
			// skipped: a node that applied the log as the leader did holds a
			// base no earlier (bases only grow along the log). Going on would
			// refuse every later write as stale while AppliedIndex moves on.
			return res, lastData, lastRev, fmt.Errorf("log entry %d was computed after write entry %d, which this node did not apply (its last write is entry %d): %w",
				l.Index, e.base, lastData, ErrDiverged)
		}
		if e.base != lastData {
			return applyResult{err: fmt.Errorf("replicate: entry %d was computed after entry %d, but entry %d came first: %w",
				l.Index, e.base, lastData, ErrConflict)}, lastData, lastRev, nil
		}
		var rev uint64
		err := f.db.Load().Update(func(tx *memrel.Tx) error {
			rev = tx.Revision() + 1 // the FSM is the DB's only writer
			return memrel.ApplyChanges(tx, e.changes)
		})
		if errors.Is(err, memrel.ErrSchema) {
			return res, lastData, lastRev, fmt.Errorf("log entry %d: %w", l.Index, err)
		}
		if err != nil {
			return applyResult{err: fmt.Errorf("replicate: entry %d refused: %w", l.Index, err)}, lastData, lastRev, nil
		}
		return applyResult{index: l.Index}, l.Index, rev, nil
	}
	return applyResult{}, lastData, lastRev, nil // decodeEntry knows every kind
}

// snapshotVersion is the first byte of a Node's snapshot. Version 1, after
// it: the schema fingerprint (uvarint length, hex), the index of the last
// write entry applied and of the last entry applied (uvarints), then the
// DB as memrel.Save writes it.
const snapshotVersion = 1

// Snapshot takes memrel's O(1) snapshot of the DB; Persist streams it while
// the FSM goes on applying.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.halted != nil {
		return nil, f.halted
	}
	return &snapshot{db: f.db.Load().Snapshot(), fp: f.fp, lastData: f.lastData, applied: f.applied}, nil
}

// Restore reads a snapshot into a fresh DB of the schema, verified whole
// by memrel.Restore (Check), and only then swaps it in: readers see the
// old state or the new one, never a mix.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	br := bufio.NewReader(rc)
	bad := func(format string, args ...any) error {
		return fmt.Errorf("replicate: restore: %s: %w", fmt.Sprintf(format, args...), ErrEntry)
	}
	v, err := br.ReadByte()
	if err != nil {
		return bad("empty snapshot")
	}
	if v != snapshotVersion {
		return bad("snapshot version %d, this node reads version %d", v, snapshotVersion)
	}
	n, err := binary.ReadUvarint(br)
	if err != nil || n > 1024 {
		return bad("bad fingerprint")
	}
	fp := make([]byte, n)
	if _, err := io.ReadFull(br, fp); err != nil {
		return bad("truncated")
	}
	if string(fp) != f.fp {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.halt(fmt.Errorf("restore: the snapshot comes from a node of another schema (fingerprint %s, this node's %s): %w",
			fp, f.fp, memrel.ErrSchema))
	}
	lastData, err1 := binary.ReadUvarint(br)
	applied, err2 := binary.ReadUvarint(br)
	if err1 != nil || err2 != nil {
		return bad("truncated")
	}
	db := f.empty.Snapshot()
	if err := memrel.Restore(db, br); err != nil {
		return fmt.Errorf("replicate: restore: %w", err)
	}
	tx := db.BeginRead()
	rev := tx.Revision()
	tx.Abort()

	f.mu.Lock()
	defer f.mu.Unlock()
	f.db.Store(db)
	f.lastData, f.lastRev = lastData, rev
	f.applied = 0 // the restored state may be older than the one it replaces
	f.advance(applied)
	return nil
}

type snapshot struct {
	db                *memrel.DB
	fp                string
	lastData, applied uint64
}

// Persist writes the snapshot to sink, and closes it (or cancels it on an
// error).
func (s *snapshot) Persist(sink raft.SnapshotSink) error {
	err := s.write(sink)
	if err != nil {
		_ = sink.Cancel()
		return err
	}
	return sink.Close()
}

func (s *snapshot) write(w io.Writer) error {
	head := []byte{snapshotVersion}
	head = binary.AppendUvarint(head, uint64(len(s.fp)))
	head = append(head, s.fp...)
	head = binary.AppendUvarint(head, s.lastData)
	head = binary.AppendUvarint(head, s.applied)
	if _, err := w.Write(head); err != nil {
		return err
	}
	return s.db.View(func(tx *memrel.Tx) error { return memrel.Save(tx, w) })
}

// Release does nothing: a memrel snapshot holds no resource but memory.
func (s *snapshot) Release() {}
