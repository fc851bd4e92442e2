package store

import (
	"errors"
	"fmt"
	"math"

	"github.com/hashicorp/go-memdb"
)

// Tx is a transaction: a read transaction sees the snapshot that existed
// when it began; a write transaction also sees its own writes, and nobody
// else sees them until Commit. A Tx is not safe for concurrent use by
// multiple goroutines.
//
// Every refused operation (a violated constraint, a protected delete, a
// missing key) leaves the transaction exactly as it was before the
// operation, and usable.
type Tx struct {
	db      *DB
	txn     *memdb.Txn
	write   bool
	closed  bool
	managed bool // run by View or Update: Commit is theirs

	rev    uint64    // the revision of the state it reads (Revision)
	cnt    *counters // the committed counters of the state it reads (nil: all zero)
	arg    []byte    // the encoded key of a lookup, handed to go-memdb through args
	args   [1]any    // {&arg}, built once: passing it to go-memdb allocates nothing
	argBuf [24]byte

	// What only a write transaction uses. A read transaction points at
	// noWrite, shared and never written: its fields read as empty, and a
	// read transaction costs one small allocation.
	*txWrite
}

// txWrite is the state of a write transaction.
type txWrite struct {
	seq      map[*TableInfo]int64 // last key handed out, per table, this transaction
	rows     []int                // rows inserted less rows deleted, per table (by its place in db.order)
	journal  []undo
	depth    int // open savepoints
	onCommit []func(*Tx) error
	deferFK  bool                               // foreign keys are checked at Commit (DeferForeignKeys)
	deferred map[*TableInfo]map[string]struct{} // rows written since, by encoded key
	scratch  []byte                             // reused by memWrite for the values it computes ahead

	// A write transaction answers primary-key lookups of the tables it
	// wrote from live (the rows it wrote, by encoded key; nil for a row it
	// deleted), and the others from base, the state it began from. go-memdb
	// answers a read of an index the transaction modified through a clone
	// that drops the index's cache of writable nodes, so that the next
	// write copies its whole path again: a lookup before each insert (a
	// caller-chosen key's existence check) doubles the cost of the insert.
	live     map[*TableInfo]map[string]liveRow
	after    []func(*ChangeSet) // AfterCommit
	base     *memdb.Txn
	keyBuf   []byte
	overlays map[overlayKey]overlay // see scanValue
}

// noWrite is the txWrite of every read transaction: never written.
var noWrite txWrite

// writeTx is a write transaction and its state, in one allocation.
type writeTx struct {
	tx Tx
	w  txWrite
}

// undo is one journal entry: the state of a row (or a sequence) before a
// write made while a savepoint was open.
type undo struct {
	t        *TableInfo
	old, new any // row write: old nil = insert, new nil = delete
	seq      bool
	oldSeq   int64
	hadSeq   bool
}

// writable reports whether the transaction can write to t: nil, or
// ErrTxClosed, ErrReadOnly, or ErrUnknownTable (as *TableError).
func (tx *Tx) writable(t *TableInfo) error {
	if tx.closed {
		return fmt.Errorf("memrel: %w", ErrTxClosed)
	}
	if !tx.write {
		return fmt.Errorf("memrel: write to %s: %w", t.name, ErrReadOnly)
	}
	if _, ok := tx.db.tables[t]; !ok {
		return &TableError{Table: t.name, Err: ErrUnknownTable}
	}
	return nil
}

// IsWrite reports whether this is a write transaction.
func (tx *Tx) IsWrite() bool { return tx.write }

// DB returns the DB the transaction belongs to.
func (tx *Tx) DB() *DB { return tx.db }

// Commit makes the transaction's writes visible to transactions that begin
// afterwards. It first runs the checks deferred to commit (foreign keys
// written after DeferForeignKeys, DoNothing relations); if one fails, the whole transaction is discarded and its error
// returned. On a read transaction Commit only closes it. Afterwards, writes,
// Commit and Check return ErrTxClosed, and reads panic (a read cannot
// return an error).
//
// Inside View or Update, Commit returns an error and does nothing: the
// managed transaction commits when fn returns.
func (tx *Tx) Commit() error {
	if tx.managed {
		return errors.New("memrel: Commit called inside View or Update; return nil from fn to commit")
	}
	return tx.commit()
}

