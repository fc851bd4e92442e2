package conformance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mattn/go-sqlite3"
)

// Lite is a SQLite :memory: database built from a Schema.
type Lite struct {
	s    *Schema
	db   *sql.DB
	conn *sql.Conn
	// uniqueByCols maps "table|sorted columns" to the constraint named.
	uniqueByCols map[string]string
	inTx         bool
}

var allCols = func() []Col {
	cols := []Col{{'i', 0}}
	for i := range NN {
		cols = append(cols, Col{'n', i})
	}
	for i := range NR {
		cols = append(cols, Col{'r', i})
	}
	return append(cols, Col{'a', 0}, Col{'b', 0}, Col{'c', 0})
}()

// DDL returns the statements that create s in SQLite.
func DDL(s *Schema) []string {
	var stmts []string
	for t, name := range s.Tables {
		var defs []string
		byCol := map[Col]*FKSpec{}
		for _, f := range s.Out(t) {
			byCol[f.Col] = f
		}
		for _, c := range allCols {
			def := c.String() + " INTEGER"
			switch c.Kind {
			case 'i':
				def += " PRIMARY KEY"
			case 'r', 'a', 'b':
				def += " NOT NULL"
			}
			if f := byCol[c]; f != nil {
				switch {
				case f.Rule == SetDefault && f.ValNull:
					def += " DEFAULT NULL"
				case f.Rule == SetDefault || f.Rule == SetTo:
					def += fmt.Sprintf(" DEFAULT %d", f.Val)
				}
				def += fmt.Sprintf(" CONSTRAINT %s REFERENCES %s(id)", fkName(f), s.Tables[f.Parent])
				switch f.Rule {
				case Cascade:
					def += " ON DELETE CASCADE"
				case SetNull:
					def += " ON DELETE SET NULL"
				case SetDefault, SetTo:
					def += " ON DELETE SET DEFAULT"
				case DoNothing:
					def += " DEFERRABLE INITIALLY DEFERRED"
				}
				// Protect and Restrict: NO ACTION, checked at the end of the
				// statement; only deletes the reference model allows reach
				// SQLite.
			}
			defs = append(defs, def)
		}
		for _, c := range s.Checks(t) {
			defs = append(defs, fmt.Sprintf("CONSTRAINT %s CHECK (%s)", c.Name, c.Cond.SQL()))
		}
		stmts = append(stmts, fmt.Sprintf("CREATE TABLE %s (\n  %s\n)", name, strings.Join(defs, ",\n  ")))
		// SQLite checks the unique indexes of a table in the reverse order
		// of their creation: create them last first, so that it reports
		// the one-to-one relations, then the uniques in declaration order.
		var idx []string
		for _, f := range s.Out(t) {
			if f.OneToOne {
				idx = append(idx, fmt.Sprintf("CREATE UNIQUE INDEX o2o_%s ON %s(%s)", fkName(f), name, f.Col))
			}
		}
		for _, u := range s.Uniques(t) {
			var cols []string
			for _, c := range u.Cols {
				cols = append(cols, c.String())
			}
			st := fmt.Sprintf("CREATE UNIQUE INDEX %s ON %s(%s)", u.Name, name, strings.Join(cols, ", "))
			if u.Where != nil {
				st += " WHERE " + u.Where.SQL()
			}
			idx = append(idx, st)
		}
		slices.Reverse(idx)
		stmts = append(stmts, idx...)
		for _, f := range s.Out(t) {
			if !f.OneToOne {
				stmts = append(stmts, fmt.Sprintf("CREATE INDEX ix_%s ON %s(%s)", fkName(f), name, f.Col))
			}
		}
	}
	return stmts
}

func fkName(f *FKSpec) string { return strings.ReplaceAll(f.Name, ".", "_") }

