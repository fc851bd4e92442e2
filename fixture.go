package memrel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"github.com/memrel-go/memrel/store"
)

// FixtureFormat is the shape of a fixture file.
type FixtureFormat uint8

const (
	// FixtureJSON is Django's dumpdata shape: a JSON array of entries
	// {"model": "posts", "pk": 1, "fields": {...}}.
	FixtureJSON FixtureFormat = iota
	// FixtureJSONLines is the same entries, one per line, with no array.
	FixtureJSONLines
)

func (f FixtureFormat) String() string {
	switch f {
	case FixtureJSON:
		return "FixtureJSON"
	case FixtureJSONLines:
		return "FixtureJSONLines"
	}
	return fmt.Sprintf("FixtureFormat(%d)", uint8(f))
}

var _ fmt.Stringer = FixtureJSON

// FixtureError reports an entry of a fixture that could not be loaded:
// its file, its place, its model and key, and why (Err, which wraps the
// sentinel error: ErrFormat for a malformed entry, ErrUnknownTable, or
// the error of the refused insert, such as a *ForeignKeyError or a
// *UniqueError).
type FixtureError struct {
	File  string // the name the fixture was loaded under
	Entry int    // the entry's index in the file, from 0 (-1: the file as a whole)
	Line  int    // the line the entry starts on, from 1 (0 if unknown)
	Model string // the entry's model (table), if it was read
	PK    string // the entry's pk as written in the file, if it was read
	Err   error
}

func (e *FixtureError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "memrel: fixture %s", e.File)
	if e.Entry >= 0 {
		fmt.Fprintf(&b, ": entry %d", e.Entry)
		if e.Line > 0 {
			fmt.Fprintf(&b, " (line %d)", e.Line)
		}
	}
	if e.Model != "" {
		fmt.Fprintf(&b, ", %s", e.Model)
		if e.PK != "" {
			fmt.Fprintf(&b, " pk %s", e.PK)
		}
	}
	fmt.Fprintf(&b, ": %s", strings.TrimPrefix(e.Err.Error(), "memrel: "))
	return b.String()
}

func (e *FixtureError) Unwrap() error { return e.Err }

// LoadFixtures loads fixture files into db in one write transaction whose
// foreign-key checks are deferred (see store.Tx.DeferForeignKeys): entries
// may come in any order, within a file and across files, so cycles load
// (an account and its profile pointing at each other, a tree listed
// children first). Each file is in either format, told by its first
// character ('[': FixtureJSON, '{': FixtureJSONLines). If anything is
// refused, nothing is loaded and the error (a *FixtureError, or several
// joined) names the file, the entry and the rule; a dangling key, found
// once every file is in, is reported for each entry that holds one.
//
// Possible errors: those of LoadFixture, and os.ReadFile's.
func LoadFixtures(db *DB, paths ...string) error {
	var loaded []map[fixtureRow]entryPos
	err := db.Update(func(tx *Tx) error {
		if err := tx.DeferForeignKeys(); err != nil {
			return err
		}
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				return fmt.Errorf("memrel: fixture %s: %w", p, err)
			}
			pos, err := loadFixture(tx, p, data)
			if err != nil {
				return err
			}
			loaded = append(loaded, pos)
		}
		return nil
	})
	if err == nil || !errors.Is(err, ErrForeignKey) {
		return err
	}
	// Commit's dangling keys: name the entries that hold them.
	var errs []error
	for _, e := range unjoin(err) {
		var fe *ForeignKeyError
		if errors.As(e, &fe) {
			for i, pos := range loaded {
				if at, ok := pos[fixtureRow{fe.Row.Table, fmt.Sprint(fe.Row.Key)}]; ok {
					e = &FixtureError{File: paths[i], Entry: at.entry, Line: at.line, Model: fe.Row.Table, PK: at.pk, Err: fe}
				}
			}
		}
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

// LoadFixture loads one fixture, read from r, into the write transaction
// tx, named name in errors. It defers tx's foreign-key checks to its
// Commit (see store.Tx.DeferForeignKeys), so that entries may come in any
// order; a dangling key is reported by Commit as a *ForeignKeyError (use
// LoadFixtures for errors that name the entry). Each entry is inserted
// with every other check of Insert, the table's defaults aside: a row is
// stored as the fixture gives it. The entry's "fields" are decoded as
// encoding/json decodes the row type (tags respected; an unknown field is
// an error), and "pk" sets the primary key (a missing or null pk takes the
// next key of the table's sequence). A refused entry leaves tx as it was
// before LoadFixture (its deferral aside) and returns a *FixtureError.
//
// Possible errors: ErrTxClosed, ErrReadOnly; as *FixtureError: ErrFormat,
// ErrUnknownTable, and those of Insert but ErrForeignKey.
func LoadFixture(tx *Tx, name string, r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("memrel: fixture %s: %w", name, err)
	}
	if err := tx.DeferForeignKeys(); err != nil {
		return err
	}
	_, err = loadFixture(tx, name, data)
	return err
}

