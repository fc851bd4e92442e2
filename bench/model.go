// Package bench measures memrel against the stores a Go program could use
// instead: SQLite in memory through two drivers (mattn/go-sqlite3, cgo, and
// modernc.org/sqlite, pure Go), go-memdb with the same relational checks
// written by hand, and plain Go maps (the limit for a store without MVCC).
//
// Every system implements [Store] over the same schema (a blog and a shop:
// users, posts, comments, tags and their links, follows, products, orders and
// order items) with the same rules (foreign keys with Cascade, SetNull and
// Restrict, unique names, a unique follow pair, no self-follow). The
// workloads W1-W8 (see workloads.go and BENCHMARKS.md at the repository's
// root) drive a Store only through that interface, so the benchmarks and the
// correctness tests run the same code on every system.
package bench

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/memrel-go/memrel"
)

// The rows, shared by every system. A nullable key is a memrel.Null, a plain
// value the other systems store as they please.
type (
	User struct {
		ID   int64
		Name string
	}
	Post struct {
		ID       int64
		AuthorID int64
		Title    string
	}
	Comment struct {
		ID       int64
		PostID   int64
		AuthorID memrel.Null[int64]
		Body     string
	}
	Tag struct {
		ID   int64
		Name string
	}
	// PostTag is a many-to-many link attempt: adding an existing pair does
	// nothing.
	PostTag struct {
		PostID, TagID int64
	}
	Follow struct {
		FollowerID, FollowedID int64
	}
	Product struct {
		ID   int64
		Name string
	}
	Order struct {
		ID         int64
		CustomerID int64
	}
	Item struct {
		ID        int64
		OrderID   int64
		ProductID int64
		Qty       int64
	}
)

// Outcome is what became of one operation. A refused operation changes
// nothing, and the transaction it ran in goes on.
type Outcome uint8

const (
	OK Outcome = iota
	// RefusedUnique: a primary key, unique constraint or unique pair taken.
	RefusedUnique
	// RefusedCheck: a check constraint failed.
	RefusedCheck
	// RefusedForeignKey: a key points at a missing row.
	RefusedForeignKey
	// RefusedRestrict: a delete refused by a row that references the
	// deleted row (Restrict).
	RefusedRestrict
	// RefusedNotFound: the row to delete does not exist.
	RefusedNotFound
)