// NewLite opens SQLite :memory: with the schema of s.
func NewLite(s *Schema) (*Lite, error) {
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(context.Background())
	if err != nil {
		return nil, err
	}
	l := &Lite{s: s, db: db, conn: conn, uniqueByCols: map[string]string{}}
	if err := l.exec("PRAGMA foreign_keys = ON"); err != nil {
		return nil, err
	}
	var on int
	if err := conn.QueryRowContext(context.Background(), "PRAGMA foreign_keys").Scan(&on); err != nil || on != 1 {
		return nil, fmt.Errorf("foreign keys are not on (%d, %v)", on, err)
	}
	for _, st := range DDL(s) {
		if err := l.exec(st); err != nil {
			return nil, fmt.Errorf("%s: %w", st, err)
		}
	}
	for t, name := range s.Tables {
		l.uniqueByCols[name+"|id"] = name + ".id"
		for _, f := range s.Out(t) {
			if f.OneToOne {
				l.uniqueByCols[name+"|"+f.Col.String()] = f.Name
			}
		}
		for _, u := range s.Uniques(t) {
			l.uniqueByCols[name+"|"+colsKey(u.Cols)] = u.Name
		}
	}
	return l, nil
}

// Close closes the database.
func (l *Lite) Close() {
	l.conn.Close()
	l.db.Close()
}

func (l *Lite) exec(q string, args ...any) error {
	_, err := l.conn.ExecContext(context.Background(), q, args...)
	return err
}

func rowArgs(r *Row) []any {
	args := make([]any, 0, len(allCols))
	for _, c := range allCols {
		v, ok := c.Get(r)
		if ok {
			args = append(args, v)
		} else {
			args = append(args, nil)
		}
	}
	return args
}

func colList() string {
	var ss []string
	for _, c := range allCols {
		ss = append(ss, c.String())
	}
	return strings.Join(ss, ", ")
}

var (
	insertCols   = colList()
	placeholders = strings.TrimSuffix(strings.Repeat("?, ", len(allCols)), ", ")
	updateSet    = func() string {
		var ss []string
		for _, c := range allCols[1:] {
			ss = append(ss, c.String()+" = ?")
		}
		return strings.Join(ss, ", ")
	}()
)

// Apply plays op: the first operation after a commit opens a transaction
// (BEGIN), OpCommit commits it (and rolls it back if COMMIT fails). A failed
// statement is undone by SQLite (ON CONFLICT ABORT); the transaction goes on.
func (l *Lite) Apply(op Op) Outcome {
	ctx := context.Background()
	if op.Kind == OpCommit {
		if !l.inTx {
			return Outcome{Kind: KOK}
		}
		l.inTx = false
		dangling := 0
		rows, err := l.conn.QueryContext(ctx, "PRAGMA foreign_key_check")
		if err != nil {
			return Outcome{Kind: "error", Err: err.Error()}
		}
		for rows.Next() {
			dangling++
		}
		rows.Close()
		if err := l.exec("COMMIT"); err != nil {
			// A failed COMMIT leaves the transaction open.
			if rerr := l.exec("ROLLBACK"); rerr != nil {
				return Outcome{Kind: "error", Err: err.Error() + "; ROLLBACK: " + rerr.Error()}
			}
			o := l.classify("", err)
			o.Dangling = dangling
			return o
		}
		return Outcome{Kind: KOK}
	}
	name := l.s.Tables[op.Table]
	if op.Kind == OpDelete {
		// memrel refuses a delete naming a missing key; SQLite would
		// delete the others.
		var missing []string
		for _, k := range op.Keys {
			var n int
			if err := l.conn.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM %s WHERE id = ?", name), k).Scan(&n); err != nil {
				return Outcome{Kind: "error", Err: err.Error()}
			}
			if n == 0 {
				missing = append(missing, rowRef(name, k))
			}
		}
		if len(missing) > 0 {
			o := Outcome{Kind: KNotFound, Keys: missing}
			o.norm()
			return o
		}
	}
	if !l.inTx {
		if err := l.exec("BEGIN"); err != nil {
			return Outcome{Kind: "error", Err: err.Error()}
		}
		l.inTx = true
	}
	var err error
	switch op.Kind {
	case OpInsert:
		_, err = l.conn.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", name, insertCols, placeholders), rowArgs(&op.Row)...)
	case OpUpdate:
		args := rowArgs(&op.Row)
		args = append(args[1:], op.Row.ID)
		var res sql.Result
		res, err = l.conn.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET %s WHERE id = ?", name, updateSet), args...)
		if err == nil {
			if n, _ := res.RowsAffected(); n == 0 {
				return Outcome{Kind: KNotFound, Keys: []string{rowRef(name, op.Row.ID)}}
			}
		}
	case OpDelete:
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(op.Keys)), ", ")
		args := make([]any, len(op.Keys))
		for i, k := range op.Keys {
			args[i] = k
		}
		_, err = l.conn.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE id IN (%s)", name, ph), args...)
	}
	if err != nil {
		return l.classify(name, err)
	}
	return Outcome{Kind: KOK}
}

