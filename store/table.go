package store

import (
	"errors"
	"fmt"
	"iter"
	"math"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/memrel-go/memrel/internal/offset"
	"github.com/memrel-go/memrel/internal/quote"
)

// Key is the set of types a primary key may have. Integer keys are assigned
// from the table's sequence when a row is inserted with a zero key; string
// keys are always chosen by the caller.
type Key interface {
	~int | ~int32 | ~int64 | ~uint | ~uint32 | ~uint64 | ~string
}

// AnyTable is a table of any row type, as listed in a schema. *Table
// implements it; nothing else can.
type AnyTable interface {
	Info() *TableInfo
}

// TableInfo is the untyped description of a table: what Open and the
// relations layer need to handle rows of a type they do not know. It is built
// once by NewTable and never changes after.
type TableInfo struct {
	name      string
	typ       reflect.Type
	kc        codec
	auto      bool // integer key: zero means "assign from the sequence"
	chosen    bool // the caller always chooses the key (CallerKeys)
	keyInt    func(obj any) int64
	keyBytes  func(dst []byte, obj any) []byte
	keyValue  func(obj any) any
	keyPtr    func(obj any) any                  // a *K to the key field of a *Row
	insertRaw func(tx *Tx, obj any) (any, error) // Insert of a *Row without the defaults
	clone     func(obj any) any
	value     func(obj any, withKey bool) any
	err       error
	// fieldsWritten reports whether Fields of the row type was written to.
	fieldsWritten func() bool
	// The BeforeUpdate and BeforeDelete functions, untyped: a delete runs
	// them on the rows it rewrites and removes.
	beforeUpdate []func(tx *Tx, old, row any) error
	beforeDelete []func(tx *Tx, row any) error
	frozen       atomic.Bool // a DB was opened with it: Defaults and CallerKeys cannot change it

	mu       sync.Mutex
	attached []any // the relations, constraints and indexes declared on the table, in order
}

// Attach records a declaration made on the table (a relation whose child it
// is, a constraint or an index on it): Open takes it with the table, so that
// nothing declared on a table can be left out of a DB that holds the table.
// The declaring functions call it.
func (ti *TableInfo) attach(decl any) {
	if ti.frozen.Load() {
		// A DB holds the table: the declaration would not be enforced
		// there, without a word.
		panic(fmt.Sprintf("memrel: table %s: a relation, constraint or index declared after a DB was opened with the table would not be enforced in it; declare everything on a table before Open", ti.name))
	}
	ti.mu.Lock()
	ti.attached = append(ti.attached, decl)
	ti.mu.Unlock()
}

// Attached lists the declarations made on the table, in the order they were
// made.
func (ti *TableInfo) attachedDecls() []any {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	return slices.Clone(ti.attached)
}

// mustBeOpen panics if a DB was opened with the table: a builder method
// would change rules in force there without a word.
func (ti *TableInfo) mustBeOpen(method string) {
	if ti.frozen.Load() {
		panic(fmt.Sprintf("memrel: table %s: %s called after a DB was opened with it; a declaration cannot change once it is in force (declare it whole before Open)", ti.name, method))
	}
}

// Name is the table's name.
func (ti *TableInfo) Name() string { return ti.name }

// RowType is the Go type of the table's rows.
func (ti *TableInfo) RowType() reflect.Type { return ti.typ }

// KeyBytes appends the encoded primary key of obj, a *Row of this table.
func (ti *TableInfo) appendKey(dst []byte, obj any) []byte { return ti.keyBytes(dst, obj) }

// KeyOf returns the primary key of obj, a *Row of this table, as a Go value.
func (ti *TableInfo) keyOf(obj any) any { return ti.keyValue(obj) }

// Clone returns a new *Row holding a copy of obj, a *Row of this table.
func (ti *TableInfo) cloneRow(obj any) any { return ti.clone(obj) }

// SetCallerKeys makes the caller choose every key of the table (see
// Table.CallerKeys). The relations layer calls it for a table whose primary
// key is also a foreign key.
func (ti *TableInfo) setCallerKeys() {
	if ti.chosen {
		return // already so: no write, so no race with readers of chosen
	}
	ti.mustBeOpen("a relation whose key is the table's key")
	ti.chosen = true
}

// Err reports a problem found when the table was declared (Open reports it
// too).
func (ti *TableInfo) declErr() error { return ti.err }

// Indexes lists the secondary indexes declared on the table itself.
func (ti *TableInfo) indexDefs() []*IndexDef {
	var out []*IndexDef
	for _, d := range ti.attachedDecls() {
		if ix, ok := d.(AnyIndex); ok {
			out = append(out, ix.IndexDef())
		}
	}
	return out
}