var outcomeNames = [...]string{"ok", "unique", "check", "foreign key", "restrict", "not found"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// CommentView is a comment with its author (HasAuthor false: no author).
type CommentView struct {
	Comment   Comment
	Author    User
	HasAuthor bool
}

// PostView is a post with its author and its comments, in key order, each
// with its author: what W8 loads.
type PostView struct {
	Post     Post
	Author   User
	Comments []CommentView
}

// Store is one system holding the schema. Every batch method runs in one
// transaction and writes one outcome per row into out (len(out) >= len(rows));
// its error reports a failure of the system itself, never a refused row.
type Store interface {
	InsertUsers(rows []User, out []Outcome) error
	InsertPosts(rows []Post, out []Outcome) error
	InsertComments(rows []Comment, out []Outcome) error
	InsertTags(rows []Tag, out []Outcome) error
	// AddPostTags links each pair; a pair already linked is left as it is
	// and counts as OK.
	AddPostTags(rows []PostTag, out []Outcome) error
	InsertFollows(rows []Follow, out []Outcome) error
	InsertProducts(rows []Product, out []Outcome) error
	InsertOrders(rows []Order, out []Outcome) error
	InsertItems(rows []Item, out []Outcome) error

	// CommentsOf appends the comments of a post to buf, in key order.
	CommentsOf(postID int64, buf []Comment) ([]Comment, error)
	// DeleteUser deletes a user, with every on-delete rule, in one
	// transaction: all of it or nothing.
	DeleteUser(id int64) (Outcome, error)
	// DeleteComments deletes comments (that no row references) in one
	// transaction.
	DeleteComments(ids []int64) error
	// LoadPosts appends to buf a view of each post, in the order of ids.
	LoadPosts(ids []int64, buf []PostView) ([]PostView, error)

	// Fork returns an independent copy of the store's committed state. For
	// the SQLite systems the copy reuses one scratch connection: it is valid
	// until the next Fork of the same store.
	Fork() (Store, error)
	// Dump returns the canonical state of the store.
	Dump() (Dump, error)
	// MemoryOutsideGoHeap returns the bytes the store keeps outside the Go
	// heap (SQLite's pages), 0 for the Go stores.
	MemoryOutsideGoHeap() (int64, error)
	Close() error
}

// Dump is a store's state: per table, one line per row, sorted. Two stores
// hold the same rows exactly when their Dumps are equal.
type Dump map[string][]string

// DumpBuilder collects the rows of a Dump.
type DumpBuilder struct{ d Dump }

// NewDumpBuilder returns a builder with every table present (and empty).
func NewDumpBuilder() *DumpBuilder {
	d := Dump{}
	for _, t := range Tables {
		d[t] = []string{}
	}
	return &DumpBuilder{d}
}

// Tables lists the tables of the schema, parents first.
var Tables = []string{"users", "posts", "comments", "tags", "post_tags", "follows", "products", "orders", "items"}

func (b *DumpBuilder) User(r User)       { b.add("users", r.ID, r.Name) }
func (b *DumpBuilder) Post(r Post)       { b.add("posts", r.ID, r.AuthorID, r.Title) }
func (b *DumpBuilder) Tag(r Tag)         { b.add("tags", r.ID, r.Name) }
func (b *DumpBuilder) PostTag(r PostTag) { b.add("post_tags", r.PostID, r.TagID) }
func (b *DumpBuilder) Follow(r Follow)   { b.add("follows", r.FollowerID, r.FollowedID) }
func (b *DumpBuilder) Product(r Product) { b.add("products", r.ID, r.Name) }
func (b *DumpBuilder) Order(r Order)     { b.add("orders", r.ID, r.CustomerID) }
func (b *DumpBuilder) Item(r Item)       { b.add("items", r.ID, r.OrderID, r.ProductID, r.Qty) }
func (b *DumpBuilder) Comment(r Comment) {
	b.add("comments", r.ID, r.PostID, nullString(r.AuthorID), r.Body)
}

func nullString(n memrel.Null[int64]) string {
	if !n.Valid {
		return "NULL"
	}
	return strconv.FormatInt(n.V, 10)
}

// add appends a row; numbers are zero-padded so that rows sort by key.
func (b *DumpBuilder) add(table string, fields ...any) {
	s := ""
	for i, f := range fields {
		if i > 0 {
			s += "|"
		}
		if n, ok := f.(int64); ok {
			s += fmt.Sprintf("%012d", n)
		} else {
			s += fmt.Sprint(f)
		}
	}
	b.d[table] = append(b.d[table], s)
}

// Done sorts every table and returns the Dump.
func (b *DumpBuilder) Done() Dump {
	for _, rows := range b.d {
		slices.Sort(rows)
	}
	return b.d
}

// Count returns the number of rows per table.
func (d Dump) Count() map[string]int {
	m := map[string]int{}
	for t, rows := range d {
		m[t] = len(rows)
	}
	return m
}

// Diff describes the first differences between two dumps, "" if equal.
func (d Dump) Diff(o Dump) string {
	var s string
	for _, t := range Tables {
		a, b := d[t], o[t]
		if slices.Equal(a, b) {
			continue
		}
		s += fmt.Sprintf("%s: %d rows vs %d", t, len(a), len(b))
		for i := range max(len(a), len(b)) {
			var x, y string
			if i < len(a) {
				x = a[i]
			}
			if i < len(b) {
				y = b[i]
			}
			if x != y {
				s += fmt.Sprintf(", first difference at row %d: %q vs %q", i, x, y)
				break
			}
		}
		s += "\n"
	}
	return s
}
