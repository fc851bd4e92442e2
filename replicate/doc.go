// Package replicate runs a memrel DB on several machines, as Nomad and
// Consul run go-memdb: every write is an entry in a log that
// hashicorp/raft replicates, and every node applies the entries, in the
// same order, to its own in-memory DB.
//
// What an entry holds is a write's effect, not its function: the leader
// runs the function in a write transaction (memrel.Propose), hooks and
// on-delete rules included, and ships the change set (rows inserted,
// updated and deleted, moved sequences; memrel.EncodeChanges). Every node,
// the leader too, applies those bytes (memrel.ApplyChanges): the same rows
// whatever the function did, read the clock or drew a random number.
//
// # Nodes
//
// [New] starts a [Node] on an empty memrel DB and raft's stores and
// transport ([Config]); [Node.Bootstrap] makes the first node a cluster,
// [Node.AddVoter] and [Node.RemoveServer] change its members.
// [Node.Shutdown] stops it.
//
// # Writes
//
// [Node.Update] runs a function on the leader and returns once the write
// is committed and applied there, with its log index; on another node it
// returns a [NotLeaderError] ([ErrNotLeader]) naming the leader. A write
// refused by memrel (a constraint, a protected delete) never enters the
// log. Writes never interleave: each entry names the last write entry its
// change set was computed after, and every node refuses one computed
// before its last write ([ErrConflict], which Update retries), and halts
// on one computed after a write it did not apply ([ErrDiverged]).
//
// # Reads
//
// [Node.View] reads this node's state (possibly behind the leader);
// [Node.ViewLinearizable] reads on the leader after raft's barrier;
// [Node.ViewAt] waits until this node has applied a given index
// ([Node.AppliedIndex], or the index Update returned). [Node.DB] is the
// current DB, [Node.Leader] and [Node.IsLeader] say who leads, [Node.Raft]
// is the raft instance.
//
// # Failures
//
// A node whose schema differs (memrel.SchemaFingerprint) stops applying the
// log at the first entry of another schema, and a node whose state differs
// from the leader's (it refused a write the leader applied: a check of the
// same name with another rule) at the first write computed after that one:
// [Node.Err] says why ([ErrHalted]; [memrel.ErrSchema] or [ErrDiverged]); it serves no write nor linearizable read, and when it
// becomes the leader (raft does not know its state machine stopped) it
// transfers the leadership to another voter. A malformed entry or snapshot
// is refused with [ErrEntry].
//
// The README's "Running on several machines" shows a TCP setup, and explains
// the consistency argument.
package replicate