// Table is a typed handle on a table of rows of type T with primary key K.
// Declare it once, usually as a package-level variable, list it in the
// schema given to Open, and use it with any DB opened with that schema:
//
//	var Users = store.NewTable("users", func(u *User) *int64 { return &u.ID })
//
// A Table holds no data; its methods take the transaction they act in. It is
// safe for concurrent use once declared.
//
// Rows are stored by value: Insert and Update copy the row in, every read
// copies it out, so no caller can change a stored row in place. Slices, maps
// and pointers inside a row are copied shallowly: treat what they point to
// as read-only once the row is stored.
type Table[T any, K Key] struct {
	info     *TableInfo
	off      uintptr  // of the key field in T
	defaults func(*T) // the Default options, then the Defaults function
	fills    func(*T) // the Default options
	fn       func(*T) // the Defaults function

	beforeInsert []func(tx *Tx, row *T) error
}

// key is the row's key field.
func (t *Table[T, K]) key(p *T) *K { return offset.At[K](p, t.off) }

// NewTable declares a table. name must be unique in a schema; key returns a
// pointer to the row's primary key field, which memrel reads and, for integer
// keys left at zero, writes. Options such as Default fill fields of new rows.
func NewTable[T any, K Key](name string, key func(*T) *K, opts ...TableOption) *Table[T, K] {
	t := &Table[T, K]{}
	kc, err := codecFor[K]()
	info := &TableInfo{name: name, typ: reflect.TypeFor[T](), kc: kc, err: err}
	info.fieldsWritten = func() bool { return !reflect.ValueOf(Fields[T]()).Elem().IsZero() }
	info.auto = kc.kind != kindString
	if key == nil {
		info.err = fmt.Errorf("table %s: key accessor is nil", quote.Name(name))
	}
	// The key accessor is called once, here, to find the key's field; the
	// key is then read and written by offset, without user code.
	if key != nil {
		if off, ok := offset.Of(key); ok {
			t.off = off
		} else if info.err == nil {
			info.err = fmt.Errorf("table %s: the key accessor must return a pointer to a field of the row, like func(u *User) *int64 { return &u.ID }", quote.Name(name))
		}
	}
	info.keyBytes = func(dst []byte, obj any) []byte {
		b, _ := kc.appendValue(dst, unsafe.Pointer(t.key(obj.(*T))))
		return b
	}
	info.keyValue = func(obj any) any { return *t.key(obj.(*T)) }
	info.keyPtr = func(obj any) any { return t.key(obj.(*T)) }
	info.insertRaw = func(tx *Tx, obj any) (any, error) {
		r, _, err := t.insert(tx, *obj.(*T), nil, false, true)
		return &r, err
	}
	info.keyInt = func(obj any) int64 { return t.keyInt(obj.(*T)) }
	info.clone = func(obj any) any {
		c := *obj.(*T)
		return &c
	}
	info.value = func(obj any, withKey bool) any {
		c := *obj.(*T)
		if !withKey {
			*t.key(&c) = *new(K)
		}
		return c
	}
	t.info = info
	t.applyOptions(opts)
	return t
}

// Defaults sets a function that Insert calls on every new row before any
// check, to fill fields the caller left empty (a creation time, a default
// status). It returns t, for use in the declaration.
func (t *Table[T, K]) Defaults(fn func(row *T)) *Table[T, K] {
	t.info.mustBeOpen("Defaults")
	t.fn = fn
	t.composeDefaults()
	return t
}

// CallerKeys makes the caller choose every key, even integer ones: a row
// inserted with a zero key is refused with ErrInvalidKey instead of being
// numbered from the sequence. Use it for natural keys, and for a table whose
// key is also a foreign key (a one-to-one that shares the parent's key),
// which memrel detects and marks this way itself. It returns t, for use in
// the declaration.
func (t *Table[T, K]) CallerKeys() *Table[T, K] {
	t.info.mustBeOpen("CallerKeys")
	t.info.chosen = true
	return t
}

// Name is the table's name.
func (t *Table[T, K]) Name() string { return t.info.name }

// Info returns the untyped description of the table (nil for a nil
// handle).
func (t *Table[T, K]) Info() *TableInfo {
	if t == nil {
		return nil
	}
	return t.info
}

// Key returns the primary key of row.
func (t *Table[T, K]) Key(row T) K { return *t.key(&row) }

// KeyField returns a pointer to row's primary key field, through the
// accessor given to NewTable.
func (t *Table[T, K]) KeyField(row *T) *K { return t.key(row) }

