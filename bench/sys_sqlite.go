package bench

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// sqliteSchema has an index on every foreign key; link tables are keyed by
// their pair.
const sqliteSchema = `
CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE posts(id INTEGER PRIMARY KEY,
	author_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	title TEXT NOT NULL);
CREATE INDEX posts_author ON posts(author_id);
CREATE TABLE comments(id INTEGER PRIMARY KEY,
	post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
	author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
	body TEXT NOT NULL);
CREATE INDEX comments_post ON comments(post_id);
CREATE INDEX comments_author ON comments(author_id);
CREATE TABLE tags(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE post_tags(
	post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
	tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
	PRIMARY KEY(post_id, tag_id)) WITHOUT ROWID;
CREATE INDEX post_tags_tag ON post_tags(tag_id);
CREATE TABLE follows(
	follower_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	followed_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	PRIMARY KEY(follower_id, followed_id),
	CHECK (follower_id <> followed_id)) WITHOUT ROWID;
CREATE INDEX follows_followed ON follows(followed_id);
CREATE TABLE products(id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE orders(id INTEGER PRIMARY KEY,
	customer_id INTEGER NOT NULL REFERENCES users(id) ON DELETE RESTRICT);
CREATE INDEX orders_customer ON orders(customer_id);
CREATE TABLE items(id INTEGER PRIMARY KEY,
	order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
	product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE RESTRICT,
	qty INTEGER NOT NULL);
CREATE INDEX items_order ON items(order_id);
CREATE INDEX items_product ON items(product_id);
`

// sqliteDriver is what differs between the two drivers: the database/sql
// driver name, and how a connection is overwritten with another's content
// (the fastest way each driver offers; see BENCHMARKS.md).
type sqliteDriver struct {
	name string
	// restore makes dst a copy of src's main database.
	restore func(src, dst *sqliteStore) error
}

// sqliteStore is SQLite in memory on exactly one connection, foreign keys
// on, with prepared statements and one transaction per batch.
type sqliteStore struct {
	drv  *sqliteDriver
	db   *sql.DB
	conn *sql.Conn

	insUser, insPost, insComment, insTag, insLink, insFollow *sql.Stmt
	insProduct, insOrder, insItem                            *sql.Stmt
	selComments, delUser, delComment                         *sql.Stmt
	loadPosts, loadComments                                  map[int]*sql.Stmt

	scratch  *sqliteStore // the connection Fork restores into
	template []byte       // a serialized copy of this store, for drivers that deserialize
}

var ctx = context.Background()

func openSQLite(drv *sqliteDriver) (*sqliteStore, error) {
	db, err := sql.Open(drv.name, ":memory:")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	s := &sqliteStore{drv: drv, db: db, conn: conn}
	if err := s.init(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *sqliteStore) init() error {
	if _, err := s.conn.ExecContext(ctx, "PRAGMA foreign_keys = ON"); err != nil {
		return err
	}
	var fk int
	if err := s.conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return err
	}
	if fk != 1 {
		return fmt.Errorf("%s: PRAGMA foreign_keys reads %d after it was set on", s.drv.name, fk)
	}
	if _, err := s.conn.ExecContext(ctx, sqliteSchema); err != nil {
		return err
	}
	prep := func(dst **sql.Stmt, q string) error {
		st, err := s.conn.PrepareContext(ctx, q)
		*dst = st
		return err
	}
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&s.insUser, "INSERT INTO users(id, name) VALUES(?, ?)"},
		{&s.insPost, "INSERT INTO posts(id, author_id, title) VALUES(?, ?, ?)"},
		{&s.insComment, "INSERT INTO comments(id, post_id, author_id, body) VALUES(?, ?, ?, ?)"},
		{&s.insTag, "INSERT INTO tags(id, name) VALUES(?, ?)"},
		{&s.insLink, "INSERT OR IGNORE INTO post_tags(post_id, tag_id) VALUES(?, ?)"},
		{&s.insFollow, "INSERT INTO follows(follower_id, followed_id) VALUES(?, ?)"},
		{&s.insProduct, "INSERT INTO products(id, name) VALUES(?, ?)"},
		{&s.insOrder, "INSERT INTO orders(id, customer_id) VALUES(?, ?)"},
		{&s.insItem, "INSERT INTO items(id, order_id, product_id, qty) VALUES(?, ?, ?, ?)"},
		{&s.selComments, "SELECT id, post_id, author_id, body FROM comments WHERE post_id = ? ORDER BY id"},
		{&s.delUser, "DELETE FROM users WHERE id = ?"},
		{&s.delComment, "DELETE FROM comments WHERE id = ?"},
	} {
		if err := prep(p.dst, p.q); err != nil {
			return err
		}
	}
	s.loadPosts = map[int]*sql.Stmt{}
	s.loadComments = map[int]*sql.Stmt{}
	return nil
}

