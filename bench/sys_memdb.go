package bench

import (
	"encoding/binary"
	"fmt"

	"github.com/hashicorp/go-memdb"
)

// The go-memdb system: the same relational checks as the others, written by
// hand the way a careful user writes them. Indexers are typed (no
// reflection), keys are pre-sized for the primary key go-memdb appends to a
// non-unique index, and every batch or delete is two-phase: all reads first,
// then all writes (a read of an index the transaction has already modified
// makes go-memdb drop that index's writable-node cache). Writes go through a
// non-primary MemDB (a Snapshot), which tracks no watch channels.

// putInt appends v so that bytewise order is numeric order.
func putInt(b []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(v)^(1<<63))
}

func argInt(args []any, i int) (int64, error) {
	if len(args) <= i {
		return 0, fmt.Errorf("want %d arguments, have %d", i+1, len(args))
	}
	v, ok := args[i].(int64)
	if !ok {
		return 0, fmt.Errorf("argument %d is %T, not int64", i, args[i])
	}
	return v, nil
}

// intIndex indexes an int64 field; a false ok leaves the row out (NULL).
type intIndex func(obj any) (v int64, ok bool)

func (f intIndex) FromObject(obj any) (bool, []byte, error) {
	v, ok := f(obj)
	if !ok {
		return false, nil, nil
	}
	return true, putInt(make([]byte, 0, 24), v), nil
}

func (f intIndex) FromArgs(args ...any) ([]byte, error) {
	v, err := argInt(args, 0)
	if err != nil {
		return nil, err
	}
	return putInt(make([]byte, 0, 8), v), nil
}

// pairIndex indexes two int64 fields; a prefix scan takes the first.
type pairIndex func(obj any) (a, b int64)

func (f pairIndex) FromObject(obj any) (bool, []byte, error) {
	a, b := f(obj)
	return true, putInt(putInt(make([]byte, 0, 16), a), b), nil
}

func (f pairIndex) FromArgs(args ...any) ([]byte, error) {
	a, err := argInt(args, 0)
	if err != nil {
		return nil, err
	}
	b, err := argInt(args, 1)
	if err != nil {
		return nil, err
	}
	return putInt(putInt(make([]byte, 0, 16), a), b), nil
}

func (f pairIndex) PrefixFromArgs(args ...any) ([]byte, error) {
	a, err := argInt(args, 0)
	if err != nil {
		return nil, err
	}
	return putInt(make([]byte, 0, 8), a), nil
}

// stringIndex indexes a string field (terminated, so no value is a prefix
// of another).
type stringIndex func(obj any) string

func (f stringIndex) FromObject(obj any) (bool, []byte, error) {
	s := f(obj)
	return true, append(append(make([]byte, 0, len(s)+1), s...), 0), nil
}

func (f stringIndex) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("want 1 argument, have %d", len(args))
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("argument is %T, not string", args[0])
	}
	return append(append(make([]byte, 0, len(s)+1), s...), 0), nil
}

func memdbTable(name string, id memdb.Indexer, idx ...*memdb.IndexSchema) *memdb.TableSchema {
	t := &memdb.TableSchema{Name: name, Indexes: map[string]*memdb.IndexSchema{
		"id": {Name: "id", Unique: true, Indexer: id},
	}}
	for _, x := range idx {
		t.Indexes[x.Name] = x
	}
	return t
}

func fkIndex(name string, f intIndex) *memdb.IndexSchema {
	return &memdb.IndexSchema{Name: name, Indexer: f, AllowMissing: true}
}