// fixtureRow names a row loaded from a fixture; entryPos is where its
// entry is.
type (
	fixtureRow struct{ table, key string }
	entryPos   struct {
		entry, line int
		pk          string
	}
)

type fixtureEntry struct {
	Model  string          `json:"model"`
	PK     json.RawMessage `json:"pk"`
	Fields json.RawMessage `json:"fields"`
}

// loadFixture loads data, all or nothing, and returns where each row it
// loaded came from.
func loadFixture(tx *Tx, name string, data []byte) (map[fixtureRow]entryPos, error) {
	tables := map[string]*store.TableInfo{}
	for _, t := range tx.DB().Tables() {
		tables[t.Name()] = t
	}
	pos := map[fixtureRow]entryPos{}
	err := tx.Atomic(func(tx *Tx) error {
		return eachEntry(name, data, func(entry, line int, raw []byte) error {
			fail := func(model, pk string, err error) error {
				return &FixtureError{File: name, Entry: entry, Line: line, Model: model, PK: pk, Err: err}
			}
			var e fixtureEntry
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&e); err != nil {
				return fail("", "", fmt.Errorf("%w: %v", ErrFormat, err))
			}
			pk := string(e.PK)
			t, ok := tables[e.Model]
			if !ok {
				return fail(e.Model, pk, &TableError{Table: e.Model, Err: ErrUnknownTable})
			}
			obj := reflect.New(t.RowType()).Interface()
			if len(e.Fields) > 0 {
				dec := json.NewDecoder(bytes.NewReader(e.Fields))
				dec.DisallowUnknownFields()
				if err := dec.Decode(obj); err != nil {
					return fail(e.Model, pk, fmt.Errorf("%w: fields: %v", ErrFormat, err))
				}
			}
			if len(e.PK) > 0 && string(e.PK) != "null" {
				if err := json.Unmarshal(e.PK, eng.KeyPtr(t, obj)); err != nil {
					return fail(e.Model, pk, fmt.Errorf("%w: pk: %v", ErrFormat, err))
				}
			}
			stored, err := eng.InsertRaw(tx, t, obj)
			if err != nil {
				return fail(e.Model, pk, err)
			}
			pos[fixtureRow{t.Name(), fmt.Sprint(eng.KeyOf(t, stored))}] = entryPos{entry, line, pk}
			return nil
		})
	})
	return pos, err
}

// eachEntry calls fn with each entry of a fixture, its index and the line
// it starts on.
func eachEntry(name string, data []byte, fn func(entry, line int, raw []byte) error) error {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	bad := func(line int, err error) error {
		return &FixtureError{File: name, Entry: -1, Line: line, Err: fmt.Errorf("%w: %v", ErrFormat, err)}
	}
	lineAt := func(off int) int { return 1 + bytes.Count(data[:off], []byte("\n")) }
	switch {
	case len(trimmed) == 0:
		return nil
	case trimmed[0] == '{': // JSON Lines
		entry := 0
		for i, l := range bytes.Split(data, []byte("\n")) {
			if len(bytes.TrimSpace(l)) == 0 {
				continue
			}
			if err := fn(entry, i+1, l); err != nil {
				return err
			}
			entry++
		}
		return nil
	case trimmed[0] == '[':
		dec := json.NewDecoder(bytes.NewReader(data))
		if _, err := dec.Token(); err != nil {
			return bad(0, err)
		}
		for entry := 0; dec.More(); entry++ {
			off := int(dec.InputOffset())
			for off < len(data) && strings.IndexByte(" \t\r\n,", data[off]) >= 0 {
				off++
			}
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return &FixtureError{File: name, Entry: entry, Line: lineAt(off), Err: fmt.Errorf("%w: %v", ErrFormat, err)}
			}
			if err := fn(entry, lineAt(off), raw); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return bad(lineAt(int(dec.InputOffset())), err)
		}
		if dec.More() {
			return bad(lineAt(int(dec.InputOffset())), errors.New("data after the array"))
		}
		return nil
	}
	return bad(1, errors.New("a fixture is a JSON array of entries or JSON Lines of entries"))
}

