package store

import (
	"context"
	"errors"
	"fmt"
	"github.com/memrel-go/memrel/internal/engine"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/go-memdb"

	"github.com/memrel-go/memrel/internal/ident"
)

const (
	idIndex = "id"
)

// IndexDef describes a secondary index on a table, for a Schema's list of
// indexes; the declaring functions (NewIndex, NewGroupedIndex, the
// relations layer) fill it in. Its value function appends the index
// value of a stored row (a *Row of the table) to dst, and reports false when
// the row is not in the index (an empty nullable value that the index
// leaves out, or a row outside a partial index).
//
// Index values must be prefix-free (see Encoder): the index stores value +
// primary key, so that many rows can share a value, and looks a value up as a
// prefix. memrel never relies on go-memdb's Unique flag; unique constraints
// are enforced by the relations layer before anything is written.
type IndexDef struct {
	table      *TableInfo
	name       string
	fromObject func(dst []byte, obj any) ([]byte, bool)
	err        error // a problem found when the index was declared
}

// newIndexDef describes a secondary index of t named name, whose values
// fromObject computes.
func newIndexDef(t *TableInfo, name string, fromObject func(dst []byte, obj any) ([]byte, bool)) *IndexDef {
	return &IndexDef{table: t, name: name, fromObject: fromObject}
}

// hooks is the narrow interface through which the relations layer takes
// part in the store's operations; see engine.Hooks.
type hooks = engine.Hooks[Tx, TableInfo, DeleteResult]

// config is what open builds a DB from.
type config = engine.Config[AnyTable, IndexDef, hooks]

// DB is an in-memory store of typed tables on go-memdb. It allows one writer
// at a time and any number of readers; readers never block and each sees the
// consistent snapshot that existed when its transaction began. A DB is safe
// for concurrent use by multiple goroutines; a Tx is not.
type DB struct {
	*shape // the schema, shared with the DB's snapshots
	mem    *memdb.MemDB
	cnt    atomic.Pointer[counters] // the sequences and counts of rows of the state mem holds
	feed   feed                     // the revision, the kept change sets and the watches; a snapshot has its own

	// writer holds a token while a write transaction is open. It is made
	// by the first writer: a snapshot that is only read (a fixture forked
	// for a test that reads) never pays for it.
	writerOnce sync.Once
	writerCh   chan struct{}

	// spare is the write state of the last write transaction, reused by the
	// next; only the holder of the writer touches it.
	spare *txWrite
}

// shape is what a DB and its snapshots share: the schema, built by Open and
// never changed after.
type shape struct {
	ahead   *ahead // the values of rows being written (see memWrite)
	tables  map[*TableInfo]*tableState
	order   []*TableInfo
	hooks   hooks
	indexes []*IndexDef
}

// writer returns the channel that holds a token while a write transaction
// is open.
func (db *DB) writer() chan struct{} {
	db.writerOnce.Do(func() { db.writerCh = make(chan struct{}, 1) })
	return db.writerCh
}

type tableState struct {
	indexes []*IndexDef
	pos     int // the table's place in order
}

// Open validates cfg and returns an empty DB. Every problem found is
// reported together, joined, each wrapping ErrSchema. Once it succeeds, the
// tables are frozen (see Table.Defaults) and Hooks.Opened is called.
func open(cfg config) (*DB, error) {
	db, err := check(cfg)
	if err != nil {
		return nil, err
	}
	if err := db.build(); err != nil {
		return nil, err
	}
	for _, info := range db.order {
		info.frozen.Store(true)
	}
	if db.hooks != nil {
		db.hooks.Opened()
	}
	return db, nil
}

// Validate reports the problems Open would find in cfg, joined, each
// wrapping ErrSchema, without opening anything or freezing a declaration.
func validate(cfg config) error {
	_, err := check(cfg)
	return err
}