// Abandon rolls the open transaction back, if any.
func (l *Lite) Abandon() error {
	if !l.inTx {
		return nil
	}
	l.inTx = false
	return l.exec("ROLLBACK")
}

func (l *Lite) classify(table string, err error) Outcome {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return Outcome{Kind: "error", Err: err.Error()}
	}
	msg := err.Error()
	switch se.ExtendedCode {
	case sqlite3.ErrConstraintCheck:
		return Outcome{Kind: KCheck, Names: []string{strings.TrimPrefix(msg, "CHECK constraint failed: ")}, Err: msg}
	case sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey:
		// "UNIQUE constraint failed: t3.a, t3.b"
		list := strings.Split(strings.TrimPrefix(msg, "UNIQUE constraint failed: "), ", ")
		tbl := ""
		var cols []Col
		for _, tc := range list {
			tn, cn, _ := strings.Cut(tc, ".")
			tbl = tn
			for _, c := range allCols {
				if c.String() == cn {
					cols = append(cols, c)
				}
			}
		}
		name, ok := l.uniqueByCols[tbl+"|"+colsKey(cols)]
		if !ok {
			name = "?" + msg
		}
		return Outcome{Kind: KUnique, Names: []string{name}, Err: msg}
	case sqlite3.ErrConstraintForeignKey:
		return Outcome{Kind: KFK, Err: msg} // SQLite does not name the key
	}
	return Outcome{Kind: "error", Err: msg}
}

// State reads every table.
func (l *Lite) State() (State, error) {
	ctx := context.Background()
	st := make(State, len(l.s.Tables))
	for t, name := range l.s.Tables {
		rows, err := l.conn.QueryContext(ctx, fmt.Sprintf("SELECT %s FROM %s ORDER BY id", insertCols, name))
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			vals := make([]sql.NullInt64, len(allCols))
			ptrs := make([]any, len(vals))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, err
			}
			var r Row
			for i, c := range allCols {
				if c.Kind == 'i' {
					r.ID = vals[i].Int64
					continue
				}
				c.Set(&r, vals[i].Int64, vals[i].Valid)
			}
			st[t] = append(st[t], r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// Load replaces the content of every table with st (foreign keys off
// meanwhile), to resynchronise after a legitimate difference.
func (l *Lite) Load(st State) error {
	if err := l.Abandon(); err != nil {
		return err
	}
	if err := l.exec("PRAGMA foreign_keys = OFF"); err != nil {
		return err
	}
	for t, name := range l.s.Tables {
		if err := l.exec("DELETE FROM " + name); err != nil {
			return err
		}
		for _, r := range st[t] {
			if err := l.exec(fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", name, insertCols, placeholders), rowArgs(&r)...); err != nil {
				return err
			}
		}
	}
	if err := l.exec("PRAGMA foreign_keys = ON"); err != nil {
		return err
	}
	var on int
	if err := l.conn.QueryRowContext(context.Background(), "PRAGMA foreign_keys").Scan(&on); err != nil || on != 1 {
		return fmt.Errorf("foreign keys are not on again (%d, %v)", on, err)
	}
	return nil
}
