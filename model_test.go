package memrel_test

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memrel-go/memrel"
)

// A model-based test: random operations on the blog and shop schema, with
// its social part (tags, follows, friends: the three kinds of many-to-many
// relation), run against memrel and against a plain reference model (maps,
// written here with its own implementation of Django's semantics), and
// after every operation the two must agree: the error class, the rows
// returned, the delete counts, what the many-to-many relations list from
// either side, and the whole state, link tables included.
//
// The operations are inserts, updates, modifies and deletes of every table
// (link tables included), and the many-to-many calls of model_m2m_test.go:
// Add, AddWith, Remove, Set, SetWith and Clear, from both sides of each
// relation.
//
// The seed is printed (go test -v, or on failure); to replay one:
//
//	MEMREL_SEED=1234 go test -run TestModel -v .

// ---------------------------------------------------------------------------
// The reference model.

type mRule int

const (
	mCascade mRule = iota
	mProtect
	mSetNull
)

// mRel is a foreign key as the model knows it.
type mRel struct {
	child, parent string
	rule          mRule
	ref           func(row any) (int64, bool) // the parent key; false when empty
	clear         func(row any) any           // SetNull
}

// mLink is the row of the automatic link tables posts_tags and
// users_friends. Its type does not name its table: operations on link rows
// carry the table.
type mLink = memrel.Link[int64, int64]

var modelTables = []string{"users", "posts", "comments", "products", "orders", "order_items",
	"tags", "follows", "posts_tags", "users_friends"}

var modelRels = []mRel{
	{child: "posts", parent: "users", rule: mCascade,
		ref: func(r any) (int64, bool) { return r.(Post).AuthorID, true }},
	{child: "comments", parent: "posts", rule: mCascade,
		ref: func(r any) (int64, bool) { return r.(Comment).PostID, true }},
	{child: "comments", parent: "users", rule: mSetNull,
		ref: func(r any) (int64, bool) { a := r.(Comment).AuthorID; return a.V, a.Valid },
		clear: func(r any) any {
			c := r.(Comment)
			c.AuthorID = memrel.Null[int64]{}
			return c
		}},
	{child: "orders", parent: "users", rule: mProtect,
		ref: func(r any) (int64, bool) { return r.(Order).CustomerID, true }},
	{child: "order_items", parent: "orders", rule: mCascade,
		ref: func(r any) (int64, bool) { return r.(OrderItem).OrderID, true }},
	{child: "order_items", parent: "products", rule: mProtect,
		ref: func(r any) (int64, bool) { return r.(OrderItem).ProductID, true }},
	// The through table: both keys Cascade.
	{child: "follows", parent: "users", rule: mCascade,
		ref: func(r any) (int64, bool) { return r.(Follow).FollowerID, true }},
	{child: "follows", parent: "users", rule: mCascade,
		ref: func(r any) (int64, bool) { return r.(Follow).FollowedID, true }},
	// The automatic link tables: both keys Cascade.
	{child: "posts_tags", parent: "posts", rule: mCascade,
		ref: func(r any) (int64, bool) { return r.(mLink).From, true }},
	{child: "posts_tags", parent: "tags", rule: mCascade,
		ref: func(r any) (int64, bool) { return r.(mLink).To, true }},
	{child: "users_friends", parent: "users", rule: mCascade,
		ref: func(r any) (int64, bool) { return r.(mLink).From, true }},
	{child: "users_friends", parent: "users", rule: mCascade,
		ref: func(r any) (int64, bool) { return r.(mLink).To, true }},
}

func mKey(row any) int64 {
	switch r := row.(type) {
	case User:
		return r.ID
	case Post:
		return r.ID
	case Comment:
		return r.ID
	case Product:
		return r.ID
	case Order:
		return r.ID
	case OrderItem:
		return r.ID
	case BlogTag:
		return r.ID
	case Follow:
		return r.ID
	case mLink:
		return r.ID
	}
	panic(fmt.Sprintf("model: no key for %T", row))
}

func mWithKey(row any, k int64) any {
	switch r := row.(type) {
	case User:
		r.ID = k
		return r
	case Post:
		r.ID = k
		return r
	case Comment:
		r.ID = k
		return r
	case Product:
		r.ID = k
		return r
	case Order:
		r.ID = k
		return r
	case OrderItem:
		r.ID = k
		return r
	case BlogTag:
		r.ID = k
		return r
	case Follow:
		r.ID = k
		return r
	case mLink:
		r.ID = k
		return r
	}
	panic(fmt.Sprintf("model: no key for %T", row))
}

// mUnique is the value of the row's unique constraint, if its table has
// one: a composite one for follows (uniq_follow_pair) and the link tables
// (their pair constraints).
func mUnique(row any) (string, bool) {
	switch r := row.(type) {
	case User:
		return r.Username, true
	case Product:
		return r.SKU, true
	case BlogTag:
		return r.Name, true
	case Follow:
		return fmt.Sprintf("%d>%d", r.FollowerID, r.FollowedID), true
	case mLink:
		return fmt.Sprintf("%d>%d", r.From, r.To), true
	}
	return "", false
}

