package replicate

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// The log entries a Node writes (raft.LogCommand data). Every entry starts
// with entryVersion, then a kind byte:
//
//	'c' a write: uvarint base, the raft index of the last write entry applied
//	    when the change set was computed (0 for none), then the change set as
//	    memrel.EncodeChanges wrote it (versioned, fingerprinted, checksummed)
//	's' a leader's first entry: the schema fingerprint (hex), which every node
//	    compares with its own, and which serves as the leader's barrier
//
// Entries are the same bytes on every node: what a node does with one
// depends on the entry and the node's state only.
const entryVersion = 1

const (
	kindWrite  = 'c'
	kindSchema = 's'
)

func encodeWrite(base uint64, changes func(dst []byte) ([]byte, error)) ([]byte, error) {
	dst := make([]byte, 0, 256)
	dst = append(dst, entryVersion, kindWrite)
	dst = binary.AppendUvarint(dst, base)
	return changes(dst)
}

func encodeSchema(fingerprint string) []byte {
	return append([]byte{entryVersion, kindSchema}, fingerprint...)
}

// entry is a decoded log entry.
type entry struct {
	kind        byte
	base        uint64 // kindWrite
	changes     []byte // kindWrite
	fingerprint string // kindSchema
}

func decodeEntry(data []byte) (entry, error) {
	if len(data) < 2 {
		return entry{}, fmt.Errorf("replicate: log entry of %d bytes: %w", len(data), ErrEntry)
	}
	if data[0] != entryVersion {
		return entry{}, fmt.Errorf("replicate: log entry version %d, this node reads version %d: %w", data[0], entryVersion, ErrEntry)
	}
	e := entry{kind: data[1]}
	switch e.kind {
	case kindWrite:
		base, n := binary.Uvarint(data[2:])
		if n <= 0 {
			return entry{}, fmt.Errorf("replicate: write entry: bad base index: %w", ErrEntry)
		}
		e.base, e.changes = base, data[2+n:]
	case kindSchema:
		// A Node writes memrel.SchemaFingerprint: 64 lowercase hex digits.
		// Anything else says nothing of a schema (and halting on it would
		// halt every node alike).
		fp := data[2:]
		if len(fp) != 64 || strings.Trim(string(fp), "0123456789abcdef") != "" {
			return entry{}, fmt.Errorf("replicate: schema entry: %q is not a schema fingerprint: %w", fp, ErrEntry)
		}
		e.fingerprint = string(fp)
	default:
		return entry{}, fmt.Errorf("replicate: log entry of unknown kind %q: %w", e.kind, ErrEntry)
	}
	return e, nil
}