// sqliteOutcome classifies a refusal by SQLite's message, which both
// drivers carry; any other error is the system's.
func sqliteOutcome(err error) (Outcome, error) {
	if err == nil {
		return OK, nil
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "UNIQUE constraint failed"):
		return RefusedUnique, nil
	case strings.Contains(msg, "CHECK constraint failed"):
		return RefusedCheck, nil
	case strings.Contains(msg, "FOREIGN KEY constraint failed"):
		return RefusedForeignKey, nil
	}
	return 0, err
}

// batch runs exec for each of n rows in one transaction, with stmt bound
// to it.
func (s *sqliteStore) batch(stmt *sql.Stmt, n int, out []Outcome, exec func(st *sql.Stmt, i int) error) error {
	tx, err := s.conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // ignored after Commit
	st := tx.Stmt(stmt)
	for i := range n {
		o, err := sqliteOutcome(exec(st, i))
		if err != nil {
			return err
		}
		out[i] = o
	}
	return tx.Commit()
}

func execErr(_ sql.Result, err error) error { return err }

func (s *sqliteStore) InsertUsers(rows []User, out []Outcome) error {
	return s.batch(s.insUser, len(rows), out, func(st *sql.Stmt, i int) error {
		return execErr(st.Exec(rows[i].ID, rows[i].Name))
	})
}

func (s *sqliteStore) InsertPosts(rows []Post, out []Outcome) error {
	return s.batch(s.insPost, len(rows), out, func(st *sql.Stmt, i int) error {
		return execErr(st.Exec(rows[i].ID, rows[i].AuthorID, rows[i].Title))
	})
}

func (s *sqliteStore) InsertComments(rows []Comment, out []Outcome) error {
	return s.batch(s.insComment, len(rows), out, func(st *sql.Stmt, i int) error {
		r := &rows[i]
		author := sql.NullInt64{Int64: r.AuthorID.V, Valid: r.AuthorID.Valid}
		return execErr(st.Exec(r.ID, r.PostID, author, r.Body))
	})
}

func (s *sqliteStore) InsertTags(rows []Tag, out []Outcome) error {
	return s.batch(s.insTag, len(rows), out, func(st *sql.Stmt, i int) error {
		return execErr(st.Exec(rows[i].ID, rows[i].Name))
	})
}

func (s *sqliteStore) AddPostTags(rows []PostTag, out []Outcome) error {
	return s.batch(s.insLink, len(rows), out, func(st *sql.Stmt, i int) error {
		return execErr(st.Exec(rows[i].PostID, rows[i].TagID))
	})
}

func (s *sqliteStore) InsertFollows(rows []Follow, out []Outcome) error {
	return s.batch(s.insFollow, len(rows), out, func(st *sql.Stmt, i int) error {
		return execErr(st.Exec(rows[i].FollowerID, rows[i].FollowedID))
	})
}

func (s *sqliteStore) InsertProducts(rows []Product, out []Outcome) error {
	return s.batch(s.insProduct, len(rows), out, func(st *sql.Stmt, i int) error {
		return execErr(st.Exec(rows[i].ID, rows[i].Name))
	})
}

func (s *sqliteStore) InsertOrders(rows []Order, out []Outcome) error {
	return s.batch(s.insOrder, len(rows), out, func(st *sql.Stmt, i int) error {
		return execErr(st.Exec(rows[i].ID, rows[i].CustomerID))
	})
}

func (s *sqliteStore) InsertItems(rows []Item, out []Outcome) error {
	return s.batch(s.insItem, len(rows), out, func(st *sql.Stmt, i int) error {
		r := &rows[i]
		return execErr(st.Exec(r.ID, r.OrderID, r.ProductID, r.Qty))
	})
}

