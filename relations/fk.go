package relations

import (
	"fmt"
	"iter"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/memrel-go/memrel/internal/engine"
	"github.com/memrel-go/memrel/internal/fieldref"
	"github.com/memrel-go/memrel/internal/offset"
	"github.com/memrel-go/memrel/internal/quote"
	"github.com/memrel-go/memrel/store"
)

// Relation is a relation listed in a schema: a foreign key, a one-to-one or
// a many-to-many relation. Only this package implements it.
type Relation interface {
	parts() parts
}

// parts is what a relation brings to a schema: foreign keys, and for an
// automatic many-to-many relation, its link table and the link table's
// unique pair constraint.
type parts struct {
	fks    []*fkDef
	tables []store.AnyTable
	cons   []Constraint
	m2m    *m2mDef
}

// fkDef is the untyped core of a foreign key: what the schema builder, the
// insert checks and the delete collector need. The generic constructors fill
// in the closures, so no operation needs reflection.
type fkDef struct {
	field    string           // "author"
	column   string           // the child row's key field, "AuthorID" (for diagrams)
	off      uintptr          // the key field's offset in the child row (for SQL)
	ftype    reflect.Type     // the key field's type, K or store.Null[K] (for SQL)
	missing  string           // what a broken declaration lacks, if anything
	owner    *store.TableInfo // the child table of a broken declaration, for its error
	child    *store.TableInfo
	parent   *store.TableInfo
	action   OnDelete
	related  string // reverse name on the parent table
	nullable bool
	unique   bool // one-to-one
	index    string
	err      error
	frozen   atomic.Bool // a schema was opened with it: its rules cannot change

	nameOnce   sync.Once
	frozenName string // name, once frozen

	hasDefault  bool
	defaultNull bool
	hasSet      bool
	setFunc     bool // the Set value comes from a function (user code that may write)
	setNull     bool // Set empties the key (SetToNull, Django's SET(None))
	unchecked   bool // NoConstraint: the parent's existence is never checked
	defValue    any  // the Default value, for SQL's column DEFAULT
	setValue    any  // the SetTo value, for SQL's column DEFAULT

	// shared is set once a schema answers the relation's lookups from a
	// unique constraint's index (see leadingUnique): each DB's runtime
	// holds its own choice (runtime.via), looked up only then.
	shared atomic.Bool

	// ref appends the encoded parent key of a child row; false when empty.
	ref func(dst []byte, obj any) ([]byte, bool)
	// refValue is the parent key of a child row as a Go value (nil if empty).
	refValue func(obj any) any
	// prepare computes the value a SetNull, SetDefault or Set rule writes,
	// once per delete, and returns the function that writes it into a row.
	prepare func(tx *store.Tx) (func(obj any), error)
}

func (d *fkDef) name() string {
	if !d.frozen.Load() { // Named may still change it
		return d.makeName()
	}
	// Frozen, it never changes: built once (a refused delete names its
	// relations, and building the string cost two allocations each time).
	d.nameOnce.Do(func() { d.frozenName = d.makeName() })
	return d.frozenName
}

func (d *fkDef) makeName() string {
	if d.child == nil {
		return quote.Name(d.field)
	}
	return d.child.Name() + "." + quote.Name(d.field)
}

// mustBeOpen panics if a schema was opened with the relation: its rules
// are then in force in a DB, and a builder method would change them there
// without a word.
func (d *fkDef) mustBeOpen(method string) {
	if d.frozen.Load() {
		panic(fmt.Sprintf("memrel: relation %s: %s called after a DB was opened with it; a declaration cannot change once it is in force (declare it whole before Open)", d.name(), method))
	}
}

// indexValue is the FK index entry of a child row. Nullable relations index
// empty values too (marker 0x00, then 0x01 + key for set values), so rows
// with an empty key can be listed.
func (d *fkDef) indexValue(dst []byte, obj any) ([]byte, bool) {
	if !d.nullable {
		return d.ref(dst, obj)
	}
	n := len(dst)
	dst = append(dst, 0x01)
	if b, ok := d.ref(dst, obj); ok {
		return b, true
	}
	return append(dst[:n], 0x00), true
}