// check validates cfg and returns the DB it describes, not built yet.
func check(cfg config) (*DB, error) {
	db := &DB{shape: &shape{tables: map[*TableInfo]*tableState{}, hooks: cfg.Hooks}}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("memrel: schema: %s: %w", fmt.Sprintf(format, args...), ErrSchema))
	}
	names := map[string]*TableInfo{}
	for i, t := range cfg.Tables {
		if t == nil || t.Info() == nil {
			bad("table %d is nil", i)
			continue
		}
		info := t.Info()
		if info.err != nil {
			bad("%v", info.err)
		}
		if info.fieldsWritten != nil && info.fieldsWritten() {
			bad("table %s: the field-reference row Fields[%s]() was written to; it must stay zero", info.name, info.typ)
		}
		if info.name == "" || !ident.Valid(info.name) {
			bad("table name %q is not an identifier (letters, digits, underscores)", info.name)
		}
		if prev, dup := names[info.name]; dup {
			if prev == info {
				bad("table %s is listed twice", info.name)
			} else {
				bad("two tables are named %s", info.name)
			}
			continue
		}
		names[info.name] = info
		db.tables[info] = &tableState{pos: len(db.order)}
		db.order = append(db.order, info)
	}
	// The indexes given, then those declared on the tables (each once).
	all := append([]*IndexDef{}, cfg.Indexes...)
	for _, info := range db.order {
		for _, d := range info.attachedDecls() {
			if ix, ok := d.(AnyIndex); ok && !slices.Contains(all, ix.IndexDef()) {
				all = append(all, ix.IndexDef())
			}
		}
	}
	for i, ix := range all {
		if ix == nil {
			bad("index %d is nil", i)
			continue
		}
		if ix.err != nil {
			bad("%v", ix.err)
			continue
		}
		if ix.fromObject == nil {
			bad("index %s has no FromObject function", ix.name)
			continue
		}
		st, ok := db.tables[ix.table]
		if !ok {
			name := "<nil>"
			if ix.table != nil {
				name = ix.table.name
			}
			bad("index %s is on table %s, which is not in the schema", ix.name, name)
			continue
		}
		if ix.name == idIndex || ix.name == "" {
			bad("table %s: index name %q is reserved or empty", ix.table.name, ix.name)
			continue
		}
		dup := false
		for _, o := range st.indexes {
			dup = dup || o.name == ix.name
		}
		if dup {
			bad("table %s: two indexes are named %s", ix.table.name, ix.name)
			continue
		}
		st.indexes = append(st.indexes, ix)
		db.indexes = append(db.indexes, ix)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return db, nil
}

// build makes the go-memdb schema and store of a checked DB.
func (db *DB) build() error {
	schema := &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{}}
	if len(db.order) == 0 {
		// go-memdb refuses a schema without a table: an empty DB gets one
		// that nothing reads or writes (the dot keeps its name apart from
		// user tables).
		schema.Tables["memrel.none"] = &memdb.TableSchema{Name: "memrel.none", Indexes: map[string]*memdb.IndexSchema{
			idIndex: {Name: idIndex, Unique: true, Indexer: &memdb.StringFieldIndex{Field: "Name"}},
		}}
	}
	db.ahead = &ahead{rows: map[any]aheadEntry{}}
	for _, info := range db.order {
		ts := &memdb.TableSchema{Name: info.name, Indexes: map[string]*memdb.IndexSchema{
			idIndex: {Name: idIndex, Unique: true, Indexer: &keyIndexer{info, db.ahead}},
		}}
		for i, ix := range db.tables[info].indexes {
			ts.Indexes[ix.name] = &memdb.IndexSchema{Name: ix.name, AllowMissing: true, Indexer: &secondaryIndexer{ix, i, db.ahead}}
		}
		schema.Tables[info.name] = ts
	}
	mem, err := memdb.NewMemDB(schema)
	if err != nil {
		return fmt.Errorf("memrel: %w: %v", ErrSchema, err)
	}
	// Writes go through a non-primary MemDB: memrel exposes no watch
	// channels, and a non-primary MemDB does not track or close them at
	// commit (which costs time per write and, for large deletes, a full diff
	// of every touched index).
	db.mem = mem.Snapshot()
	return nil
}

