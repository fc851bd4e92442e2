package replicate

import (
	"errors"
	"fmt"

	"github.com/hashicorp/raft"
)

// The sentinel errors of package replicate. Errors of memrel (a refused
// write's ErrUnique, ErrForeignKey, ...) and of raft (raft.ErrLeadershipLost,
// raft.ErrRaftShutdown, ...) come through wrapped, for errors.Is.
var (
	// ErrNotLeader is returned (as *NotLeaderError, which names the leader)
	// by Update, ViewLinearizable, AddVoter and RemoveServer on a node that
	// is not the leader (a node that is shut down returns
	// raft.ErrRaftShutdown instead).
	ErrNotLeader = errors.New("replicate: not the leader")

	// ErrConflict is returned by Update when its write was computed against
	// a state that another write changed first, every retry included (see
	// Config.Retries): another leader's entries were still arriving. It is
	// safe to retry: nothing was written.
	ErrConflict = errors.New("replicate: the write was computed against a state that changed before it was applied")

	// ErrHalted is returned by a node whose state machine stopped applying
	// the log, because an entry came from a node of another schema (see
	// Node.Err): the node keeps its state as it was and serves no write.
	ErrHalted = errors.New("replicate: the node stopped applying the log")

	// ErrDiverged is wrapped, with ErrHalted, by the error of a node that
	// met a write computed after a write it did not apply (Node.Err): the
	// leader applied an entry that this node refused, or this node applied
	// one the leader refused, so their states differ. Nodes of one build
	// never diverge; a check or unique constraint whose rule differs under
	// the same name (which SchemaFingerprint does not see) does.
	ErrDiverged = errors.New("replicate: this node's state differs from the leader's")

	// ErrEntry is returned when a log entry or a snapshot is not one a Node
	// wrote: a version this node cannot read, a kind it does not know.
	ErrEntry = errors.New("replicate: malformed log entry or snapshot")
)

// NotLeaderError is the error of an operation that only the leader serves,
// asked of another node. Leader names the leader this node knows of (empty
// when there is none, during an election); send the operation there.
type NotLeaderError struct {
	Op            string // "update", "linearizable view", ...
	LeaderID      raft.ServerID
	LeaderAddress raft.ServerAddress
}

func (e *NotLeaderError) Error() string {
	if e.LeaderID == "" && e.LeaderAddress == "" {
		return fmt.Sprintf("replicate: %s: not the leader, and no leader is known (an election may be under way)", e.Op)
	}
	return fmt.Sprintf("replicate: %s: not the leader; the leader is %s at %s", e.Op, e.LeaderID, e.LeaderAddress)
}

// Unwrap returns ErrNotLeader.
func (e *NotLeaderError) Unwrap() error { return ErrNotLeader }