// mCheck reports whether the row passes its table's check constraint.
func mCheck(row any) bool {
	switch r := row.(type) {
	case Product:
		return r.PriceCents >= 0
	case OrderItem:
		return r.Quantity >= 1
	case Follow:
		return r.FollowerID != r.FollowedID // prevent_self_follow
	}
	return true
}

// mDefaults is what the table's Defaults do to a new row.
func mDefaults(row any) any {
	if f, ok := row.(Follow); ok && f.Created.IsZero() {
		f.Created = followClock
		return f
	}
	return row
}

type model struct {
	rows map[string]map[int64]any
	seq  map[string]int64 // the last key handed out or used, per table
}

func newModel() *model {
	m := &model{rows: map[string]map[int64]any{}, seq: map[string]int64{}}
	for _, t := range modelTables {
		m.rows[t] = map[int64]any{}
	}
	return m
}

func (m *model) clone() *model {
	c := &model{rows: map[string]map[int64]any{}, seq: maps.Clone(m.seq)}
	for t, rows := range m.rows {
		c.rows[t] = maps.Clone(rows)
	}
	return c
}

func (m *model) sortedKeys(table string) []int64 {
	return slices.Sorted(maps.Keys(m.rows[table]))
}

// violations lists the error classes that writing row into table (new or
// replacing the row with its key) would raise: check, foreign key, unique.
func (m *model) violations(table string, row any) []error {
	key := mKey(row)
	var errs []error
	if !mCheck(row) {
		errs = append(errs, memrel.ErrCheck)
	}
	for _, r := range modelRels {
		if r.child != table {
			continue
		}
		if pk, ok := r.ref(row); ok {
			if _, exists := m.rows[r.parent][pk]; !exists {
				errs = append(errs, memrel.ErrForeignKey)
				break
			}
		}
	}
	if v, ok := mUnique(row); ok {
		for k, other := range m.rows[table] {
			if ov, _ := mUnique(other); k != key && ov == v {
				errs = append(errs, memrel.ErrUnique)
				break
			}
		}
	}
	return errs
}

// insert predicts Insert (InsertWith, when fill is not nil): the stored row
// (key assigned), or the error classes it may fail with.
func (m *model) insert(table string, row any, fill func(any) any) (any, []error) {
	row = mDefaults(row)
	if fill != nil {
		row = fill(row)
	}
	key := mKey(row)
	if key == 0 {
		key = m.seq[table] + 1
		row = mWithKey(row, key)
	} else if _, exists := m.rows[table][key]; exists {
		// Check constraints come first, then the primary key, before any
		// other unique constraint or foreign key.
		if !mCheck(row) {
			return nil, []error{memrel.ErrCheck}
		}
		return nil, []error{memrel.ErrExists}
	}
	if errs := m.violations(table, row); len(errs) > 0 {
		return nil, errs
	}
	m.rows[table][key] = row
	m.seq[table] = max(m.seq[table], key)
	return row, nil
}

// update predicts Update.
func (m *model) update(table string, row any) []error {
	key := mKey(row)
	if _, exists := m.rows[table][key]; !exists {
		return []error{memrel.ErrNotFound}
	}
	if errs := m.violations(table, row); len(errs) > 0 {
		return errs
	}
	m.rows[table][key] = row
	return nil
}

// delete predicts Delete with Django's collector: the closure through
// Cascade, refused if any collected row is referenced through Protect,
// SetNull applied to the referencing rows that survive.
func (m *model) delete(table string, keys []int64) (deleted, updated map[string]int, errs []error) {
	for _, k := range keys {
		if _, exists := m.rows[table][k]; !exists {
			return nil, nil, []error{memrel.ErrNotFound}
		}
	}
	del := map[string]map[int64]bool{}
	setNull := map[string]map[int64]*mRel{}
	protected := false
	type work struct {
		table string
		keys  []int64
	}
	queue := []work{{table, keys}}
	for len(queue) > 0 {
		w := queue[0]
		queue = queue[1:]
		if del[w.table] == nil {
			del[w.table] = map[int64]bool{}
		}
		var fresh []int64
		for _, k := range w.keys {
			if !del[w.table][k] {
				del[w.table][k] = true
				fresh = append(fresh, k)
			}
		}
		for i := range modelRels {
			r := &modelRels[i]
			if r.parent != w.table {
				continue
			}
			var refs []int64
			for _, ck := range m.sortedKeys(r.child) {
				if pk, ok := r.ref(m.rows[r.child][ck]); ok && slices.Contains(fresh, pk) {
					refs = append(refs, ck)
				}
			}
			if len(refs) == 0 {
				continue
			}
			switch r.rule {
			case mCascade:
				queue = append(queue, work{r.child, refs})
			case mProtect:
				protected = true
			case mSetNull:
				if setNull[r.child] == nil {
					setNull[r.child] = map[int64]*mRel{}
				}
				for _, ck := range refs {
					setNull[r.child][ck] = r
				}
			}
		}
	}
	if protected {
		return nil, nil, []error{memrel.ErrProtected}
	}
	deleted, updated = map[string]int{}, map[string]int{}
	for t, ks := range setNull {
		for k, r := range ks {
			if del[t][k] {
				continue // deleted anyway
			}
			m.rows[t][k] = r.clear(m.rows[t][k])
			updated[t]++
		}
	}
	for t, ks := range del {
		for k := range ks {
			delete(m.rows[t], k)
			deleted[t]++
		}
	}
	return deleted, updated, nil
}