func (t *Table[T, K]) encodeKey(k K) []byte {
	b, _ := t.info.kc.appendValue(make([]byte, 0, 16), unsafe.Pointer(&k))
	return b
}

// keyInt reads an integer key as an int64.
func (t *Table[T, K]) keyInt(p *T) int64 {
	kp := unsafe.Pointer(t.key(p))
	switch t.info.kc.kind {
	case kindInt:
		return int64(*(*int)(kp))
	case kindInt32:
		return int64(*(*int32)(kp))
	case kindInt64:
		return *(*int64)(kp)
	case kindUint:
		if v := *(*uint)(kp); v <= math.MaxInt64 {
			return int64(v)
		}
		return math.MaxInt64 // past the sequence's range: it is exhausted
	case kindUint32:
		return int64(*(*uint32)(kp))
	case kindUint64:
		if v := *(*uint64)(kp); v <= math.MaxInt64 {
			return int64(v)
		}
		return math.MaxInt64 // past the sequence's range: it is exhausted
	}
	return 0
}

// setKeyInt writes an integer key; it reports false if v does not fit.
func (t *Table[T, K]) setKeyInt(p *T, v int64) bool {
	kp := unsafe.Pointer(t.key(p))
	switch t.info.kc.kind {
	case kindInt:
		*(*int)(kp) = int(v)
	case kindInt32:
		if v > math.MaxInt32 {
			return false
		}
		*(*int32)(kp) = int32(v)
	case kindInt64:
		*(*int64)(kp) = v
	case kindUint:
		*(*uint)(kp) = uint(v)
	case kindUint32:
		if v > math.MaxUint32 {
			return false
		}
		*(*uint32)(kp) = uint32(v)
	case kindUint64:
		*(*uint64)(kp) = uint64(v)
	default:
		return false
	}
	return true
}

// Insert adds row and returns it as stored, with its key assigned if the
// table has integer keys and row's key was zero (the next value of the
// table's sequence, which never hands out a key twice, even after deletes or
// caller-chosen keys). Defaults runs first; then the row is checked (a check
// sees the key the row will have). A refused insert changes nothing, the
// sequence included, and its error names it "a new <table> row". When a row
// breaks several rules, the error is the first in the order SQL databases
// use: invalid key, check constraints, the primary key (ErrExists), other
// unique constraints, foreign keys.
//
// Possible errors: ErrTxClosed, ErrReadOnly, ErrUnknownTable, ErrExists and
// ErrInvalidKey (as *KeyError), ErrForeignKey, ErrUnique, ErrCheck.
func (t *Table[T, K]) Insert(tx *Tx, row T) (T, error) {
	return t.InsertWith(tx, row, nil)
}

// InsertWith is Insert with fill, which runs after the table's Defaults and
// before any check: it can override a default, even with a zero value.
func (t *Table[T, K]) InsertWith(tx *Tx, row T, fill func(row *T)) (T, error) {
	r, _, err := t.insert(tx, row, fill, false, false)
	return r, err
}

// insert is InsertWith; with skip, a row that collides on the primary key
// or a unique constraint is not written and no error is built: insert
// returns the stored row it collides with and false (see InsertOrSkip).
// With raw, the table's defaults do not run: the row is stored as given
// (a fixture's or a saved DB's row), with every check.
func (t *Table[T, K]) insert(tx *Tx, row T, fill func(row *T), skip, raw bool) (T, bool, error) {
	var zero T
	if err := tx.writable(t.info); err != nil {
		return zero, false, err
	}
	if len(t.beforeInsert) > 0 && !raw {
		var out T
		var written bool
		err := tx.hooked(func() error {
			var err error
			out, written, err = t.insertChecked(tx, row, fill, skip, raw, true)
			if err == nil && !written {
				return errSkipped // the row was skipped: the hooks' writes go too
			}
			return err
		})
		if err == errSkipped {
			err = nil
		}
		return out, written, err
	}
	return t.insertChecked(tx, row, fill, skip, raw, false)
}

// errSkipped undoes the BeforeInsert functions' writes of a row that
// InsertOrSkip skipped.
var errSkipped = errors.New("memrel: internal: skipped")