// scan iterates the children whose index value starts with prefix (see
// prefix), in key order.
func (d *fkDef) scan(tx *store.Tx, prefix []byte) engine.RowIterator {
	if u := d.sharedVia(tx); u != nil {
		return eng.ScanPrefix(tx, d.child, u.index, prefix)
	}
	return eng.Scan(tx, d.child, d.index, prefix)
}

// count counts the children whose index value starts with prefix.
func (d *fkDef) count(tx *store.Tx, prefix []byte) int {
	if u := d.sharedVia(tx); u != nil {
		return eng.CountPrefix(tx, d.child, u.index, prefix)
	}
	n := 0
	it := eng.Scan(tx, d.child, d.index, prefix)
	for obj := it.Next(); obj != nil; obj = it.Next() {
		n++
	}
	return n
}

// sharedVia returns the unique constraint whose index answers d's lookups
// in tx's DB, or nil when d has an index of its own there.
func (d *fkDef) sharedVia(tx *store.Tx) *uniqueDef {
	if !d.shared.Load() {
		return nil
	}
	rt, _ := eng.HooksOf(tx.DB()).(*runtime)
	if rt == nil {
		return nil
	}
	return rt.via[d]
}

// leadingUnique returns the first of uniques (the child table's) whose
// index can answer d's lookups instead of an index of d's own, as SQL
// engines use an index for a query on its leading column: a constraint on
// fields, the first of which is d's key field, without a condition or a
// field that can be empty (so that every row is in its index, under a
// value that starts with the encoded key). It returns nil when none can,
// and for a nullable relation (its index also finds the empty keys) or a
// one-to-one (its own index is a unique one).
func (d *fkDef) leadingUnique(uniques []*uniqueDef) *uniqueDef {
	if d.nullable || d.unique || d.ftype == nil {
		return nil
	}
	for _, u := range uniques {
		if u.fk != nil || u.partial || u.err != nil || len(u.offs) == 0 || u.offs[0] != d.off || u.ftypes[0] != d.ftype {
			continue
		}
		if !slices.ContainsFunc(u.ftypes, func(t reflect.Type) bool { return !scalar(t) }) {
			return u
		}
	}
	return nil
}

// scalar reports whether values of t are encoded as one value that is never
// empty (not a Null, nor a struct or array of fields).
func scalar(t reflect.Type) bool {
	if t == reflect.TypeFor[time.Time]() {
		return true
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.Bool, reflect.String:
		return true
	}
	return false
}

// prefix is the FK index prefix of the children of the parent with the
// encoded key: for a required relation parentKey itself (dst is not used),
// for a nullable one the non-empty marker and the key, appended to dst.
func (d *fkDef) prefix(dst, parentKey []byte) []byte {
	if !d.nullable {
		return parentKey
	}
	return append(append(dst, 0x01), parentKey...)
}

// FK is a foreign key from the rows of a child table C to the rows of a
// parent table P whose primary key is K: a many-to-one relation. Declare it
// once with ForeignKey (a store.Null key field makes it nullable), list it
// in the schema, and use its methods to follow it in either direction.
type FK[C, P any, K store.Key] struct {
	d        *fkDef
	parent   *store.Table[P, K]
	off      uintptr // the key field's offset in C
	nullable bool    // the key field is a store.Null[K]
	found    bool    // off is set: the declaration named a field of C
	set      func(*C, K)
	clear    func(*C)
	enc      store.Encoder[K]
	def      K
	setTo    K
	setFunc  func(tx *store.Tx) (K, error)
}

// get returns the key c holds (false when its nullable key is empty). A
// method, not a function value, so that c does not escape: LoadedParent
// and the collector call it on rows of their own.
func (fk *FK[C, P, K]) get(c *C) (K, bool) {
	if !fk.found { // a refused declaration: Open reports it
		var zero K
		return zero, false
	}
	if fk.nullable {
		n := offset.At[store.Null[K]](c, fk.off)
		return n.V, n.Valid
	}
	return *offset.At[K](c, fk.off), true
}