// ---------------------------------------------------------------------------
// Operations.

type mOpKind int

const (
	opInsert mOpKind = iota
	opUpdate
	opModify     // Modify whose fn sets the new values
	opModifyFail // Modify whose fn returns errModifyFn
	opDelete
	// The many-to-many calls (model_m2m_test.go), on side modelSides[side].
	opAdd    // Add, or AddWith when fill
	opRemove // Remove
	opSet    // Set, or SetWith when clear or fill
	opClear  // Clear
)

var opKindNames = []string{"insert", "update", "modify", "modify (fn fails)", "delete", "add", "remove", "set", "clear"}

func (k mOpKind) String() string { return opKindNames[k] }

func (k mOpKind) isM2M() bool { return k >= opAdd }

type mOp struct {
	kind  mOpKind
	table string  // every kind but the many-to-many calls
	row   any     // insert, update, modify: the row (key 0: assigned)
	keys  []int64 // delete

	// The many-to-many calls.
	side     int       // index in modelSides
	a        int64     // the source row
	bs       []int64   // the target rows (add, remove, set)
	clear    bool      // set: SetOptions.Clear
	fill     bool      // add, set: with a fill function (AddWith, SetOptions.Fill)
	stamp    time.Time // what fill writes in a new follows row's Created
	scribble bool      // fill also overwrites the new link's two keys (which must not stick)
}

func (o mOp) String() string {
	switch o.kind {
	case opInsert, opUpdate, opModify:
		return fmt.Sprintf("%v %s %+v", o.kind, o.table, o.row)
	case opModifyFail:
		return fmt.Sprintf("%v %s %d", o.kind, o.table, mKey(o.row))
	case opDelete:
		return fmt.Sprintf("delete %s %v", o.table, o.keys)
	}
	s := fmt.Sprintf("%v %s %d", o.kind, modelSides[o.side].name, o.a)
	if o.kind != opClear {
		s += fmt.Sprintf(" %v", o.bs)
	}
	if o.clear {
		s += " (clear)"
	}
	if o.fill {
		s += fmt.Sprintf(" (fill %s", o.stamp.Format(time.DateTime))
		if o.scribble {
			s += ", scribbles keys"
		}
		s += ")"
	}
	return s
}

var errModifyFn = errors.New("model: Modify fn refuses")

// mWant is what the model predicts for an operation.
type mWant struct {
	row              any            // insert, update, modify: the row returned
	deleted, updated map[string]int // delete: the DeleteResult
	errs             []error        // the error classes allowed; none: success

	// The many-to-many calls: the link rows added and removed (before the
	// refusal, for a refused call: what memrel must undo), and the pairs
	// asked for that were already linked.
	added, removed, existing int
	selfLinks                int // links removed from a to a itself
	unmirrored               int // symmetrical: links to a removed that had no mirror from a
}

// predict applies op to the model and returns what memrel must do.
func (m *model) predict(o mOp) (w mWant) {
	switch o.kind {
	case opInsert:
		w.row, w.errs = m.insert(o.table, o.row, nil)
	case opUpdate, opModify:
		w.row, w.errs = o.row, m.update(o.table, o.row)
	case opModifyFail:
		if _, exists := m.rows[o.table][mKey(o.row)]; !exists {
			w.errs = []error{memrel.ErrNotFound} // fn is not called
		} else {
			w.errs = []error{errModifyFn}
		}
	case opDelete:
		w.deleted, w.updated, w.errs = m.delete(o.table, o.keys)
	default:
		w = m.m2m(o)
	}
	return w
}

// mTableOps are the operations of one table of the schema, untyped.
type mTableOps struct {
	insert func(tx *memrel.Tx, row any) (any, error)
	update func(tx *memrel.Tx, row any) (any, error)
	modify func(tx *memrel.Tx, row any, fail bool) (any, error)
	delete func(tx *memrel.Tx, keys []int64) (memrel.DeleteResult, error)
	rows   func(tx *memrel.Tx) []any // every row, in key order
}