func memdbSchema() *memdb.DBSchema {
	tables := []*memdb.TableSchema{
		memdbTable("users", intIndex(func(o any) (int64, bool) { return o.(*User).ID, true }),
			&memdb.IndexSchema{Name: "name", Unique: true, Indexer: stringIndex(func(o any) string { return o.(*User).Name })}),
		memdbTable("posts", intIndex(func(o any) (int64, bool) { return o.(*Post).ID, true }),
			fkIndex("author", func(o any) (int64, bool) { return o.(*Post).AuthorID, true })),
		memdbTable("comments", intIndex(func(o any) (int64, bool) { return o.(*Comment).ID, true }),
			fkIndex("post", func(o any) (int64, bool) { return o.(*Comment).PostID, true }),
			fkIndex("author", func(o any) (int64, bool) { a := o.(*Comment).AuthorID; return a.V, a.Valid })),
		memdbTable("tags", intIndex(func(o any) (int64, bool) { return o.(*Tag).ID, true }),
			&memdb.IndexSchema{Name: "name", Unique: true, Indexer: stringIndex(func(o any) string { return o.(*Tag).Name })}),
		memdbTable("post_tags", pairIndex(func(o any) (int64, int64) { l := o.(*PostTag); return l.PostID, l.TagID }),
			fkIndex("tag", func(o any) (int64, bool) { return o.(*PostTag).TagID, true })),
		memdbTable("follows", pairIndex(func(o any) (int64, int64) { f := o.(*Follow); return f.FollowerID, f.FollowedID }),
			fkIndex("followed", func(o any) (int64, bool) { return o.(*Follow).FollowedID, true })),
		memdbTable("products", intIndex(func(o any) (int64, bool) { return o.(*Product).ID, true })),
		memdbTable("orders", intIndex(func(o any) (int64, bool) { return o.(*Order).ID, true }),
			fkIndex("customer", func(o any) (int64, bool) { return o.(*Order).CustomerID, true })),
		memdbTable("items", intIndex(func(o any) (int64, bool) { return o.(*Item).ID, true }),
			fkIndex("order", func(o any) (int64, bool) { return o.(*Item).OrderID, true }),
			fkIndex("product", func(o any) (int64, bool) { return o.(*Item).ProductID, true })),
	}
	s := &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{}}
	for _, t := range tables {
		s.Tables[t.Name] = t
	}
	return s
}

type memdbStore struct{ db *memdb.MemDB }

// NewMemdb returns an empty go-memdb store (a non-primary MemDB).
func NewMemdb() (Store, error) {
	db, err := memdb.NewMemDB(memdbSchema())
	if err != nil {
		return nil, err
	}
	return &memdbStore{db.Snapshot()}, nil
}

// has reports whether table holds a row under index = args.
func has(txn *memdb.Txn, table, index string, args ...any) (bool, error) {
	o, err := txn.First(table, index, args...)
	return o != nil, err
}

// twoPhase runs check on every row (reads only), then write on every row
// check accepted, in one transaction.
func (s *memdbStore) twoPhase(n int, out []Outcome, check func(txn *memdb.Txn, i int) (Outcome, error), write func(txn *memdb.Txn, i int) error) error {
	txn := s.db.Txn(true)
	defer txn.Abort() // a no-op after Commit
	for i := range n {
		o, err := check(txn, i)
		if err != nil {
			return err
		}
		out[i] = o
	}
	for i := range n {
		if out[i] == OK {
			if err := write(txn, i); err != nil {
				return err
			}
		}
	}
	txn.Commit()
	return nil
}

// ids is a batch's set of keys not yet written.
type ids map[int64]struct{}

// claim checks that id is free in table and in the batch, and reserves it.
func (p ids) claim(txn *memdb.Txn, table string, id int64) (bool, error) {
	if _, dup := p[id]; dup {
		return false, nil
	}
	taken, err := has(txn, table, "id", id)
	if err != nil || taken {
		return false, err
	}
	p[id] = struct{}{}
	return true, nil
}

