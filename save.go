package memrel

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"reflect"

	"github.com/memrel-go/memrel/store"
)

// saveVersion is the first byte of a saved DB: the version of its format.
//
// Version 1, after that byte, is a sequence of records, each a kind byte,
// a length (unsigned varint) and that many bytes:
//
//	't' a table: JSON {"name": "users", "sequence": 7}; its rows follow
//	'r' a row of the last table: the key's JSON (length-prefixed with an
//	    unsigned varint), then the row's JSON (as encoding/json writes it)
//	'e' the end: JSON {"rows": n}, the number of rows saved
const saveVersion = 1

// Save writes every row and every sequence that tx sees to w, tables
// parents first and rows in key order (the same state gives the same
// bytes), in a format versioned by its first byte. Restore reads it back.
// A row is written as encoding/json encodes it (a field that it leaves out
// is not saved), its key apart.
//
// Possible errors: the writer's, and encoding/json's for a row it cannot
// encode.
func Save(tx *Tx, w io.Writer) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	if err := bw.WriteByte(saveVersion); err != nil {
		return err
	}
	var lenBuf [binary.MaxVarintLen64]byte
	record := func(kind byte, parts ...[]byte) error {
		n := 0
		for i, p := range parts {
			n += len(p)
			if i+1 < len(parts) {
				n += binary.PutUvarint(lenBuf[:], uint64(len(p)))
			}
		}
		bw.WriteByte(kind)
		bw.Write(lenBuf[:binary.PutUvarint(lenBuf[:], uint64(n))])
		for i, p := range parts {
			if i+1 < len(parts) {
				bw.Write(lenBuf[:binary.PutUvarint(lenBuf[:], uint64(len(p)))])
			}
			if _, err := bw.Write(p); err != nil {
				return err
			}
		}
		return nil
	}
	total := 0
	for _, t := range parentsFirst(tx.DB()) {
		head, _ := json.Marshal(savedTable{Name: t.Name(), Sequence: eng.Sequence(tx, t)})
		if err := record('t', head); err != nil {
			return err
		}
		it := eng.ScanFrom(tx, t, "", nil, false)
		for obj := it.Next(); obj != nil; obj = it.Next() {
			key, err := json.Marshal(eng.KeyOf(t, obj))
			if err != nil {
				return fmt.Errorf("memrel: save: %s: %w", t.Name(), err)
			}
			row, err := json.Marshal(obj)
			if err != nil {
				return fmt.Errorf("memrel: save: %s %s: %w", t.Name(), key, err)
			}
			if err := record('r', key, row); err != nil {
				return err
			}
			total++
		}
	}
	end, _ := json.Marshal(savedEnd{Rows: total})
	if err := record('e', end); err != nil {
		return err
	}
	return bw.Flush()
}

type savedTable struct {
	Name     string `json:"name"`
	Sequence int64  `json:"sequence"`
}

type savedEnd struct {
	Rows int `json:"rows"`
}

// Restore reads a DB that Save wrote into db, which must be empty and
// opened with the same schema (a table the save holds and db does not is
// an error; a table of db that the save does not hold stays empty). It
// writes the rows as they are, sequences included, in one write
// transaction, and commits it only if Check (store.Tx.Check) then passes:
// every key found, every index whole, every foreign key, unique and check
// constraint satisfied. Otherwise, or if the input is not a complete save,
// nothing is written.
//
// Possible errors: ErrFormat (a version this memrel cannot read, a
// truncated or malformed save, a key twice), ErrExists (db is not empty),
// ErrUnknownTable (as *TableError), ErrIntegrity (Check's), the reader's.
func Restore(db *DB, r io.Reader) error {
	br := bufio.NewReaderSize(r, 256<<10)
	return db.Update(func(tx *Tx) error {
		tables := map[string]*store.TableInfo{}
		for _, t := range db.Tables() {
			tables[t.Name()] = t
			if eng.ScanFrom(tx, t, "", nil, false).Next() != nil {
				return fmt.Errorf("memrel: restore: table %s is not empty: %w", t.Name(), ErrExists)
			}
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("memrel: restore: %s: %w", fmt.Sprintf(format, args...), ErrFormat)
		}
		v, err := br.ReadByte()
		if err != nil {
			return bad("no version byte: %v", err)
		}
		if v != saveVersion {
			return bad("format version %d, this memrel reads version %d", v, saveVersion)
		}
		var (
			t    *store.TableInfo
			seq  int64
			rows int
			buf  []byte
			prev []byte // the last key of the table, encoded
		)
		endTable := func() error {
			if t != nil {
				return eng.SetSequence(tx, t, seq)
			}
			return nil
		}
		for {
			kind, err := br.ReadByte()
			if err != nil {
				return bad("truncated after %d rows", rows)
			}
			n, err := binary.ReadUvarint(br)
			if err != nil || n > 1<<32 {
				return bad("bad record length after %d rows", rows)
			}
			if uint64(cap(buf)) < n {
				buf = make([]byte, n)
			}
			buf = buf[:n]
			if _, err := io.ReadFull(br, buf); err != nil {
				return bad("truncated after %d rows", rows)
			}
			switch kind {
			case 't':
				if err := endTable(); err != nil {
					return err
				}
				var h savedTable
				if err := json.Unmarshal(buf, &h); err != nil {
					return bad("table header: %v", err)
				}
				if t = tables[h.Name]; t == nil {
					return &TableError{Table: h.Name, Err: ErrUnknownTable}
				}
				seq = h.Sequence
				prev = prev[:0]
			case 'r':
				if t == nil {
					return bad("a row before any table")
				}
				kl, w := binary.Uvarint(buf)
				if w <= 0 || uint64(len(buf)-w) < kl {
					return bad("%s: bad key length", t.Name())
				}
				key, row := buf[w:w+int(kl)], buf[w+int(kl):]
				obj := reflect.New(t.RowType()).Interface()
				if err := json.Unmarshal(row, obj); err != nil {
					return bad("%s %s: %v", t.Name(), key, err)
				}
				if err := json.Unmarshal(key, eng.KeyPtr(t, obj)); err != nil {
					return bad("%s %s: key: %v", t.Name(), key, err)
				}
				// Keys come in ascending order (a key twice is a
				// malformed save), which needs no lookup: a read of a
				// tree this transaction wrote costs go-memdb its write
				// cache.
				next := eng.KeyBytes(t, prev[len(prev):], obj)
				if len(prev) > 0 && bytes.Compare(prev, next) >= 0 {
					return bad("%s %s: keys out of order or saved twice", t.Name(), key)
				}
				prev = append(prev[:0], next...)
				if err := eng.WriteUnchecked(tx, t, nil, obj); err != nil {
					return err
				}
				rows++
			case 'e':
				if err := endTable(); err != nil {
					return err
				}
				var e savedEnd
				if err := json.Unmarshal(buf, &e); err != nil {
					return bad("end: %v", err)
				}
				if e.Rows != rows {
					return bad("%d rows read, the save says %d", rows, e.Rows)
				}
				if _, err := br.ReadByte(); err != io.EOF {
					return bad("data after the end")
				}
				if err := tx.Check(); err != nil {
					return fmt.Errorf("memrel: restore: the saved state breaks the schema's rules: %w", err)
				}
				return nil
			default:
				return bad("unknown record kind %q", kind)
			}
		}
	})
}
