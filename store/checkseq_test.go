package store

// An internal test: the state it checks for (a sequence behind a key the
// table holds) cannot be produced through the API, so it is written
// directly, as a corruption would leave it.

import (
	"errors"
	"strings"
	"testing"
)

type seqTestRow struct {
	ID int64
	V  string
}

func openSeqTest(t *testing.T) (*DB, *Table[seqTestRow, int64], *Table[seqTestRow, int64]) {
	t.Helper()
	auto := NewTable("seq_rows", func(r *seqTestRow) *int64 { return &r.ID })
	chosen := NewTable("seq_chosen", func(r *seqTestRow) *int64 { return &r.ID }).CallerKeys()
	db, err := Open(Config{Tables: []AnyTable{auto, chosen}})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := db.Update(func(tx *Tx) error {
		for _, r := range []seqTestRow{{V: "a"}, {V: "b"}, {ID: 10, V: "chosen"}, {V: "c"}} {
			if _, err := auto.Insert(tx, r); err != nil {
				return err
			}
		}
		_, err := chosen.Insert(tx, seqTestRow{ID: 7, V: "x"})
		return err
	}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	return db, auto, chosen
}

// wantSeqError checks that err reports the sequence of table at seq behind
// its largest key max, wrapping ErrIntegrity.
func wantSeqError(t *testing.T, err error, table string, seq, max string) {
	t.Helper()
	if !errors.Is(err, ErrIntegrity) {
		t.Fatalf("Check = %v, want an ErrIntegrity error", err)
	}
	msg := err.Error()
	for _, p := range []string{table, "sequence " + seq, "largest key " + max} {
		if !strings.Contains(msg, p) {
			t.Errorf("Check error %q does not mention %q", msg, p)
		}
	}
}

// Check reports a sequence that is not past every key of its table, as
// stored (committed) and as held by a write transaction.
func TestCheckSequenceBehindKeys(t *testing.T) {
	db, auto, _ := openSeqTest(t)
	// Keys 1, 2, 10, 11: the sequence is at 11.
	if err := db.Check(); err != nil {
		t.Fatalf("Check of a sound state: %v", err)
	}

	// The stored sequence set back to 2, behind keys 10 and 11.
	corruptCounter(db, auto.info, func(c *counter) { c.last = 2 })
	tx := db.BeginWrite()
	wantSeqError(t, tx.Check(), "seq_rows", "2", "11")
	if err := tx.Commit(); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	wantSeqError(t, db.Check(), "seq_rows", "2", "11")

	// The sequence as a write transaction holds it.
	db, auto, _ = openSeqTest(t)
	tx = db.BeginWrite()
	defer tx.Abort()
	if _, err := auto.Insert(tx, seqTestRow{V: "d"}); err != nil { // key 12
		t.Fatalf("Insert: %v", err)
	}
	if err := tx.Check(); err != nil {
		t.Fatalf("Check after an insert: %v", err)
	}
	tx.seq[auto.info] = 11
	wantSeqError(t, tx.Check(), "seq_rows", "11", "12")
}

// A sequence ahead of every key is sound: after deletes of the largest
// keys, and for an empty table; a table whose keys the caller always
// chooses is not numbered from its sequence, which Check does not judge.
func TestCheckSequenceAheadIsSound(t *testing.T) {
	db, auto, chosen := openSeqTest(t)
	if err := db.Update(func(tx *Tx) error {
		if err := tx.WriteUnchecked(auto.info, auto.mustGet(t, tx, 11), nil); err != nil {
			return err
		}
		return tx.WriteUnchecked(auto.info, auto.mustGet(t, tx, 10), nil)
	}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if err := db.Check(); err != nil {
		t.Errorf("Check after deleting the largest keys: %v", err)
	}
	// Its sequence is never used to number seq_chosen.
	corruptCounter(db, chosen.info, func(c *counter) { c.last = 0 })
	tx := db.BeginWrite()
	defer tx.Abort()
	if err := tx.Check(); err != nil {
		t.Errorf("Check with the sequence of a CallerKeys table behind its keys: %v", err)
	}
}

func (t *Table[T, K]) mustGet(tb *testing.T, tx *Tx, k K) any {
	tb.Helper()
	obj := tx.first(t.info, t.encodeKey(k))
	if obj == nil {
		tb.Fatalf("%s %v: not found", t.info.name, k)
	}
	return obj
}

// corruptCounter changes a table's committed counters in place of a
// corruption (which the API cannot produce), as if a commit had published
// them.
func corruptCounter(db *DB, t *TableInfo, change func(*counter)) {
	next := &counters{c: make([]counter, len(db.order))}
	if cur := db.cnt.Load(); cur != nil {
		copy(next.c, cur.c)
	}
	change(&next.c[db.tables[t].pos])
	db.cnt.Store(next)
}