func tableOps[T any](t *memrel.Table[T, int64]) mTableOps {
	return mTableOps{
		insert: func(tx *memrel.Tx, row any) (any, error) { return t.Insert(tx, row.(T)) },
		update: func(tx *memrel.Tx, row any) (any, error) { return t.Update(tx, row.(T)) },
		modify: func(tx *memrel.Tx, row any, fail bool) (any, error) { return modifyRow(tx, t, row.(T), fail) },
		delete: func(tx *memrel.Tx, keys []int64) (memrel.DeleteResult, error) { return t.Delete(tx, keys...) },
		rows:   func(tx *memrel.Tx) []any { return rowsOf(tx, t) },
	}
}

var modelTableOps = map[string]mTableOps{
	"users":         tableOps(Users),
	"posts":         tableOps(Posts),
	"comments":      tableOps(Comments),
	"products":      tableOps(Products),
	"orders":        tableOps(Orders),
	"order_items":   tableOps(OrderItems),
	"tags":          tableOps(Tags),
	"follows":       tableOps(Follows),
	"posts_tags":    tableOps(PostTags.LinkTable()),
	"users_friends": tableOps(Friends.LinkTable()),
}

// modifyRow calls Modify on t with a fn that writes want (or fails).
func modifyRow[T any](tx *memrel.Tx, t *memrel.Table[T, int64], want T, fail bool) (any, error) {
	return t.Modify(tx, t.Key(want), func(r *T) error {
		if fail {
			return errModifyFn
		}
		*r = want
		return nil
	})
}

// executeOp runs op on memrel.
func executeOp(tx *memrel.Tx, o mOp) (row any, res memrel.DeleteResult, err error) {
	if o.kind.isM2M() {
		return nil, res, modelSideExecs[o.side].run(tx, o)
	}
	ops := modelTableOps[o.table]
	switch o.kind {
	case opInsert:
		row, err = ops.insert(tx, o.row)
	case opUpdate:
		row, err = ops.update(tx, o.row)
	case opModify, opModifyFail:
		row, err = ops.modify(tx, o.row, o.kind == opModifyFail)
	case opDelete:
		res, err = ops.delete(tx, o.keys)
	}
	return row, res, err
}

// dbState reads every row of every table, link tables included, in key
// order.
func dbState(tx *memrel.Tx) map[string][]any {
	s := map[string][]any{}
	for _, t := range modelTables {
		s[t] = modelTableOps[t].rows(tx)
	}
	return s
}

func rowsOf[T any](tx *memrel.Tx, t *memrel.Table[T, int64]) []any {
	rows := []any{}
	for r := range t.All(tx) {
		rows = append(rows, r)
	}
	return rows
}

func (m *model) state() map[string][]any {
	s := map[string][]any{}
	for _, t := range modelTables {
		s[t] = []any{}
		for _, k := range m.sortedKeys(t) {
			s[t] = append(s[t], m.rows[t][k])
		}
	}
	return s
}