// insertChecked is insert; with hooks, the BeforeInsert functions run on
// the row after its defaults.
func (t *Table[T, K]) insertChecked(tx *Tx, row T, fill func(row *T), skip, raw, hooks bool) (T, bool, error) {
	var zero T
	p := new(T)
	*p = row
	if t.defaults != nil && !raw {
		t.defaults(p)
	}
	if fill != nil {
		fill(p)
	}
	if hooks {
		for _, fn := range t.beforeInsert {
			if err := fn(tx, p); err != nil {
				return zero, false, err
			}
			if err := endedBy(tx, "BeforeInsert", t.info.name); err != nil {
				return zero, false, err
			}
		}
	}
	if (t.defaults != nil && !raw) || fill != nil || hooks {
		// They were given p: store another copy, which no callback holds.
		c := new(T)
		*c = *p
		p = c
	}
	kp := t.key(p)
	var zk K
	seqNext := int64(0)
	assigned := false
	if *kp == zk {
		if !t.info.auto || t.info.chosen {
			return zero, false, &KeyError{Table: t.info.name, Key: *kp, Err: fmt.Errorf("%w: the caller must choose the key", ErrInvalidKey)}
		}
		var ok bool
		if seqNext, ok = tx.seqPeek(t.info); !ok {
			return zero, false, &KeyError{Table: t.info.name, Key: *kp, Err: fmt.Errorf("%w: sequence exhausted", ErrInvalidKey)}
		}
		if !t.setKeyInt(p, seqNext) {
			return zero, false, &KeyError{Table: t.info.name, Key: seqNext, Err: fmt.Errorf("%w: sequence exhausted for the key type", ErrInvalidKey)}
		}
		// A key fresh from the sequence is larger than every key the table
		// ever held: no lookup needed. The sequence moves only once the
		// row is written.
		assigned = true
	} else {
		if t.info.auto {
			seqNext = t.keyInt(p)
		}
	}
	var taken error
	var takenRow any
	if !assigned {
		tx.keyBuf = t.info.keyBytes(tx.keyBuf[:0], p)
		if takenRow = tx.first(t.info, tx.keyBuf); takenRow != nil && !skip {
			taken = &KeyError{Table: t.info.name, Key: *kp, Err: ErrExists}
		}
	}
	if skip {
		conflict, err := t.skipConflict(tx, p, assigned, takenRow)
		if err != nil || conflict != nil {
			if conflict == nil {
				return zero, false, err
			}
			return *conflict.(*T), false, nil
		}
	} else if h := tx.db.hooks; h != nil {
		// The relations layer reports taken in its place: after check
		// constraints, before other unique constraints and foreign keys.
		if err := h.BeforeInsert(tx, t.info, p, assigned, taken); err != nil {
			return zero, false, err
		}
	} else if taken != nil {
		return zero, false, taken
	}
	if err := tx.put(t.info, nil, p); err != nil {
		return zero, false, err
	}
	if t.info.auto {
		tx.seqAdvance(t.info, seqNext)
	}
	if tx.deferFK {
		tx.noteDeferred(t.info, p)
	}
	return *p, true, nil
}

// Update replaces the stored row that has row's key with row, and returns it.
// The relations layer checks foreign keys that changed, unique and check
// constraints first; a refused update changes nothing. A primary key cannot
// change: Update finds the row by it.
//
// Possible errors: ErrTxClosed, ErrReadOnly, ErrUnknownTable, ErrNotFound (as
// *KeyError), ErrForeignKey, ErrUnique, ErrCheck.
func (t *Table[T, K]) Update(tx *Tx, row T) (T, error) {
	var zero T
	if err := tx.writable(t.info); err != nil {
		return zero, err
	}
	p := new(T)
	*p = row
	old := tx.first(t.info, t.info.keyBytes(make([]byte, 0, 16), p))
	if old == nil {
		return zero, &KeyError{Table: t.info.name, Key: *t.key(p), Err: ErrNotFound}
	}
	if len(t.info.beforeUpdate) > 0 {
		var out T
		err := tx.hooked(func() error {
			k := *t.key(p)
			if err := t.info.runBeforeUpdate(tx, old, p); err != nil {
				return err
			}
			if *t.key(p) != k {
				return &KeyError{Table: t.info.name, Key: k, Err: fmt.Errorf("%w: a BeforeUpdate function cannot change the primary key", ErrInvalidKey)}
			}
			c := new(T) // the functions were given p: store a copy no one holds
			*c = *p
			var err error
			out, err = t.updateChecked(tx, old, c)
			return err
		})
		return out, err
	}
	return t.updateChecked(tx, old, p)
}

// updateChecked is Update once the stored row is found (and the BeforeUpdate
// functions ran).
func (t *Table[T, K]) updateChecked(tx *Tx, old any, p *T) (T, error) {
	var zero T
	if h := tx.db.hooks; h != nil {
		if err := h.BeforeUpdate(tx, t.info, old, p); err != nil {
			return zero, err
		}
	}
	if err := tx.put(t.info, old, p); err != nil {
		return zero, err
	}
	if tx.deferFK {
		tx.noteDeferred(t.info, p)
	}
	return *p, nil
}