func (s *sqliteStore) CommentsOf(postID int64, buf []Comment) ([]Comment, error) {
	rows, err := s.selComments.Query(postID)
	if err != nil {
		return buf, err
	}
	defer rows.Close()
	for rows.Next() {
		var c Comment
		var author sql.NullInt64
		if err := rows.Scan(&c.ID, &c.PostID, &author, &c.Body); err != nil {
			return buf, err
		}
		c.AuthorID.V, c.AuthorID.Valid = author.Int64, author.Valid
		buf = append(buf, c)
	}
	return buf, rows.Err()
}

// DeleteUser is one autocommit statement: SQLite applies the cascades, the
// SET NULLs and the RESTRICT check, all or nothing.
func (s *sqliteStore) DeleteUser(id int64) (Outcome, error) {
	res, err := s.delUser.Exec(id)
	o, err := sqliteOutcome(err)
	if err != nil {
		return 0, err
	}
	if o == RefusedForeignKey {
		return RefusedRestrict, nil // a delete fails a foreign key only through RESTRICT
	}
	if o != OK {
		return o, nil
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return RefusedNotFound, nil
	}
	return OK, nil
}

func (s *sqliteStore) DeleteComments(ids []int64) error {
	out := make([]Outcome, len(ids))
	return s.batch(s.delComment, len(ids), out, func(st *sql.Stmt, i int) error {
		return execErr(st.Exec(ids[i]))
	})
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// loadStmts returns the two IN-list statements for n posts, prepared once
// per n.
func (s *sqliteStore) loadStmts(n int) (*sql.Stmt, *sql.Stmt, error) {
	if p, ok := s.loadPosts[n]; ok {
		return p, s.loadComments[n], nil
	}
	in := placeholders(n)
	p, err := s.conn.PrepareContext(ctx, "SELECT p.id, p.author_id, p.title, u.name FROM posts p "+
		"JOIN users u ON u.id = p.author_id WHERE p.id IN ("+in+")")
	if err != nil {
		return nil, nil, err
	}
	c, err := s.conn.PrepareContext(ctx, "SELECT c.id, c.post_id, c.author_id, c.body, u.name FROM comments c "+
		"LEFT JOIN users u ON u.id = c.author_id WHERE c.post_id IN ("+in+") ORDER BY c.post_id, c.id")
	if err != nil {
		p.Close()
		return nil, nil, err
	}
	s.loadPosts[n], s.loadComments[n] = p, c
	return p, c, nil
}

// LoadPosts runs the two IN-list queries a careful user writes: the posts
// joined with their authors, then their comments joined with theirs.
func (s *sqliteStore) LoadPosts(ids []int64, buf []PostView) ([]PostView, error) {
	ps, cs, err := s.loadStmts(len(ids))
	if err != nil {
		return buf, err
	}
	args := make([]any, len(ids))
	at := make(map[int64]int, len(ids))
	base := len(buf)
	for i, id := range ids {
		args[i] = id
		at[id] = base + i
	}
	buf = append(buf, make([]PostView, len(ids))...)
	tx, err := s.conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return buf, err
	}
	defer tx.Rollback() // a read: nothing to commit
	rows, err := tx.Stmt(ps).Query(args...)
	if err != nil {
		return buf, err
	}
	found := 0
	for rows.Next() {
		var p Post
		var name string
		if err := rows.Scan(&p.ID, &p.AuthorID, &p.Title, &name); err != nil {
			rows.Close()
			return buf, err
		}
		v := &buf[at[p.ID]]
		v.Post, v.Author = p, User{ID: p.AuthorID, Name: name}
		found++
	}
	if err := rows.Close(); err != nil {
		return buf, err
	}
	if found != len(ids) {
		return buf, fmt.Errorf("%d of %d posts found", found, len(ids))
	}
	rows, err = tx.Stmt(cs).Query(args...)
	if err != nil {
		return buf, err
	}
	defer rows.Close()
	for rows.Next() {
		var c Comment
		var author sql.NullInt64
		var name sql.NullString
		if err := rows.Scan(&c.ID, &c.PostID, &author, &c.Body, &name); err != nil {
			return buf, err
		}
		c.AuthorID.V, c.AuthorID.Valid = author.Int64, author.Valid
		cv := CommentView{Comment: c, HasAuthor: author.Valid}
		if author.Valid {
			cv.Author = User{ID: author.Int64, Name: name.String}
		}
		v := &buf[at[c.PostID]]
		v.Comments = append(v.Comments, cv)
	}
	return buf, rows.Err()
}