// diffState describes how got differs from want, table by table.
func diffState(want, got map[string][]any) string {
	var b strings.Builder
	for _, t := range modelTables {
		if reflect.DeepEqual(want[t], got[t]) {
			continue
		}
		fmt.Fprintf(&b, "table %s:\n", t)
		index := func(rows []any) map[int64]any {
			m := map[int64]any{}
			for _, r := range rows {
				m[mKey(r)] = r
			}
			return m
		}
		w, g := index(want[t]), index(got[t])
		for _, k := range slices.Sorted(maps.Keys(w)) {
			if gr, ok := g[k]; !ok {
				fmt.Fprintf(&b, "  missing %+v\n", w[k])
			} else if !reflect.DeepEqual(gr, w[k]) {
				fmt.Fprintf(&b, "  want %+v\n   got %+v\n", w[k], gr)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(g)) {
			if _, ok := w[k]; !ok {
				fmt.Fprintf(&b, "  extra %+v\n", g[k])
			}
		}
		if b.Len() == 0 {
			fmt.Fprintf(&b, "  order differs: want %v, got %v\n", want[t], got[t])
		}
	}
	return b.String()
}

// The error classes told apart.
var modelSentinels = []error{
	memrel.ErrNotFound, memrel.ErrExists, memrel.ErrInvalidKey, memrel.ErrForeignKey,
	memrel.ErrProtected, memrel.ErrRestricted, memrel.ErrUnique, memrel.ErrCheck,
	memrel.ErrTxClosed, memrel.ErrReadOnly, memrel.ErrUnknownTable, memrel.ErrIntegrity,
	memrel.ErrSchema, errModifyFn,
}

func errClasses(err error) []error {
	var cs []error
	for _, s := range modelSentinels {
		if errors.Is(err, s) {
			cs = append(cs, s)
		}
	}
	return cs
}

// classMismatch says how err disagrees with the predicted classes: nil
// predicts success; otherwise err must be of exactly one class, one of
// those predicted (when a row breaks several rules at once, memrel may
// report any of them).
func classMismatch(err error, want []error) string {
	got := errClasses(err)
	switch {
	case len(want) == 0 && err == nil:
		return ""
	case len(want) == 0:
		return fmt.Sprintf("got error %v (classes %v), want success", err, got)
	case err == nil:
		return fmt.Sprintf("got success, want one of %v", want)
	case len(got) != 1:
		return fmt.Sprintf("error %v has classes %v, want exactly one of %v", err, got, want)
	case !slices.Contains(want, got[0]):
		return fmt.Sprintf("error %v has class %v, want one of %v", err, got[0], want)
	}
	return ""
}

// ---------------------------------------------------------------------------
// The generator.

type mGen struct {
	rng *rand.Rand
	m   *model // the model of the transaction being generated
}

func (g *mGen) chance(percent int) bool { return g.rng.IntN(100) < percent }

// missingKey returns a key with no row in table: one that was deleted, or
// one never used.
func (g *mGen) missingKey(table string) int64 {
	last := g.m.seq[table]
	if last > 0 && g.chance(50) {
		k := 1 + g.rng.Int64N(last)
		if _, exists := g.m.rows[table][k]; !exists {
			return k
		}
	}
	return last + 1 + g.rng.Int64N(3)
}

// key returns the key of an existing row (with probability percent, if
// there is any), or a missing key.
func (g *mGen) key(table string, percent int) int64 {
	keys := g.m.sortedKeys(table)
	if len(keys) > 0 && g.chance(percent) {
		return keys[g.rng.IntN(len(keys))]
	}
	return g.missingKey(table)
}

// parent returns the key of a parent row, missing one time in ten.
func (g *mGen) parent(table string) int64 { return g.key(table, 90) }

// existingRow returns a row of table, if it has any.
func (g *mGen) existingRow(table string) (any, bool) {
	keys := g.m.sortedKeys(table)
	if len(keys) == 0 {
		return nil, false
	}
	return g.m.rows[table][keys[g.rng.IntN(len(keys))]], true
}

func (g *mGen) username() string { return fmt.Sprintf("u%02d", g.rng.IntN(16)) }
func (g *mGen) sku() string      { return fmt.Sprintf("sku%02d", g.rng.IntN(16)) }
func (g *mGen) tagName() string  { return fmt.Sprintf("tag%02d", g.rng.IntN(10)) }
func (g *mGen) text() string     { return fmt.Sprintf("t%d", g.rng.IntN(1000)) }

// stamp is a Created for follows: the zero time one time in ten (which
// Defaults replace on Insert, and a fill writes as it is).
func (g *mGen) stamp() time.Time {
	if g.chance(10) {
		return time.Time{}
	}
	return followClock.Add(time.Duration(1+g.rng.IntN(10000)) * time.Minute)
}

func (g *mGen) price() int64 {
	if g.chance(10) {
		return -1 - g.rng.Int64N(100)
	}
	return g.rng.Int64N(5000)
}

func (g *mGen) quantity() int {
	if g.chance(10) {
		return -g.rng.IntN(2) // 0 or -1
	}
	return 1 + g.rng.IntN(5)
}

func (g *mGen) commentAuthor() memrel.Null[int64] {
	if g.chance(25) {
		return memrel.None[int64]()
	}
	return memrel.Some(g.parent("users"))
}

// follow returns a new follows row: now and then a self-follow, or the
// pair of an existing row.
func (g *mGen) follow() Follow {
	f := Follow{FollowerID: g.parent("users"), FollowedID: g.parent("users")}
	switch {
	case g.chance(10):
		f.FollowedID = f.FollowerID
	case g.chance(25):
		if r, ok := g.existingRow("follows"); ok {
			f.FollowerID, f.FollowedID = r.(Follow).FollowerID, r.(Follow).FollowedID
		}
	}
	if g.chance(50) {
		f.Created = g.stamp()
	}
	return f
}

// link returns a new row of an automatic link table: now and then the
// pair of an existing row, or (friends) its mirror, or a self-link.
func (g *mGen) link(table string) mLink {
	var l mLink
	if table == "posts_tags" {
		l = mLink{From: g.parent("posts"), To: g.parent("tags")}
	} else {
		l = mLink{From: g.parent("users"), To: g.parent("users")}
		if g.chance(10) {
			l.To = l.From
		}
	}
	if g.chance(30) {
		if r, ok := g.existingRow(table); ok {
			e := r.(mLink)
			l.From, l.To = e.From, e.To
			if table == "users_friends" && g.chance(50) {
				l.From, l.To = e.To, e.From // its mirror, taken or not
			}
		}
	}
	return l
}

// newRow returns a new row of table, with key 0.
func (g *mGen) newRow(table string) any {
	switch table {
	case "users":
		return User{Username: g.username()}
	case "posts":
		return Post{AuthorID: g.parent("users"), Title: g.text()}
	case "comments":
		return Comment{PostID: g.parent("posts"), AuthorID: g.commentAuthor(), Body: g.text()}
	case "products":
		return Product{Name: g.text(), SKU: g.sku(), PriceCents: g.price()}
	case "orders":
		return Order{CustomerID: g.parent("users"), Paid: g.chance(50)}
	case "order_items":
		return OrderItem{OrderID: g.parent("orders"), ProductID: g.parent("products"),
			Quantity: g.quantity(), UnitPriceCents: g.price()}
	case "tags":
		return BlogTag{Name: g.tagName()}
	case "follows":
		return g.follow()
	default:
		return g.link(table)
	}
}

// changed returns row with one or two fields changed.
func (g *mGen) changed(table string, row any) any {
	for range 1 + g.rng.IntN(2) {
		f := g.rng.IntN(4)
		switch r := row.(type) {
		case User:
			r.Username = g.username()
			row = r
		case Post:
			if f < 2 {
				r.AuthorID = g.parent("users")
			} else {
				r.Title = g.text()
			}
			row = r
		case Comment:
			switch f {
			case 0:
				r.PostID = g.parent("posts")
			case 1, 2:
				r.AuthorID = g.commentAuthor()
			default:
				r.Body = g.text()
			}
			row = r
		case Product:
			switch f {
			case 0:
				r.Name = g.text()
			case 1:
				r.SKU = g.sku()
			default:
				r.PriceCents = g.price()
			}
			row = r
		case Order:
			if f < 2 {
				r.CustomerID = g.parent("users")
			} else {
				r.Paid = !r.Paid
			}
			row = r
		case OrderItem:
			switch f {
			case 0:
				r.OrderID = g.parent("orders")
			case 1:
				r.ProductID = g.parent("products")
			case 2:
				r.Quantity = g.quantity()
			default:
				r.UnitPriceCents = g.price()
			}
			row = r
		case BlogTag:
			r.Name = g.tagName()
			row = r
		case Follow:
			switch f {
			case 0:
				r.FollowerID = g.parent("users")
			case 1:
				r.FollowedID = g.parent("users")
			case 2:
				r.FollowedID = r.FollowerID // a self-follow
				if e, ok := g.existingRow("follows"); ok && g.chance(50) {
					r.FollowerID, r.FollowedID = e.(Follow).FollowerID, e.(Follow).FollowedID // a taken pair, or its own
				}
			default:
				r.Created = g.stamp() // the zero time too: Update has no defaults
			}
			row = r
		case mLink:
			n := g.link(table)
			if f < 2 {
				r.From = n.From
			} else {
				r.To = n.To
			}
			row = r
		}
	}
	return row
}

// table picks a table by weight, in modelTables order.
func (g *mGen) table(weights ...int) string {
	n := g.rng.IntN(sumInts(weights))
	for i, w := range weights {
		if n < w {
			return modelTables[i]
		}
		n -= w
	}
	panic("unreachable")
}

func sumInts(ns []int) int {
	s := 0
	for _, n := range ns {
		s += n
	}
	return s
}

func (g *mGen) op() mOp {
	switch n := g.rng.IntN(100); {
	case n < 34:
		return g.m2mOp()
	case n < 74:
		// Children more often than parents, so that deletes have work to
		// do, but enough parents for the links. Weights in modelTables
		// order: users, posts, comments, products, orders, order_items,
		// tags, follows, posts_tags, users_friends.
		table := g.table(6, 6, 4, 2, 2, 4, 4, 4, 2, 2)
		row := g.newRow(table)
		if g.chance(10) { // a caller-chosen key: taken, reused or ahead of the sequence
			row = mWithKey(row, 1+g.rng.Int64N(g.m.seq[table]+3))
		}
		return mOp{kind: opInsert, table: table, row: row}
	case n < 87:
		table := g.table(2, 3, 3, 3, 3, 3, 2, 3, 1, 1)
		k := g.key(table, 90)
		row, ok := g.m.rows[table][k]
		if !ok {
			row = mWithKey(g.newRow(table), k)
		}
		row = g.changed(table, row)
		switch {
		case g.chance(10):
			return mOp{kind: opModifyFail, table: table, row: row}
		case g.chance(40):
			return mOp{kind: opModify, table: table, row: row}
		}
		return mOp{kind: opUpdate, table: table, row: row}
	default:
		table := g.table(2, 3, 2, 1, 2, 2, 2, 2, 1, 1)
		var keys []int64
		if !g.chance(2) { // sometimes no key at all
			for range 1 + g.rng.IntN(3) {
				keys = append(keys, g.key(table, 95))
			}
		}
		return mOp{kind: opDelete, table: table, keys: keys}
	}
}

// ---------------------------------------------------------------------------
// The runner.

type modelRun struct {
	t     *testing.T
	seed  uint64
	step  int
	probe *rand.Rand     // picks the rows whose relations are read after each operation
	trace []string       // the operations so far, for the failure message
	stats map[string]int // outcomes, to see what a seed exercised
}

func (r *modelRun) logf(format string, args ...any) {
	r.trace = append(r.trace, fmt.Sprintf("%d: ", r.step)+fmt.Sprintf(format, args...))
}

func (r *modelRun) fatalf(format string, args ...any) {
	r.t.Helper()
	last := r.trace[max(0, len(r.trace)-25):]
	r.t.Fatalf("seed %d, step %d: %s\nreplay: MEMREL_SEED=%d go test -run 'TestModel$' -v .\nlast operations:\n  %s",
		r.seed, r.step, fmt.Sprintf(format, args...), r.seed, strings.Join(last, "\n  "))
}

// do runs op on tx and on the model of the transaction, and compares.
func (r *modelRun) do(tx *memrel.Tx, work *model, o mOp) error {
	r.t.Helper()
	want := work.predict(o)
	gotRow, res, err := executeOp(tx, o)
	r.logf("%v -> %v", o, err)
	r.count(o, want, res, err)
	if msg := classMismatch(err, want.errs); msg != "" {
		r.fatalf("%v: %s", o, msg)
	}
	switch o.kind {
	case opInsert, opUpdate, opModify:
		if err == nil && !reflect.DeepEqual(gotRow, want.row) {
			r.fatalf("%v returned %+v, want %+v", o, gotRow, want.row)
		}
	case opDelete:
		if err != nil && (res.Total() != 0 || len(res.Updated) != 0) {
			r.fatalf("%v failed but reports %v", o, res)
		}
		if err == nil && (!maps.Equal(res.Deleted, want.deleted) || !maps.Equal(res.Updated, want.updated)) {
			r.fatalf("%v: result %v, want deleted %v updated %v", o, res, want.deleted, want.updated)
		}
	}
	if d := diffState(work.state(), dbState(tx)); d != "" {
		r.fatalf("after %v the transaction's state differs from the model:\n%s", o, d)
	}
	r.readRelations(tx, work, fmt.Sprintf("after %v", o))
	// A refused operation must leave the indexes as they were; checkTx
	// covers the others at the end of each transaction.
	if err != nil {
		if cerr := tx.Check(); cerr != nil {
			r.fatalf("Check after %v: %v", o, cerr)
		}
	}
	return err
}

// checkTx checks the invariants of a transaction about to end.
func (r *modelRun) checkTx(tx *memrel.Tx) {
	r.t.Helper()
	if err := tx.Check(); err != nil {
		r.fatalf("Check at the end of the transaction: %v", err)
	}
}

// count records the outcome of op, by kind, table or relation, and error
// class.
func (r *modelRun) count(o mOp, want mWant, res memrel.DeleteResult, err error) {
	label := fmt.Sprintf("%v %s", o.kind, o.table)
	if o.kind.isM2M() {
		label = fmt.Sprintf("%v %s", o.kind, modelSides[o.side].name)
		if o.kind == opSet && o.clear {
			label += " (clear)"
		}
	}
	switch {
	case err != nil && o.kind.isM2M() && want.added+want.removed > 0:
		r.stats[fmt.Sprintf("%s refused (%v) after writing links", label, errClasses(err))]++
	case err != nil:
		r.stats[fmt.Sprintf("%s refused (%v)", label, errClasses(err))]++
	case o.kind.isM2M() && want.added+want.removed == 0:
		r.stats[label+" ok, no change"]++
	default:
		r.stats[label+" ok"]++
	}
	if err != nil {
		if o.kind.isM2M() {
			r.stats["~ m2m calls refused"]++
			if want.added+want.removed > 0 {
				r.stats["~ m2m calls refused after writing links (undone)"]++
			}
		}
		return
	}
	if o.kind.isM2M() {
		r.stats["~ m2m calls ok"]++
		r.stats["~ m2m links added"] += want.added
		r.stats["~ m2m links removed"] += want.removed
		r.stats["~ m2m pairs already linked (no-op)"] += want.existing
		if o.kind == opSet && !o.clear && modelSides[o.side].link == "follows" {
			r.stats["~ m2m follows links kept by Set, with their Created"] += want.existing
		}
		r.stats["~ m2m self links (a, a) removed"] += want.selfLinks
		r.stats["~ m2m symmetrical: links to a removed without a mirror from a"] += want.unmirrored
	}
	if o.kind == opDelete {
		if len(res.Updated) > 0 {
			r.stats["~ delete with SetNull"]++
		}
		if res.Total() > len(o.keys) {
			r.stats["~ delete with Cascade"]++
		}
		for _, lt := range []string{"follows", "posts_tags", "users_friends"} {
			if res.Deleted[lt] > 0 && o.table != lt {
				r.stats["~ delete cascading into "+lt]++
			}
		}
	}
}

var (
	errDiscard   = errors.New("model: fn discards the transaction")
	errPanicDone = errors.New("model: recovered the panic")
)

func runModel(t *testing.T, seed uint64, steps int) {
	r := &modelRun{t: t, seed: seed, stats: map[string]int{},
		probe: rand.New(rand.NewPCG(seed^0x5bd1e995, seed))}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	db, err := memrel.Open(socialSchema())
	if err != nil {
		t.Fatal(err)
	}
	m := newModel()
	sizeSum := map[string]int{} // rows per table, summed over the steps
	for r.step = 0; r.step < steps; r.step++ {
		work := m.clone()
		g := &mGen{rng: rng, m: work}
		nops := 1 + rng.IntN(5)

		// Now and then a reader holds the state of before the step: it
		// must not see the step's writes.
		var reader *memrel.Tx
		var old *model
		if r.step%10 == 0 {
			reader, old = db.BeginRead(), m.clone()
		}

		commit := false
		switch mode := rng.IntN(100); {
		case mode < 50: // one operation; fn returns its error
			o := g.op()
			var opErr error
			err := db.Update(func(tx *memrel.Tx) error {
				opErr = r.do(tx, work, o)
				r.checkTx(tx)
				return opErr
			})
			if err != opErr {
				r.fatalf("Update returned %v, fn returned %v", err, opErr)
			}
			commit = err == nil
			r.logf("Update -> %v", err)
		case mode < 80: // several operations; refused ones are ignored
			err := db.Update(func(tx *memrel.Tx) error {
				for range nops {
					r.do(tx, work, g.op()) // a refused op is part of the scenario: do compares its error
				}
				r.checkTx(tx)
				return nil
			})
			if err != nil {
				r.fatalf("Update: %v", err)
			}
			commit = true
			r.logf("Update -> committed")
		case mode < 86: // several operations, then fn returns an error
			err := db.Update(func(tx *memrel.Tx) error {
				for range nops {
					r.do(tx, work, g.op())
				}
				r.checkTx(tx)
				return errDiscard
			})
			if err != errDiscard {
				r.fatalf("Update: err = %v, want fn's error", err)
			}
			r.logf("Update -> discarded by error")
		case mode < 89: // several operations, then fn panics
			err := panics(func() error {
				return db.Update(func(tx *memrel.Tx) error {
					for range nops {
						r.do(tx, work, g.op())
					}
					r.checkTx(tx)
					panic(errPanicDone)
				})
			})
			if !errors.Is(err, errPanicked) {
				r.fatalf("Update: err = %v, want the panic", err)
			}
			r.logf("Update -> discarded by panic")
		case mode < 93: // manual transaction, aborted
			tx := db.BeginWrite()
			for range nops {
				r.do(tx, work, g.op())
			}
			r.checkTx(tx)
			tx.Abort()
			r.logf("BeginWrite -> Abort")
		default: // manual transaction, committed
			tx := db.BeginWrite()
			for range nops {
				r.do(tx, work, g.op())
			}
			r.checkTx(tx)
			if err := tx.Commit(); err != nil {
				r.fatalf("Commit: %v", err)
			}
			commit = true
			r.logf("BeginWrite -> Commit")
		}
		if commit {
			m = work
		}

		if err := db.Check(); err != nil {
			r.fatalf("db.Check: %v", err)
		}
		rtx := db.BeginRead()
		d := diffState(m.state(), dbState(rtx))
		if d == "" {
			r.readRelations(rtx, m, "in the committed state")
		}
		rtx.Abort()
		if d != "" {
			r.fatalf("the committed state differs from the model:\n%s", d)
		}
		for _, tb := range modelTables {
			sizeSum[tb] += len(m.rows[tb])
		}
		if reader != nil {
			d := diffState(old.state(), dbState(reader))
			reader.Abort()
			if d != "" {
				r.fatalf("a reader opened before the step sees its writes:\n%s", d)
			}
		}
	}
	var sizes []string
	for _, tb := range modelTables {
		sizes = append(sizes, fmt.Sprintf("%s %d (mean %.1f)", tb, len(m.rows[tb]), float64(sizeSum[tb])/float64(steps)))
	}
	t.Logf("seed %d: %d steps, final state: %s", seed, steps, strings.Join(sizes, ", "))
	var outcomes []string
	for _, k := range slices.Sorted(maps.Keys(r.stats)) {
		outcomes = append(outcomes, fmt.Sprintf("%s: %d", k, r.stats[k]))
	}
	t.Logf("seed %d: outcomes:\n\t%s", seed, strings.Join(outcomes, "\n\t"))
}

func TestModel(t *testing.T) {
	seeds, steps := 20, 300
	if testing.Short() {
		seeds, steps = 4, 100
	}
	if s := os.Getenv("MEMREL_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("MEMREL_SEED=%q: %v", s, err)
		}
		t.Logf("seed %d (from MEMREL_SEED)", seed)
		runModel(t, seed, steps)
		return
	}
	base := uint64(time.Now().UnixNano())
	t.Logf("seeds %d to %d (replay one with MEMREL_SEED=<seed>)", base, base+uint64(seeds)-1)
	for i := range uint64(seeds) {
		seed := base + i
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			t.Parallel()
			t.Logf("seed %d", seed)
			runModel(t, seed, steps)
		})
	}
}