// DumpFixture writes every row that tx sees as a fixture in format:
// tables parents first (a table after those it references; cycles and
// ties in schema order), rows in key order, one entry per line, fields in
// the order of the row type's JSON encoding (the primary key goes to "pk"
// and is left out of "fields"), so that the same state always gives the
// same bytes and fixture files diff cleanly. A fixture holds rows, not
// sequences: loading it moves each sequence past the keys it holds.
//
// A row is written as encoding/json encodes it: a field it leaves out
// (unexported, or tagged "-") is not in the fixture.
//
// Possible errors: the writer's, and encoding/json's for a row it cannot
// encode.
func DumpFixture(tx *Tx, w io.Writer, format FixtureFormat) error {
	if format != FixtureJSON && format != FixtureJSONLines {
		return fmt.Errorf("memrel: dump: unknown format %v", format)
	}
	var buf bytes.Buffer
	first := true
	if format == FixtureJSON {
		buf.WriteString("[")
	}
	for _, t := range parentsFirst(tx.DB()) {
		model, _ := json.Marshal(t.Name())
		keyName := keyJSONName(t)
		it := eng.ScanFrom(tx, t, "", nil, false)
		for obj := it.Next(); obj != nil; obj = it.Next() {
			pk, err := json.Marshal(eng.KeyOf(t, obj))
			if err != nil {
				return fmt.Errorf("memrel: dump: %s: %w", t.Name(), err)
			}
			fields, err := json.Marshal(obj)
			if err != nil {
				return fmt.Errorf("memrel: dump: %s %s: %w", t.Name(), pk, err)
			}
			if fields, err = dropMember(fields, keyName); err != nil {
				return fmt.Errorf("memrel: dump: %s %s: %w", t.Name(), pk, err)
			}
			switch {
			case format == FixtureJSONLines:
			case first:
				buf.WriteString("\n")
			default:
				buf.WriteString(",\n")
			}
			first = false
			fmt.Fprintf(&buf, `{"model":%s,"pk":%s,"fields":%s}`, model, pk, fields)
			if format == FixtureJSONLines {
				buf.WriteString("\n")
			}
			if buf.Len() > 64<<10 {
				if _, err := w.Write(buf.Bytes()); err != nil {
					return err
				}
				buf.Reset()
			}
		}
	}
	if format == FixtureJSON {
		if !first {
			buf.WriteString("\n")
		}
		buf.WriteString("]\n")
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// parentsFirst lists db's tables, a table after those it references.
func parentsFirst(db *DB) []*store.TableInfo {
	if h, ok := eng.HooksOf(db).(interface{ ParentsFirst() []*store.TableInfo }); ok {
		return h.ParentsFirst()
	}
	return db.Tables()
}

// keyJSONName is the name under which encoding/json writes t's primary
// key field, or "" if it does not write it.
func keyJSONName(t *store.TableInfo) string {
	typ := t.RowType()
	if typ.Kind() != reflect.Struct {
		return ""
	}
	row := reflect.New(typ)
	key := reflect.ValueOf(eng.KeyPtr(t, row.Interface())).Pointer()
	for _, f := range reflect.VisibleFields(typ) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		v, err := row.Elem().FieldByIndexErr(f.Index)
		if err != nil || v.Addr().Pointer() != key || v.Kind() == reflect.Struct {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			return ""
		case "":
			return f.Name
		}
		return name
	}
	return ""
}

// dropMember returns the JSON object obj without its member name, the
// other members in their order.
func dropMember(obj []byte, name string) ([]byte, error) {
	if name == "" || !bytes.HasPrefix(obj, []byte("{")) {
		return obj, nil
	}
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(obj))
	out = append(out, '{')
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		if key == name {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		kb, _ := json.Marshal(key)
		out = append(out, kb...)
		out = append(out, ':')
		out = append(out, raw...)
	}
	return append(out, '}'), nil
}

// unjoin lists the errors err joins, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