// KeyField is how a declaration names a row's key field: a field reference
// into store.Fields[C]() (&post.AuthorID, where post = store.Fields[Post]()),
// or an accessor function returning a pointer to the field. A field of type
// K makes the relation required; a field of type store.Null[K] makes it
// nullable: empty means "no parent", and SetNull needs it.
type KeyField[C any, K store.Key] interface {
	*K | *store.Null[K] | func(*C) *K | func(*C) *store.Null[K]
}

// ForeignKey declares a foreign key: the child row's field holds the primary
// key of a parent row, which must exist (unless the field is a store.Null
// and empty). onDelete says what deleting the parent does to the child. The
// relation is named after the field, as Django names it (AuthorID ->
// "author"; Named changes it); the compiler checks that the field's type is
// the parent's key type.
//
// The relation is indexed, for its reverse lookups and the deletes of
// parents: by an index of its own, or, when its field is the first of a
// unique constraint's fields (UniqueTogether, or a many-to-many link's
// source), by that constraint's index, as an SQL engine uses an index for
// its leading column (one index less to write per row).
//
//	var post = store.Fields[Post]()
//	var PostAuthor = relations.ForeignKey(Posts, &post.AuthorID, Users, relations.Cascade).Related("posts")
func ForeignKey[C any, CK store.Key, P any, K store.Key, F KeyField[C, K]](child *store.Table[C, CK], field F, parent *store.Table[P, K], onDelete OnDelete) *FK[C, P, K] {
	fk := &FK[C, P, K]{parent: parent}
	// The field is found once, here; reads and writes of the key then use
	// its offset and never call user code (which could otherwise be given a
	// stored row).
	off, nullable, given, ok := keyFieldOffset[C, K](field)
	if !given {
		return fk.init(infoOf(child), "", onDelete, nullable, true)
	}
	var name string
	if ok {
		ft := reflect.TypeFor[K]()
		if nullable {
			ft = reflect.TypeFor[store.Null[K]]()
		}
		name = fieldref.SchemaName(fieldref.GoName(reflect.TypeFor[C](), ft, off))
	}
	if !ok || name == "" {
		return fk.notAField(infoOf(child))
	}
	fk.off, fk.nullable, fk.found = off, nullable, true
	if nullable {
		at := func(c *C) *store.Null[K] { return offset.At[store.Null[K]](c, off) }
		fk.set = func(c *C, k K) { *at(c) = store.Some(k) }
		fk.clear = func(c *C) { *at(c) = store.Null[K]{} }
	} else {
		fk.set = func(c *C, k K) { *offset.At[K](c, off) = k }
		if child != nil {
			// A key that is also the foreign key (a one-to-one sharing the
			// parent's key) must come from the parent, never from the
			// child table's own sequence.
			var c C
			if unsafe.Pointer(child.KeyField(&c)) == unsafe.Add(unsafe.Pointer(&c), off) {
				eng.SetCallerKeys(child.Info())
			}
		}
	}
	fk.init(infoOf(child), name, onDelete, nullable, false)
	fk.d.column = fieldref.GoName(reflect.TypeFor[C](), reflect.TypeFor[K](), off)
	fk.d.off, fk.d.ftype = off, reflect.TypeFor[K]()
	if nullable {
		fk.d.column = fieldref.GoName(reflect.TypeFor[C](), reflect.TypeFor[store.Null[K]](), off)
		fk.d.ftype = reflect.TypeFor[store.Null[K]]()
	}
	return fk
}

// keyFieldOffset resolves a KeyField: the field's offset in C, whether it
// is nullable, whether a field was given at all (not nil), and whether it
// is a field of C.
func keyFieldOffset[C any, K store.Key, F KeyField[C, K]](field F) (off uintptr, nullable, given, ok bool) {
	switch f := any(field).(type) {
	case *K:
		off, ok = fieldref.Offset[C](f)
		return off, false, f != nil, ok
	case *store.Null[K]:
		off, ok = fieldref.Offset[C](f)
		return off, true, f != nil, ok
	case func(*C) *K:
		if f == nil {
			return 0, false, false, false
		}
		off, ok = offset.Of(f)
		return off, false, true, ok
	case func(*C) *store.Null[K]:
		if f == nil {
			return 0, true, false, false
		}
		off, ok = offset.Of(f)
		return off, true, true, ok
	}
	return 0, false, false, false
}