// Modify reads the row with key k, lets fn change it, and stores the result
// as Update does. If fn returns an error, nothing is stored and that error is
// returned.
//
// Possible errors: those of Update, and fn's.
func (t *Table[T, K]) Modify(tx *Tx, k K, fn func(row *T) error) (T, error) {
	var zero T
	if err := tx.writable(t.info); err != nil {
		return zero, err
	}
	obj := tx.first(t.info, t.encodeKey(k))
	if obj == nil {
		return zero, &KeyError{Table: t.info.name, Key: k, Err: ErrNotFound}
	}
	row := *obj.(*T)
	if err := fn(&row); err != nil {
		return zero, err
	}
	if *t.key(&row) != k {
		return zero, &KeyError{Table: t.info.name, Key: k, Err: fmt.Errorf("%w: Modify cannot change the primary key", ErrInvalidKey)}
	}
	return t.Update(tx, row)
}

// Delete deletes the rows with the given keys, all at once, with every
// on-delete rule of the relations that point at them (see package
// relations): it either applies the whole plan or changes nothing. It
// reports the rows deleted and updated per table. With no keys it does
// nothing.
//
// Possible errors: ErrTxClosed, ErrReadOnly, ErrUnknownTable, ErrNotFound
// (as *KeyError listing every missing key: then nothing is deleted),
// ErrProtected, ErrRestricted, and ErrForeignKey, ErrUnique or ErrCheck when
// a value set by SetDefault or Set breaks a constraint.
func (t *Table[T, K]) Delete(tx *Tx, keys ...K) (DeleteResult, error) {
	if err := tx.writable(t.info); err != nil {
		return DeleteResult{}, err
	}
	if len(keys) == 0 {
		return DeleteResult{}, nil
	}
	rows, err := t.stored(tx, keys)
	if err != nil {
		return DeleteResult{}, err
	}
	if h := tx.db.hooks; h != nil {
		return h.Delete(tx, t.info, rows)
	}
	sp := tx.savepoint()
	for _, obj := range rows {
		if err := tx.put(t.info, obj, nil); err != nil {
			tx.rollbackTo(sp)
			return DeleteResult{}, err
		}
	}
	tx.release(sp)
	return DeleteResult{Deleted: map[string]int{t.info.name: len(rows)}}, nil
}

// stored returns the stored rows with the given keys, each once, or a
// *KeyError listing every missing key.
func (t *Table[T, K]) stored(tx *Tx, keys []K) ([]any, error) {
	rows := make([]any, 0, len(keys))
	var missing []any
	var seen map[K]struct{} // only a list of keys can hold one twice
	if len(keys) > 1 {
		seen = make(map[K]struct{}, len(keys))
	}
	for _, k := range keys {
		if seen != nil {
			if _, dup := seen[k]; dup {
				continue
			}
			seen[k] = struct{}{}
		}
		obj := tx.first(t.info, t.encodeKey(k))
		if obj == nil {
			missing = append(missing, k)
			continue
		}
		rows = append(rows, obj)
	}
	if len(missing) > 0 {
		return nil, &KeyError{Table: t.info.name, Key: missing[0], Keys: missing, Err: ErrNotFound}
	}
	return rows, nil
}

// Get returns a copy of the row with key k (comma-ok).
//
// Get, Has, All and Len panic if the table is not in the DB's schema, since
// that is a programming error that a read cannot report.
func (t *Table[T, K]) Get(tx *Tx, k K) (T, bool) {
	obj := tx.first(t.info, t.encodeKey(k))
	if obj == nil {
		var zero T
		return zero, false
	}
	return *obj.(*T), true
}

// Has reports whether a row with key k exists.
func (t *Table[T, K]) Has(tx *Tx, k K) bool {
	return tx.first(t.info, t.encodeKey(k)) != nil
}

// All returns every row in key order. The sequence reads the snapshot that
// existed when iteration began: writes made while iterating are allowed and
// are not seen by it.
func (t *Table[T, K]) All(tx *Tx) iter.Seq[T] {
	return func(yield func(T) bool) {
		it := tx.iter(t.info, idIndex, nil)
		for obj := it.Next(); obj != nil; obj = it.Next() {
			if !yield(*obj.(*T)) {
				return
			}
		}
	}
}

// Len returns the number of rows, in constant time: every snapshot keeps
// each table's count, and a write transaction adds its own inserts and
// deletes.
func (t *Table[T, K]) Len(tx *Tx) int {
	tx.mustRead(t.info)
	return tx.rowCount(t.info)
}