// Tables lists the schema's tables in the order they were given.
func (db *DB) Tables() []*TableInfo { return append([]*TableInfo(nil), db.order...) }

// Snapshot returns an independent copy of the DB in O(1): it shares every
// row and index with db until either side writes, and writes on one are
// never seen by the other. Use it for per-test fixtures: load once, then
// give each test its own Snapshot. Only committed data is copied.
func (db *DB) Snapshot() *DB {
	// The shape is shared; the writer and the feed are the copy's own.
	c := &DB{shape: db.shape}
	var rev uint64
	db.feed.read(func() { c.mem = db.mem.Snapshot(); c.cnt.Store(db.cnt.Load()) }, &rev)
	c.feed.rev.Store(rev)
	return c
}

// BeginRead starts a read transaction on the current snapshot. It never
// blocks. Call Abort (or Commit) when done; both are no-ops afterwards.
func (db *DB) BeginRead() *Tx {
	tx := &Tx{db: db, txWrite: &noWrite}
	db.feed.read(func() { tx.txn = db.mem.Txn(false); tx.cnt = db.cnt.Load() }, &tx.rev)
	return tx
}

// BeginWrite starts a write transaction, waiting while another one is open.
// The usual pattern is
//
//	tx := db.BeginWrite()
//	defer tx.Abort() // a no-op after Commit
//	...
//	return tx.Commit()
//
// A write transaction that is never closed blocks every later writer, and
// so does BeginWrite (or Update) called while the same goroutine holds a
// write transaction of the same DB: it waits for itself. BeginWriteContext
// bounds the wait.
func (db *DB) BeginWrite() *Tx {
	db.writer() <- struct{}{}
	return db.beginWrite()
}

// BeginWriteContext is BeginWrite with a bound on the wait: if ctx ends
// before the writer is free, it returns ctx's error (wrapped, so errors.Is
// finds context.DeadlineExceeded or context.Canceled) and no transaction.
func (db *DB) BeginWriteContext(ctx context.Context) (*Tx, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memrel: begin write: %w", err)
	}
	select {
	case db.writer() <- struct{}{}:
		return db.beginWrite(), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("memrel: begin write: waiting for the writer: %w", ctx.Err())
	}
}

func (db *DB) beginWrite() *Tx {
	// The writer holds the lock: no commit can come between.
	if w := db.spare; w != nil {
		db.spare = nil
		return &Tx{db: db, txn: db.mem.Txn(true), write: true, rev: db.feed.rev.Load(), cnt: db.cnt.Load(), txWrite: w}
	}
	wt := &writeTx{tx: Tx{db: db, txn: db.mem.Txn(true), write: true, rev: db.feed.rev.Load(), cnt: db.cnt.Load()}}
	wt.tx.txWrite = &wt.w
	return &wt.tx
}

// View runs fn in a read transaction. The error is fn's. A panic in fn
// closes the transaction and is re-raised; runtime.Goexit (t.FailNow in a
// test) closes it too.
func (db *DB) View(fn func(tx *Tx) error) error {
	tx := db.BeginRead()
	tx.managed = true
	defer tx.close()
	return fn(tx)
}

// ViewContext is View for a caller with a context: if ctx has already ended,
// it returns ctx's error without running fn. A read transaction never
// waits, so there is nothing else to bound.
func (db *DB) ViewContext(ctx context.Context, fn func(tx *Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memrel: view: %w", err)
	}
	return db.View(fn)
}