func (tx *Tx) commit() error {
	if tx.closed {
		return fmt.Errorf("memrel: commit: %w", ErrTxClosed)
	}
	if !tx.write {
		tx.close()
		return nil
	}
	if err := tx.checkDeferred(); err != nil {
		tx.abort()
		return err
	}
	for _, fn := range tx.onCommit {
		if err := fn(tx); err != nil {
			tx.abort()
			return err
		}
	}
	// The counters of the state this commit makes: a new array if the
	// transaction moved a sequence or a count of rows, published with the
	// state (readers take both under the feed's sequence lock).
	var next *counters
	for i, t := range tx.db.order {
		last, moved := tx.seq[t]
		if !moved && (tx.rows == nil || tx.rows[i] == 0) {
			continue
		}
		if next == nil {
			next = &counters{c: make([]counter, len(tx.db.order))}
			if tx.cnt != nil {
				copy(next.c, tx.cnt.c)
			}
		}
		if moved {
			next.c[i].last = last
		}
		if tx.rows != nil {
			next.c[i].rows += tx.rows[i]
		}
	}
	keep := tx.db.feed.keeping()
	var cs *ChangeSet
	if len(tx.after) > 0 || keep {
		cs = tx.Changes()
	}
	rev := tx.db.feed.publish(func() {
		tx.txn.Commit()
		if next != nil {
			tx.db.cnt.Store(next)
		}
	})
	if keep {
		tx.db.feed.record(rev, cs)
	}
	// Asked after the revision moved: a watch registered before it is in
	// the list, one registered after it sees the new revision and closes.
	if tx.db.feed.watching() {
		if cs == nil {
			cs = tx.Changes()
		}
		tx.db.feed.more.Load().watch.fire(cs)
	}
	after := tx.after // close may hand the write state to the next transaction
	tx.close()
	if cs != nil {
		runAfter(after, cs)
	}
	return nil
}

// Abort discards the transaction's writes. It is a no-op on a closed
// transaction, so `defer tx.Abort()` is always safe, even after Commit.
func (tx *Tx) Abort() { tx.abort() }

func (tx *Tx) abort() {
	if tx.closed {
		return
	}
	tx.txn.Abort()
	tx.close()
}

func (tx *Tx) close() {
	if tx.closed {
		return
	}
	tx.closed = true
	if !tx.write {
		return
	}
	// The write state goes to the next write transaction (one at a time
	// holds the writer, so one spare is enough), and the closed transaction
	// reads the shared empty one. A Proposal runs its transaction's
	// AfterCommit functions after the close: such a state is not reused.
	w := tx.txWrite
	if len(w.after) == 0 {
		tx.txWrite = &noWrite
		w.reset()
		tx.db.spare = w
	} else {
		w.journal, w.seq, w.rows, w.onCommit, w.deferred = nil, nil, nil, nil, nil
	}
	<-tx.db.writer() // free the writer
}

// reset empties w for the next write transaction, keeping what is cheap to
// keep (small maps and buffers) and dropping what a large transaction grew.
func (w *txWrite) reset() {
	const keep = 1 << 12 // entries or bytes worth keeping
	clear(w.seq)
	clear(w.rows)
	clear(w.journal)
	w.journal = w.journal[:0]
	if cap(w.journal) > keep {
		w.journal = nil
	}
	w.depth = 0
	w.onCommit = nil
	w.deferFK = false
	w.deferred = nil
	clear(w.live) // the tables' maps of rows are dropped, not reused
	w.after = nil
	w.base = nil
	clear(w.overlays)
	if cap(w.scratch) > keep {
		w.scratch = nil
	}
	if cap(w.keyBuf) > keep {
		w.keyBuf = nil
	}
}

// first returns the stored row with the encoded key, or nil.
func (tx *Tx) first(t *TableInfo, key []byte) any {
	tx.mustRead(t)
	txn := tx.txn
	if m, ok := tx.live[t]; ok {
		if lr, ok := m[string(key)]; ok {
			return lr.cur
		}
		if tx.base == nil {
			tx.base = tx.db.mem.Txn(false) // no write is visible to it: the state tx began from
		}
		txn = tx.base
	}
	obj, err := txn.First(t.name, idIndex, tx.argsOf(key)...)
	if err != nil {
		panic(fmt.Sprintf("memrel: table %s is not in this DB's schema", t.name))
	}
	return obj
}

