package replicate

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/memrel-go/memrel"
)

type item struct {
	ID   int64
	Name string
}

var items = memrel.NewTable("items", func(i *item) *int64 { return &i.ID })

func openItems(t *testing.T) *memrel.DB {
	t.Helper()
	db, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{items}})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// writeEntry is the log entry of a write computed against f's state.
func writeEntry(t *testing.T, f *fsm, fn func(tx *memrel.Tx) error) []byte {
	t.Helper()
	db, base, _ := f.position()
	p, err := memrel.Propose(context.Background(), db, fn)
	if err != nil {
		t.Fatal(err)
	}
	data, err := encodeWrite(base, p.Encode)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func insertItem(name string) func(tx *memrel.Tx) error {
	return func(tx *memrel.Tx) error { _, err := items.Insert(tx, item{Name: name}); return err }
}

func saved(t *testing.T, db *memrel.DB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := db.View(func(tx *memrel.Tx) error { return memrel.Save(tx, &b) }); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sink is a raft.SnapshotSink in memory.
type sink struct {
	bytes.Buffer
	canceled bool
}

func (s *sink) ID() string    { return "test" }
func (s *sink) Cancel() error { s.canceled = true; return nil }
func (s *sink) Close() error  { return nil }

func TestFSMApply(t *testing.T) {
	f := newFSM(openItems(t))
	apply := func(index uint64, data []byte) error {
		res, _ := f.Apply(&raft.Log{Index: index, Type: raft.LogCommand, Data: data}).(applyResult)
		return res.err
	}
	if err := apply(1, encodeSchema(f.fp)); err != nil {
		t.Fatal(err)
	}
	first := writeEntry(t, f, insertItem("a"))
	if err := apply(2, first); err != nil {
		t.Fatal(err)
	}
	before := saved(t, f.db.Load())
	// Computed against the state before entry 2: refused.
	if err := apply(3, first); !errors.Is(err, ErrConflict) {
		t.Errorf("stale entry: %v, want ErrConflict", err)
	}
	good := writeEntry(t, f, insertItem("b"))
	for _, c := range []struct {
		name   string
		data   []byte
		target error
	}{
		{"empty", nil, ErrEntry},
		{"entry version", append([]byte{2}, good[1:]...), ErrEntry},
		{"unknown kind", []byte{1, 'z'}, ErrEntry},
		{"bad base", []byte{1, 'c', 0x80}, ErrEntry},
		{"truncated change set", good[:len(good)-5], memrel.ErrFormat},
		{"corrupt change set", append(bytes.Clone(good[:len(good)-1]), good[len(good)-1]^1), memrel.ErrFormat},
		{"change set version", func() []byte { b := bytes.Clone(good); b[3] = 9; return b }(), memrel.ErrFormat},
	} {
		if err := apply(4, c.data); !errors.Is(err, c.target) {
			t.Errorf("%s: %v, want %v", c.name, err, c.target)
		}
	}
	if !bytes.Equal(before, saved(t, f.db.Load())) {
		t.Error("a refused entry changed the state")
	}
	if f.err() != nil {
		t.Fatalf("a malformed entry halted the FSM: %v", f.err())
	}
	if err := apply(5, good); err != nil {
		t.Fatalf("the good entry after refused ones: %v", err)
	}
	// Entries that are not commands are not the FSM's.
	if r := f.Apply(&raft.Log{Index: 6, Type: raft.LogNoop}); r != nil {
		t.Errorf("a no-op entry: %v", r)
	}
}

func TestFSMSnapshotRestore(t *testing.T) {
	f := newFSM(openItems(t))
	for i, name := range []string{"a", "b", "c"} {
		res := f.Apply(&raft.Log{Index: uint64(i + 1), Type: raft.LogCommand, Data: writeEntry(t, f, insertItem(name))}).(applyResult)
		if res.err != nil {
			t.Fatal(res.err)
		}
	}
	snap, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	// Writes after the snapshot do not enter it.
	f.Apply(&raft.Log{Index: 4, Type: raft.LogCommand, Data: writeEntry(t, f, insertItem("d"))})
	var s sink
	if err := snap.Persist(&s); err != nil || s.canceled {
		t.Fatal(err)
	}
	snap.Release()

	g := newFSM(openItems(t))
	if err := g.Restore(io.NopCloser(bytes.NewReader(s.Bytes()))); err != nil {
		t.Fatal(err)
	}
	_, lastData, _ := g.position()
	if lastData != 3 || g.applied != 3 {
		t.Errorf("restored at write %d, applied %d; want 3, 3", lastData, g.applied)
	}
	var names []string
	_ = g.db.Load().View(func(tx *memrel.Tx) error {
		for it := range items.All(tx) {
			names = append(names, it.Name)
		}
		return nil
	})
	if len(names) != 3 {
		t.Errorf("restored %v, want a b c", names)
	}
	// The log goes on from the snapshot: entry 4, computed after 3, applies.
	if res := g.Apply(&raft.Log{Index: 4, Type: raft.LogCommand, Data: writeEntry(t, g, insertItem("d"))}).(applyResult); res.err != nil {
		t.Fatal(res.err)
	}

	// A malformed snapshot is refused, the state kept.
	before := saved(t, g.db.Load())
	good := s.Bytes()
	for _, c := range []struct {
		name   string
		data   []byte
		target error
	}{
		{"empty", nil, ErrEntry},
		{"version", append([]byte{9}, good[1:]...), ErrEntry},
		{"truncated header", good[:5], ErrEntry},
		{"truncated save", good[:len(good)-3], memrel.ErrFormat},
	} {
		if err := g.Restore(io.NopCloser(bytes.NewReader(c.data))); !errors.Is(err, c.target) {
			t.Errorf("%s: %v, want %v", c.name, err, c.target)
		}
	}
	if !bytes.Equal(before, saved(t, g.db.Load())) || g.err() != nil {
		t.Error("a refused snapshot changed the state or halted the FSM")
	}

	// A snapshot of another schema halts the FSM.
	other, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{memrel.NewTable("others", func(i *item) *int64 { return &i.ID })}})
	if err != nil {
		t.Fatal(err)
	}
	h := newFSM(other)
	if err := h.Restore(io.NopCloser(bytes.NewReader(good))); !errors.Is(err, memrel.ErrSchema) || !errors.Is(err, ErrHalted) {
		t.Errorf("another schema's snapshot: %v, want ErrHalted and ErrSchema", err)
	}
	if _, err := h.Snapshot(); !errors.Is(err, ErrHalted) {
		t.Errorf("a halted FSM's snapshot: %v", err)
	}
}