// Named renames the relation: errors and the reverse default name use it
// ("<child table>.<name>"). The default is the field's name in snake case
// without its ID suffix.
func (fk *FK[C, P, K]) Named(name string) *FK[C, P, K] {
	fk.d.mustBeOpen("Named")
	fk.d.field, fk.d.index = name, "fk_"+name
	if fk.d.missing != "" {
		fk.d.missingErr(fk.d.owner)
	}
	return fk
}

// notAField is the declaration of a relation whose accessor does not point
// at a field of the row; Open reports it.
func (fk *FK[C, P, K]) notAField(child *store.TableInfo) *FK[C, P, K] {
	fk.enc = store.NewEncoder[K]()
	fk.d = &fkDef{owner: child, missing: fmt.Sprintf(
		"the key field must be a field of the row: a field reference like &store.Fields[%v]().AuthorID, or an accessor like func(p *Post) *int64 { return &p.AuthorID }", reflect.TypeFor[C]())}
	fk.d.missingErr(child)
	if child != nil {
		eng.Attach(child, fk) // Open reports it with its table, listed or not
	}
	return fk
}

func infoOf[T any, K store.Key](t *store.Table[T, K]) *store.TableInfo {
	if t == nil {
		return nil
	}
	return t.Info()
}

func (fk *FK[C, P, K]) init(child *store.TableInfo, field string, onDelete OnDelete, nullable, nilRef bool) *FK[C, P, K] {
	fk.enc = store.NewEncoder[K]()
	d := &fkDef{field: field, action: onDelete, nullable: nullable, index: "fk_" + field}
	fk.d = d
	if child == nil || fk.parent == nil || nilRef {
		d.missing = missingArgs(arg{"child table", child == nil}, arg{"parent table", fk.parent == nil}, arg{"key field", nilRef})
		d.owner = child
		d.missingErr(child)
		if child != nil {
			eng.Attach(child, fk) // Open reports it with its table, listed or not
		}
		return fk
	}
	d.child, d.parent = child, fk.parent.Info()
	d.related = d.child.Name()
	d.ref = func(dst []byte, obj any) ([]byte, bool) {
		k, ok := fk.get(obj.(*C))
		if !ok {
			return dst, false
		}
		b, _ := fk.enc.Append(dst, k)
		return b, true
	}
	d.refValue = func(obj any) any {
		if k, ok := fk.get(obj.(*C)); ok {
			return k
		}
		return nil
	}
	d.prepare = fk.prepare
	eng.Attach(child, fk) // Open takes it with its child table
	return fk
}

// missingErr sets the error of a declaration missing arguments, naming the
// relation as well as it can.
func (d *fkDef) missingErr(child *store.TableInfo) {
	what := "relation"
	switch {
	case child != nil && d.field != "":
		what += " " + child.Name() + "." + d.field
	case child != nil:
		what += " on " + child.Name()
	case d.field != "":
		what += " " + d.field
	}
	d.err = fmt.Errorf("%s: %s", what, d.missing)
}

func (fk *FK[C, P, K]) prepare(tx *store.Tx) (func(obj any), error) {
	switch fk.d.action {
	case SetNull:
		return func(obj any) { fk.clear(obj.(*C)) }, nil
	case SetDefault:
		if fk.d.defaultNull {
			return func(obj any) { fk.clear(obj.(*C)) }, nil
		}
		v := fk.def
		return func(obj any) { fk.set(obj.(*C), v) }, nil
	case Set:
		if fk.d.setNull {
			return func(obj any) { fk.clear(obj.(*C)) }, nil
		}
		v := fk.setTo
		if fk.setFunc != nil {
			var err error
			if v, err = fk.setFunc(tx); err != nil {
				return nil, fmt.Errorf("memrel: relation %s: Set function: %w", fk.d.name(), err)
			}
		}
		return func(obj any) { fk.set(obj.(*C), v) }, nil
	}
	return nil, fmt.Errorf("memrel: internal error: relation %s has no value to set", fk.d.name())
}