// argsOf returns the arguments of a go-memdb lookup of the encoded value
// v: a pointer to a buffer of tx's holding a copy of v, in a list built
// once. Boxing the slice itself, and a fresh variadic list, cost two
// allocations per lookup and made the caller's buffer escape. go-memdb
// reads the value during the call and keeps nothing of it.
func (tx *Tx) argsOf(v []byte) []any {
	if tx.args[0] == nil { // inside tx: no allocation for a transaction's first lookup
		tx.arg = tx.argBuf[:0]
		tx.args[0] = &tx.arg
	}
	tx.arg = append(tx.arg[:0], v...)
	return tx.args[:]
}

// mustRead panics if t cannot be read: the transaction is closed, or t is
// not a table of this DB's schema (another handle may share its name).
func (tx *Tx) mustRead(t *TableInfo) {
	if tx.closed {
		panic(fmt.Sprintf("memrel: read of %s in a closed transaction", t.name))
	}
	if _, ok := tx.db.tables[t]; !ok {
		panic(fmt.Sprintf("memrel: table %s is not in this DB's schema", t.name))
	}
}

// iter iterates the index entries whose value starts with prefix (all of
// them for a nil prefix), in index order.
func (tx *Tx) iter(t *TableInfo, index string, prefix []byte) memdb.ResultIterator {
	tx.mustRead(t)
	var it memdb.ResultIterator
	var err error
	if prefix == nil {
		it, err = tx.txn.Get(t.name, index)
	} else {
		it, err = tx.txn.Get(t.name, index, tx.argsOf(prefix)...)
	}
	if err != nil {
		panic(fmt.Sprintf("memrel: index %s.%s is not in this DB's schema: %v", t.name, index, err))
	}
	return it
}

// put writes one row: old nil inserts new, new nil deletes old, both set
// replaces old by new (old must be the stored row). Inside a savepoint the
// write is journaled. A panicking accessor stops it before anything changed
// (see memWrite).
func (tx *Tx) put(t *TableInfo, old, new any) error {
	if err := tx.memWrite(t, old, new); err != nil {
		return fmt.Errorf("memrel: internal error: writing %s: %v", t.name, err)
	}
	if tx.depth > 0 {
		tx.journal = append(tx.journal, undo{t: t, old: old, new: new})
	}
	return nil
}

// seqPeek returns the key the table's sequence would hand out next, and
// false when the sequence is exhausted (it reached the largest int64).
func (tx *Tx) seqPeek(t *TableInfo) (int64, bool) {
	last, _ := tx.seqLast(t)
	if last == math.MaxInt64 {
		return 0, false
	}
	return last + 1, true
}

// seqLast is the last key the table's sequence handed out or saw: this
// transaction's if it moved it (ok), else the stored one.
func (tx *Tx) seqLast(t *TableInfo) (last int64, ok bool) {
	if last, ok = tx.seq[t]; ok {
		return last, true
	}
	return tx.seqLoad(t), false
}

func (tx *Tx) seqLoad(t *TableInfo) int64 {
	return tx.counter(t).last
}

// counter returns the table's committed counters, as of the state the
// transaction reads.
func (tx *Tx) counter(t *TableInfo) counter {
	if tx.cnt == nil {
		return counter{}
	}
	return tx.cnt.c[tx.db.tables[t].pos]
}

// rowCount is the number of rows of t the transaction sees: the committed
// count, plus its own inserts, less its own deletes.
func (tx *Tx) rowCount(t *TableInfo) int {
	n := tx.counter(t).rows
	if tx.rows != nil {
		n += tx.rows[tx.db.tables[t].pos]
	}
	return n
}

// seqAdvance records that key n is used, so the sequence never hands it out.
func (tx *Tx) seqAdvance(t *TableInfo, n int64) {
	last, ok := tx.seqLast(t)
	if n <= last {
		return
	}
	if tx.seq == nil {
		tx.seq = map[*TableInfo]int64{}
	}
	if tx.depth > 0 {
		tx.journal = append(tx.journal, undo{t: t, seq: true, oldSeq: last, hadSeq: ok})
	}
	tx.seq[t] = n
}