// Fork restores this store's content into its scratch connection (opened
// on the first Fork) and returns the scratch store.
func (s *sqliteStore) Fork() (Store, error) {
	if s.scratch == nil {
		sc, err := openSQLite(s.drv)
		if err != nil {
			return nil, err
		}
		s.scratch = sc
	}
	if err := s.drv.restore(s, s.scratch); err != nil {
		return nil, err
	}
	return s.scratch, nil
}

func (s *sqliteStore) Dump() (Dump, error) {
	b := NewDumpBuilder()
	q := func(query string, scan func(r *sql.Rows) error) error {
		rows, err := s.conn.QueryContext(ctx, query)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	var authorID sql.NullInt64 // comments.author_id, scanned then copied
	for _, table := range []func() error{
		func() error {
			return scanRows(q, "SELECT id, name FROM users", func(x *User) []any { return []any{&x.ID, &x.Name} }, nil, b.User)
		},
		func() error {
			return scanRows(q, "SELECT id, author_id, title FROM posts", func(x *Post) []any { return []any{&x.ID, &x.AuthorID, &x.Title} }, nil, b.Post)
		},
		func() error {
			return scanRows(q, "SELECT id, post_id, author_id, body FROM comments",
				func(x *Comment) []any { return []any{&x.ID, &x.PostID, &authorID, &x.Body} },
				func(x *Comment) { x.AuthorID.V, x.AuthorID.Valid = authorID.Int64, authorID.Valid }, b.Comment)
		},
		func() error {
			return scanRows(q, "SELECT id, name FROM tags", func(x *Tag) []any { return []any{&x.ID, &x.Name} }, nil, b.Tag)
		},
		func() error {
			return scanRows(q, "SELECT post_id, tag_id FROM post_tags", func(x *PostTag) []any { return []any{&x.PostID, &x.TagID} }, nil, b.PostTag)
		},
		func() error {
			return scanRows(q, "SELECT follower_id, followed_id FROM follows", func(x *Follow) []any { return []any{&x.FollowerID, &x.FollowedID} }, nil, b.Follow)
		},
		func() error {
			return scanRows(q, "SELECT id, name FROM products", func(x *Product) []any { return []any{&x.ID, &x.Name} }, nil, b.Product)
		},
		func() error {
			return scanRows(q, "SELECT id, customer_id FROM orders", func(x *Order) []any { return []any{&x.ID, &x.CustomerID} }, nil, b.Order)
		},
		func() error {
			return scanRows(q, "SELECT id, order_id, product_id, qty FROM items", func(x *Item) []any { return []any{&x.ID, &x.OrderID, &x.ProductID, &x.Qty} }, nil, b.Item)
		},
		func() error {
			return q("PRAGMA foreign_key_check", func(r *sql.Rows) error {
				return fmt.Errorf("%s: PRAGMA foreign_key_check reports a dangling key", s.drv.name)
			})
		},
	} {
		if err := table(); err != nil {
			return b.Done(), err
		}
	}
	return b.Done(), nil
}

// scanRows runs query through q and adds each row, scanned into the
// destinations fields gives (then completed by fix, if any), with add.
func scanRows[T any](q func(string, func(*sql.Rows) error) error, query string, fields func(*T) []any, fix func(*T), add func(T)) error {
	return q(query, func(r *sql.Rows) error {
		var x T
		if err := r.Scan(fields(&x)...); err != nil {
			return err
		}
		if fix != nil {
			fix(&x)
		}
		add(x)
		return nil
	})
}

func (s *sqliteStore) MemoryOutsideGoHeap() (int64, error) {
	var pages, size int64
	if err := s.conn.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		return 0, err
	}
	if err := s.conn.QueryRowContext(ctx, "PRAGMA page_size").Scan(&size); err != nil {
		return 0, err
	}
	return pages * size, nil
}

func (s *sqliteStore) Close() error {
	if s.scratch != nil {
		s.scratch.Close()
		s.scratch = nil
	}
	if s.conn != nil {
		s.conn.Close()
	}
	return s.db.Close()
}