func (fk *FK[C, P, K]) parts() parts { return parts{fks: []*fkDef{fk.d}} }

// Related sets the reverse name: how the parent table calls its children
// (Django's related_name). It must be unique among the relations that
// point at the parent table. The default is the child table's name (posts
// for posts.author: user.posts), where Django's is "<model>_set": a
// memrel table is already named for its rows in the plural.
func (fk *FK[C, P, K]) Related(name string) *FK[C, P, K] {
	fk.d.mustBeOpen("Related")
	fk.d.related = name
	return fk
}

// Default sets the value SetDefault writes.
func (fk *FK[C, P, K]) Default(v K) *FK[C, P, K] {
	fk.d.mustBeOpen("Default")
	fk.def, fk.d.hasDefault, fk.d.defaultNull, fk.d.defValue = v, true, false, v
	return fk
}

// DefaultNull makes SetDefault empty the field (Django's default=None). The
// relation must be nullable.
func (fk *FK[C, P, K]) DefaultNull() *FK[C, P, K] {
	fk.d.mustBeOpen("DefaultNull")
	fk.d.hasDefault, fk.d.defaultNull = true, true
	return fk
}

// SetTo sets the value the Set rule writes.
func (fk *FK[C, P, K]) SetTo(v K) *FK[C, P, K] {
	fk.d.mustBeOpen("SetTo")
	fk.setTo, fk.setFunc, fk.d.hasSet, fk.d.setFunc, fk.d.setNull, fk.d.setValue = v, nil, true, false, false, v
	return fk
}

// SetFunc sets the function that computes the value the Set rule writes
// (Django's SET(callable)). It is called at most once per delete, and only
// when some row references a deleted row through this relation. It may read
// and write in tx (the sentinel pattern: get or create the row to point
// at): its writes come first, and the delete is judged on the state that
// includes them, as if the function had run just before it. If the delete
// is refused, its writes are undone with the rest. An error from it refuses
// the delete.
func (fk *FK[C, P, K]) SetFunc(fn func(tx *store.Tx) (K, error)) *FK[C, P, K] {
	fk.d.mustBeOpen("SetFunc")
	fk.setFunc, fk.d.hasSet, fk.d.setFunc, fk.d.setNull = fn, fn != nil, fn != nil, false
	return fk
}

// Name is "<child table>.<field>", as errors name the relation.
func (fk *FK[C, P, K]) Name() string {
	if fk.d.child == nil {
		return fk.d.field
	}
	return fk.d.name()
}

// RelatedName is the reverse name.
func (fk *FK[C, P, K]) RelatedName() string { return fk.d.related }

// OnDelete is the relation's on-delete rule.
func (fk *FK[C, P, K]) OnDelete() OnDelete { return fk.d.action }

// ParentKey returns the parent key that child holds (comma-ok: false when
// the key is empty).
func (fk *FK[C, P, K]) ParentKey(child C) (K, bool) { return fk.get(&child) }

// Parent follows the relation forward: the parent row of child. It reports
// false when the key is empty (or, for a DoNothing relation inside a
// transaction, when the parent was deleted).
func (fk *FK[C, P, K]) Parent(tx *store.Tx, child C) (P, bool) {
	k, ok := fk.get(&child)
	if !ok {
		var zero P
		return zero, false
	}
	return fk.parent.Get(tx, k)
}

// WatchChildren returns a channel that is closed once a commit changes a
// row that references the parent with key k through the relation, before or
// after the change (a child added, removed, re-pointed or changed): read
// the children, then wait for their next change. See store.Table.Watch.
func (fk *FK[C, P, K]) WatchChildren(tx *store.Tx, k K) <-chan struct{} {
	refers := func(obj any) bool {
		if obj == nil {
			return false
		}
		pk, ok := fk.get(obj.(*C))
		return ok && pk == k
	}
	return eng.Watch(tx, fk.d.child, func(old, new any) bool { return refers(old) || refers(new) })
}