// Update runs fn in a write transaction and commits it if fn returns nil. If
// fn returns an error, panics or calls runtime.Goexit (as t.Fatal and
// t.FailNow do in a test), every write fn made is discarded, as if the
// transaction had never begun, and the writer is free again; a panic goes
// on. Commit's own error, such as a DoNothing relation left pointing at a
// deleted row, also discards everything and is returned.
//
// fn must not call Commit; if it calls Abort, Update returns ErrTxClosed.
// Update waits while another write transaction is open; calling it inside
// fn (on the same DB) waits for ever: use UpdateContext to bound the wait.
func (db *DB) Update(fn func(tx *Tx) error) error {
	db.writer() <- struct{}{}
	return db.runUpdate(db.beginWrite(), fn)
}

// UpdateContext is Update with a bound on the wait for the writer: if ctx
// ends first, it returns ctx's error (wrapped) and fn does not run. Once fn
// runs, ctx is not consulted again: fn decides when it is done.
func (db *DB) UpdateContext(ctx context.Context, fn func(tx *Tx) error) error {
	tx, err := db.BeginWriteContext(ctx)
	if err != nil {
		return err
	}
	return db.runUpdate(tx, fn)
}

func (db *DB) runUpdate(tx *Tx, fn func(tx *Tx) error) error {
	tx.managed = true
	// A panic (which goes on from here) or runtime.Goexit, in fn or in
	// Commit's own checks: a recover would see neither the second nor, for
	// the first, keep its stack. Whatever happens, the transaction is
	// discarded unless it committed, and the writer is free (abort is a
	// no-op after Commit).
	defer tx.abort()
	err := fn(tx)
	if err != nil {
		tx.abort()
		return err
	}
	if tx.closed {
		return fmt.Errorf("memrel: Update: the transaction was aborted inside fn: %w", ErrTxClosed)
	}
	return tx.commit()
}

// keyIndexer indexes rows by primary key, answering go-memdb from the
// values memWrite computed ahead.
type keyIndexer struct {
	t     *TableInfo
	ahead *ahead
}

func (x *keyIndexer) FromObject(obj any) (bool, []byte, error) {
	if rv := x.ahead.get(obj); rv != nil {
		return true, rv.key, nil
	}
	return false, nil, errNotAhead
}

func (x *keyIndexer) FromArgs(args ...any) ([]byte, error) { return rawArg(args) }

// secondaryIndexer adapts the IndexDef at position pos of its table's
// indexes, answering go-memdb from the values memWrite computed ahead.
type secondaryIndexer struct {
	ix    *IndexDef
	pos   int
	ahead *ahead
}

func (x *secondaryIndexer) FromObject(obj any) (bool, []byte, error) {
	if rv := x.ahead.get(obj); rv != nil {
		return rv.ok[x.pos], rv.vals[x.pos], nil
	}
	return false, nil, errNotAhead
}

func (x *secondaryIndexer) FromArgs(args ...any) ([]byte, error) { return rawArg(args) }

// errNotAhead would mean that go-memdb was handed a row that memWrite did
// not prepare: a bug in memrel, reported as an internal error.
var errNotAhead = errors.New("memrel: internal error: a row reached go-memdb without its index values")

// rawArg takes the one pre-encoded key that memrel passes to go-memdb.
func rawArg(args []any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("memrel: internal error: index lookup takes one encoded key, got %d", len(args))
	}
	switch b := args[0].(type) {
	case []byte:
		return b, nil
	case *[]byte: // see Tx.first
		return *b, nil
	}
	return nil, fmt.Errorf("memrel: internal error: index lookup takes []byte, got %T", args[0])
}

// counters are, per table (by its place in the DB's order), the last key
// its sequence handed out and its number of rows (what Len returns without
// walking them), in one committed state. They are never changed once
// published: a commit that moves one publishes a new array with its state,
// under the feed's sequence lock, so that a transaction, and a snapshot,
// takes the state and its counters together. (Kept in go-memdb, they cost
// a write to a table of their own, with its radix paths copied, at every
// commit.)
type counters struct {
	c []counter
}

type counter struct {
	last int64
	rows int
}
