package store

import "github.com/memrel-go/memrel/internal/engine"

// The low-level operations that package store lends to the relations layer
// (see lend.go), exported to store's own tests only.

type (
	Config      = config
	Hooks       = hooks
	Savepoint   = engine.Savepoint
	RowIterator = engine.RowIterator
)

func Open(cfg Config) (*DB, error) { return open(cfg) }
func Validate(cfg Config) error    { return validate(cfg) }

func (tx *Tx) Savepoint() Savepoint                        { return tx.savepoint() }
func (tx *Tx) Release(sp Savepoint)                        { tx.release(sp) }
func (tx *Tx) RollbackTo(sp Savepoint)                     { tx.rollbackTo(sp) }
func (tx *Tx) Lookup(t *TableInfo, key []byte) any         { return tx.lookup(t, key) }
func (tx *Tx) Writable(t *TableInfo) error                 { return tx.writable(t) }
func (tx *Tx) OnCommit(check func(*Tx) error)              { tx.addOnCommit(check) }
func (tx *Tx) WriteUnchecked(t *TableInfo, o, n any) error { return tx.writeUnchecked(t, o, n) }
func (tx *Tx) Scan(t *TableInfo, index string, prefix []byte) RowIterator {
	return tx.scan(t, index, prefix)
}
func (tx *Tx) ScanFrom(t *TableInfo, index string, from []byte, reverse bool) RowIterator {
	return tx.scanFrom(t, index, from, reverse)
}
func (db *DB) Hooks() Hooks { return db.hooks }

func (ti *TableInfo) Attach(decl any)                     { ti.attach(decl) }
func (ti *TableInfo) Attached() []any                     { return ti.attachedDecls() }
func (ti *TableInfo) KeyBytes(dst []byte, obj any) []byte { return ti.appendKey(dst, obj) }
func (ti *TableInfo) KeyOf(obj any) any                   { return ti.keyOf(obj) }
func (ti *TableInfo) Clone(obj any) any                   { return ti.cloneRow(obj) }
func (ti *TableInfo) SetCallerKeys()                      { ti.setCallerKeys() }
func (ti *TableInfo) Err() error                          { return ti.declErr() }
func (ti *TableInfo) Indexes() []*IndexDef                { return ti.indexDefs() }

func NewIndexDef(t *TableInfo, name string, fromObject func(dst []byte, obj any) ([]byte, bool)) *IndexDef {
	return newIndexDef(t, name, fromObject)
}

func (tx *Tx) InsertRaw(t *TableInfo, obj any) (any, error) { return tx.insertRaw(t, obj) }
func (tx *Tx) Sequence(t *TableInfo) int64                  { return tx.sequence(t) }
func (tx *Tx) SetSequence(t *TableInfo, n int64) error      { return tx.setSequence(t, n) }
func (ti *TableInfo) KeyPtr(obj any) any                    { return ti.keyPtrOf(obj) }