// Children follows the relation backward: the rows that reference the
// parent with key k, in their key order. Like every iterator in memrel it
// reads the snapshot of the moment iteration begins.
func (fk *FK[C, P, K]) Children(tx *store.Tx, k K) iter.Seq[C] {
	return func(yield func(C) bool) {
		key, _ := fk.enc.Append(make([]byte, 0, 16), k)
		it := fk.d.scan(tx, fk.d.prefix(nil, key))
		for obj := it.Next(); obj != nil; obj = it.Next() {
			if !yield(*obj.(*C)) {
				return
			}
		}
	}
}

// Count returns the number of rows that reference the parent with key k,
// without copying them.
func (fk *FK[C, P, K]) Count(tx *store.Tx, k K) int {
	key, _ := fk.enc.Append(make([]byte, 0, 16), k)
	return fk.d.count(tx, fk.d.prefix(nil, key))
}

// Orphans returns the rows whose (nullable) key is empty, in key order: for
// example the comments whose author was deleted under SetNull. For a
// required relation it yields nothing.
func (fk *FK[C, P, K]) Orphans(tx *store.Tx) iter.Seq[C] {
	return func(yield func(C) bool) {
		if !fk.d.nullable {
			return
		}
		it := fk.d.scan(tx, []byte{0x00})
		for obj := it.Next(); obj != nil; obj = it.Next() {
			if !yield(*obj.(*C)) {
				return
			}
		}
	}
}

// OneToOneFK is a one-to-one relation: a foreign key that at most one child
// row may hold for each parent (Django's OneToOneField). A second child for
// the same parent is refused with a UniqueError naming the relation.
type OneToOneFK[C, P any, K store.Key] struct {
	*FK[C, P, K]
}

// OneToOne declares a one-to-one relation: a foreign key that at most one
// child row may hold for each parent; see ForeignKey. On a store.Null field
// it is nullable, and empty keys never collide.
func OneToOne[C any, CK store.Key, P any, K store.Key, F KeyField[C, K]](child *store.Table[C, CK], field F, parent *store.Table[P, K], onDelete OnDelete) *OneToOneFK[C, P, K] {
	return ForeignKey(child, field, parent, onDelete).oneToOne()
}

func (fk *FK[C, P, K]) oneToOne() *OneToOneFK[C, P, K] {
	fk.d.unique = true
	if fk.d.child != nil {
		// As Django's: the child model's name (profile for Profile).
		fk.d.related = fk.d.child.Name()
		if n := reflect.TypeFor[C]().Name(); n != "" && !strings.ContainsAny(n, "[.") {
			fk.d.related = fieldref.Snake(n)
		}
	}
	return &OneToOneFK[C, P, K]{fk}
}

// Named renames the relation; see FK.Named.
func (o *OneToOneFK[C, P, K]) Named(name string) *OneToOneFK[C, P, K] {
	o.FK.Named(name)
	return o
}

// Related sets the reverse name (default: the child row type's name in snake
// case, as Django's: profile for Profile, medical_record for
// MedicalRecord).
func (o *OneToOneFK[C, P, K]) Related(name string) *OneToOneFK[C, P, K] {
	o.FK.Related(name)
	return o
}

// Default sets the value SetDefault writes.
func (o *OneToOneFK[C, P, K]) Default(v K) *OneToOneFK[C, P, K] {
	o.FK.Default(v)
	return o
}

// DefaultNull makes SetDefault empty the field.
func (o *OneToOneFK[C, P, K]) DefaultNull() *OneToOneFK[C, P, K] {
	o.FK.DefaultNull()
	return o
}

// SetTo sets the value the Set rule writes.
func (o *OneToOneFK[C, P, K]) SetTo(v K) *OneToOneFK[C, P, K] {
	o.FK.SetTo(v)
	return o
}

// SetFunc sets the function that computes the value the Set rule writes.
func (o *OneToOneFK[C, P, K]) SetFunc(fn func(tx *store.Tx) (K, error)) *OneToOneFK[C, P, K] {
	o.FK.SetFunc(fn)
	return o
}

// Child follows the relation backward: the one row that references the
// parent with key k, and false when there is none.
func (o *OneToOneFK[C, P, K]) Child(tx *store.Tx, k K) (C, bool) {
	for c := range o.Children(tx, k) {
		return c, true
	}
	var zero C
	return zero, false
}