// fkOK checks that each key exists in table.
func fkOK(txn *memdb.Txn, table string, keys ...int64) (bool, error) {
	for _, k := range keys {
		ok, err := has(txn, table, "id", k)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// outcome maps the result of a check to an outcome.
func outcome(ok bool, err error, refused Outcome) (Outcome, error) {
	if err != nil || ok {
		return OK, err
	}
	return refused, nil
}

func (s *memdbStore) InsertUsers(rows []User, out []Outcome) error {
	pending, names := ids{}, map[string]struct{}{}
	return s.twoPhase(len(rows), out, func(txn *memdb.Txn, i int) (Outcome, error) {
		r := &rows[i]
		if _, dup := names[r.Name]; dup {
			return RefusedUnique, nil
		}
		taken, err := has(txn, "users", "name", r.Name)
		if err != nil || taken {
			return outcome(false, err, RefusedUnique)
		}
		ok, err := pending.claim(txn, "users", r.ID)
		if ok {
			names[r.Name] = struct{}{}
		}
		return outcome(ok, err, RefusedUnique)
	}, func(txn *memdb.Txn, i int) error {
		r := rows[i]
		return txn.Insert("users", &r)
	})
}

func (s *memdbStore) InsertPosts(rows []Post, out []Outcome) error {
	pending := ids{}
	return s.twoPhase(len(rows), out, func(txn *memdb.Txn, i int) (Outcome, error) {
		r := &rows[i]
		if ok, err := pending.claim(txn, "posts", r.ID); err != nil || !ok {
			return outcome(ok, err, RefusedUnique)
		}
		ok, err := fkOK(txn, "users", r.AuthorID)
		if !ok {
			delete(pending, r.ID)
		}
		return outcome(ok, err, RefusedForeignKey)
	}, func(txn *memdb.Txn, i int) error {
		r := rows[i]
		return txn.Insert("posts", &r)
	})
}

func (s *memdbStore) InsertComments(rows []Comment, out []Outcome) error {
	pending := ids{}
	return s.twoPhase(len(rows), out, func(txn *memdb.Txn, i int) (Outcome, error) {
		r := &rows[i]
		if ok, err := pending.claim(txn, "comments", r.ID); err != nil || !ok {
			return outcome(ok, err, RefusedUnique)
		}
		ok, err := fkOK(txn, "posts", r.PostID)
		if ok && r.AuthorID.Valid {
			ok, err = fkOK(txn, "users", r.AuthorID.V)
		}
		if !ok {
			delete(pending, r.ID)
		}
		return outcome(ok, err, RefusedForeignKey)
	}, func(txn *memdb.Txn, i int) error {
		r := rows[i]
		return txn.Insert("comments", &r)
	})
}

func (s *memdbStore) InsertTags(rows []Tag, out []Outcome) error {
	pending, names := ids{}, map[string]struct{}{}
	return s.twoPhase(len(rows), out, func(txn *memdb.Txn, i int) (Outcome, error) {
		r := &rows[i]
		if _, dup := names[r.Name]; dup {
			return RefusedUnique, nil
		}
		taken, err := has(txn, "tags", "name", r.Name)
		if err != nil || taken {
			return outcome(false, err, RefusedUnique)
		}
		ok, err := pending.claim(txn, "tags", r.ID)
		if ok {
			names[r.Name] = struct{}{}
		}
		return outcome(ok, err, RefusedUnique)
	}, func(txn *memdb.Txn, i int) error {
		r := rows[i]
		return txn.Insert("tags", &r)
	})
}

func (s *memdbStore) AddPostTags(rows []PostTag, out []Outcome) error {
	pending := map[PostTag]struct{}{}
	write := make([]bool, len(rows)) // a pair already linked is OK and not written
	return s.twoPhase(len(rows), out, func(txn *memdb.Txn, i int) (Outcome, error) {
		r := rows[i]
		if _, dup := pending[r]; dup {
			return OK, nil
		}
		linked, err := has(txn, "post_tags", "id", r.PostID, r.TagID)
		if err != nil || linked {
			return OK, err
		}
		ok, err := fkOK(txn, "posts", r.PostID)
		if ok {
			ok, err = fkOK(txn, "tags", r.TagID)
		}
		if ok {
			pending[r] = struct{}{}
			write[i] = true
		}
		return outcome(ok, err, RefusedForeignKey)
	}, func(txn *memdb.Txn, i int) error {
		if !write[i] {
			return nil
		}
		r := rows[i]
		return txn.Insert("post_tags", &r)
	})
}

func (s *memdbStore) InsertFollows(rows []Follow, out []Outcome) error {
	pending := map[Follow]struct{}{}
	return s.twoPhase(len(rows), out, func(txn *memdb.Txn, i int) (Outcome, error) {
		r := rows[i]
		if r.FollowerID == r.FollowedID {
			return RefusedCheck, nil
		}
		if _, dup := pending[r]; dup {
			return RefusedUnique, nil
		}
		taken, err := has(txn, "follows", "id", r.FollowerID, r.FollowedID)
		if err != nil || taken {
			return outcome(false, err, RefusedUnique)
		}
		ok, err := fkOK(txn, "users", r.FollowerID, r.FollowedID)
		if ok {
			pending[r] = struct{}{}
		}
		return outcome(ok, err, RefusedForeignKey)
	}, func(txn *memdb.Txn, i int) error {
		r := rows[i]
		return txn.Insert("follows", &r)
	})
}

func (s *memdbStore) InsertProducts(rows []Product, out []Outcome) error {
	pending := ids{}
	return s.twoPhase(len(rows), out, func(txn *memdb.Txn, i int) (Outcome, error) {
		ok, err := pending.claim(txn, "products", rows[i].ID)
		return outcome(ok, err, RefusedUnique)
	}, func(txn *memdb.Txn, i int) error {
		r := rows[i]
		return txn.Insert("products", &r)
	})
}

func (s *memdbStore) InsertOrders(rows []Order, out []Outcome) error {
	pending := ids{}
	return s.twoPhase(len(rows), out, func(txn *memdb.Txn, i int) (Outcome, error) {
		r := &rows[i]
		if ok, err := pending.claim(txn, "orders", r.ID); err != nil || !ok {
			return outcome(ok, err, RefusedUnique)
		}
		ok, err := fkOK(txn, "users", r.CustomerID)
		if !ok {
			delete(pending, r.ID)
		}
		return outcome(ok, err, RefusedForeignKey)
	}, func(txn *memdb.Txn, i int) error {
		r := rows[i]
		return txn.Insert("orders", &r)
	})
}

func (s *memdbStore) InsertItems(rows []Item, out []Outcome) error {
	pending := ids{}
	return s.twoPhase(len(rows), out, func(txn *memdb.Txn, i int) (Outcome, error) {
		r := &rows[i]
		if ok, err := pending.claim(txn, "items", r.ID); err != nil || !ok {
			return outcome(ok, err, RefusedUnique)
		}
		ok, err := fkOK(txn, "orders", r.OrderID)
		if ok {
			ok, err = fkOK(txn, "products", r.ProductID)
		}
		if !ok {
			delete(pending, r.ID)
		}
		return outcome(ok, err, RefusedForeignKey)
	}, func(txn *memdb.Txn, i int) error {
		r := rows[i]
		return txn.Insert("items", &r)
	})
}

func (s *memdbStore) CommentsOf(postID int64, buf []Comment) ([]Comment, error) {
	txn := s.db.Txn(false)
	it, err := txn.Get("comments", "post", postID)
	if err != nil {
		return buf, err
	}
	for o := it.Next(); o != nil; o = it.Next() {
		buf = append(buf, *o.(*Comment))
	}
	return buf, nil
}

// collect appends every row of table under index = args.
func collect[T any](txn *memdb.Txn, dst []*T, table, index string, args ...any) ([]*T, error) {
	it, err := txn.Get(table, index, args...)
	if err != nil {
		return dst, err
	}
	for o := it.Next(); o != nil; o = it.Next() {
		dst = append(dst, o.(*T))
	}
	return dst, nil
}

// DeleteUser collects the whole closure and checks RESTRICT before the
// first write: posts and their comments and links, follows both ways, and
// the user's comments on other posts, whose author becomes NULL.
func (s *memdbStore) DeleteUser(id int64) (Outcome, error) {
	txn := s.db.Txn(true)
	defer txn.Abort()
	u, err := txn.First("users", "id", id)
	if err != nil || u == nil {
		return RefusedNotFound, err
	}
	if blocked, err := has(txn, "orders", "customer", id); err != nil || blocked {
		return RefusedRestrict, err
	}
	posts, err := collect[Post](txn, nil, "posts", "author", id)
	if err != nil {
		return 0, err
	}
	var comments []*Comment
	var links []*PostTag
	deleted := map[int64]struct{}{}
	for _, p := range posts {
		start := len(comments)
		if comments, err = collect(txn, comments, "comments", "post", p.ID); err != nil {
			return 0, err
		}
		for _, c := range comments[start:] {
			deleted[c.ID] = struct{}{}
		}
		if links, err = collect(txn, links, "post_tags", "id_prefix", p.ID); err != nil {
			return 0, err
		}
	}
	follows, err := collect[Follow](txn, nil, "follows", "id_prefix", id)
	if err != nil {
		return 0, err
	}
	if follows, err = collect(txn, follows, "follows", "followed", id); err != nil {
		return 0, err
	}
	authored, err := collect[Comment](txn, nil, "comments", "author", id)
	if err != nil {
		return 0, err
	}
	for _, c := range comments {
		if err := txn.Delete("comments", c); err != nil {
			return 0, err
		}
	}
	for _, l := range links {
		if err := txn.Delete("post_tags", l); err != nil {
			return 0, err
		}
	}
	for _, p := range posts {
		if err := txn.Delete("posts", p); err != nil {
			return 0, err
		}
	}
	for _, f := range follows {
		if err := txn.Delete("follows", f); err != nil {
			return 0, err
		}
	}
	for _, c := range authored {
		if _, gone := deleted[c.ID]; gone {
			continue
		}
		n := *c
		n.AuthorID.V, n.AuthorID.Valid = 0, false
		if err := txn.Insert("comments", &n); err != nil {
			return 0, err
		}
	}
	if err := txn.Delete("users", u); err != nil {
		return 0, err
	}
	txn.Commit()
	return OK, nil
}

func (s *memdbStore) DeleteComments(keys []int64) error {
	txn := s.db.Txn(true)
	defer txn.Abort()
	rows := make([]any, len(keys))
	for i, k := range keys {
		o, err := txn.First("comments", "id", k)
		if err != nil {
			return err
		}
		if o == nil {
			return fmt.Errorf("comments %d: not found", k)
		}
		rows[i] = o
	}
	for _, o := range rows {
		if err := txn.Delete("comments", o); err != nil {
			return err
		}
	}
	txn.Commit()
	return nil
}

// LoadPosts: one lookup per post, each distinct author once, the comments'
// index per post, each distinct comment author once.
func (s *memdbStore) LoadPosts(keys []int64, buf []PostView) ([]PostView, error) {
	txn := s.db.Txn(false)
	users := map[int64]User{}
	user := func(id int64) (User, error) {
		if u, ok := users[id]; ok {
			return u, nil
		}
		o, err := txn.First("users", "id", id)
		if err != nil || o == nil {
			return User{}, fmt.Errorf("users %d: %v", id, err)
		}
		u := *o.(*User)
		users[id] = u
		return u, nil
	}
	for _, k := range keys {
		o, err := txn.First("posts", "id", k)
		if err != nil || o == nil {
			return buf, fmt.Errorf("posts %d: %v", k, err)
		}
		v := PostView{Post: *o.(*Post)}
		if v.Author, err = user(v.Post.AuthorID); err != nil {
			return buf, err
		}
		it, err := txn.Get("comments", "post", k)
		if err != nil {
			return buf, err
		}
		for o := it.Next(); o != nil; o = it.Next() {
			cv := CommentView{Comment: *o.(*Comment)}
			if a := cv.Comment.AuthorID; a.Valid {
				if cv.Author, err = user(a.V); err != nil {
					return buf, err
				}
				cv.HasAuthor = true
			}
			v.Comments = append(v.Comments, cv)
		}
		buf = append(buf, v)
	}
	return buf, nil
}

func (s *memdbStore) Fork() (Store, error) { return &memdbStore{s.db.Snapshot()}, nil }

func dumpTable[T any](txn *memdb.Txn, table string, add func(T)) error {
	it, err := txn.Get(table, "id")
	if err != nil {
		return err
	}
	for o := it.Next(); o != nil; o = it.Next() {
		add(*o.(*T))
	}
	return nil
}

func (s *memdbStore) Dump() (Dump, error) {
	b := NewDumpBuilder()
	txn := s.db.Txn(false)
	for _, err := range []error{
		dumpTable(txn, "users", b.User),
		dumpTable(txn, "posts", b.Post),
		dumpTable(txn, "comments", b.Comment),
		dumpTable(txn, "tags", b.Tag),
		dumpTable(txn, "post_tags", b.PostTag),
		dumpTable(txn, "follows", b.Follow),
		dumpTable(txn, "products", b.Product),
		dumpTable(txn, "orders", b.Order),
		dumpTable(txn, "items", b.Item),
	} {
		if err != nil {
			return nil, err
		}
	}
	return b.Done(), nil
}

func (s *memdbStore) MemoryOutsideGoHeap() (int64, error) { return 0, nil }
func (s *memdbStore) Close() error                        { return nil }