// A schema entry whose fingerprint is not one (a Node writes 64 hex
// digits) is malformed, refused like any: it says nothing of this node's
// schema, and halting on it would halt every node alike.
func TestFSMMalformedSchemaEntry(t *testing.T) {
	f := newFSM(openItems(t))
	for i, data := range [][]byte{{1, 's'}, []byte("\x01sxyz"), append([]byte{1, 's'}, bytes.Repeat([]byte("g"), len(f.fp))...)} {
		res, _ := f.Apply(&raft.Log{Index: uint64(i + 1), Type: raft.LogCommand, Data: data}).(applyResult)
		if !errors.Is(res.err, ErrEntry) {
			t.Errorf("%q: %v, want ErrEntry", data, res.err)
		}
	}
	if err := f.err(); err != nil {
		t.Fatalf("a malformed schema entry halted the FSM: %v", err)
	}
	// A well-formed one of another schema halts it.
	other := bytes.Repeat([]byte("0"), len(f.fp))
	res, _ := f.Apply(&raft.Log{Index: 9, Type: raft.LogCommand, Data: append([]byte{1, 's'}, other...)}).(applyResult)
	if !errors.Is(res.err, ErrHalted) || !errors.Is(f.err(), memrel.ErrSchema) {
		t.Errorf("another schema's entry: %v, FSM %v; want halted on ErrSchema", res.err, f.err())
	}
}
