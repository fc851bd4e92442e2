package memrel

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/memrel-go/memrel/store"
)

// This file is what replication is built on (package replicate, a module
// of its own): a write transaction run and checked without being committed
// (Propose), its change set as bytes (EncodeChanges), those bytes applied
// to another DB of the same schema (ApplyChanges), and the schema's
// fingerprint, which tells two schemas apart (SchemaFingerprint).

// changesVersion is the first byte of an encoded change set: the version
// of its format.
//
// Version 1, after that byte:
//
//	16 bytes  the schema fingerprint (the first half of SchemaFingerprint)
//	uvarint   the number of table sections, then each section:
//	  uvarint + bytes  the table's name
//	  byte             1 if a sequence follows, else 0
//	  varint           the table's sequence (its last key) after the write
//	  uvarint          the number of rows, then each row, in key order:
//	    byte             'i' insert, 'u' update (the whole new row), 'd' delete
//	    uvarint + bytes  the key's JSON
//	    uvarint + bytes  the row's JSON, as encoding/json writes it (not for 'd')
//	4 bytes   CRC-32C (Castagnoli) of everything before, big-endian
//
// Tables come in the schema's order. Rows are JSON, as in the save format
// and fixtures: one encoding of rows for the whole library, readable in a
// hex dump, that needs nothing of the row types but encoding/json. Its cost
// is measured in replicate's benchmarks (a few microseconds a row, small
// beside a raft commit).
const changesVersion = 1

const fingerprintLen = 16

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// EncodeChanges appends to dst the encoding of cs, the change set of a
// write transaction of db (or of a DB of the same schema), and returns the
// extended buffer. The encoding is versioned by its first byte, carries the
// schema's fingerprint and a checksum, and holds every row the transaction
// inserted, updated (the whole new row) or deleted (the key), and every
// sequence it moved: ApplyChanges reproduces the transaction's effect on
// another DB exactly. The same change set gives the same bytes.
//
// Possible errors: encoding/json's, for a row it cannot encode (a NaN, a
// channel field); the error names the table and the key.
func EncodeChanges(dst []byte, db *DB, cs *ChangeSet) ([]byte, error) {
	type section struct {
		t      *store.TableInfo
		rows   []byte
		n      int
		seq    int64
		hasSeq bool
	}
	var secs []*section
	byTable := map[*store.TableInfo]*section{}
	get := func(t *store.TableInfo) *section {
		s := byTable[t]
		if s == nil {
			s = &section{t: t}
			byTable[t] = s
			secs = append(secs, s)
		}
		return s
	}
	var err error
	eng.WalkChanges(cs, func(t *store.TableInfo, old, new any) {
		if err != nil {
			return
		}
		s := get(t)
		obj, op := new, byte('u')
		switch {
		case old == nil:
			op = 'i'
		case new == nil:
			obj, op = old, 'd'
		}
		key, kerr := json.Marshal(eng.KeyOf(t, obj))
		if kerr != nil {
			err = fmt.Errorf("memrel: encode changes: %s: key: %w", t.Name(), kerr)
			return
		}
		s.rows = append(s.rows, op)
		s.rows = appendBytes(s.rows, key)
		if op != 'd' {
			row, rerr := json.Marshal(obj)
			if rerr != nil {
				err = fmt.Errorf("memrel: encode changes: %s %s: %w", t.Name(), key, rerr)
				return
			}
			s.rows = appendBytes(s.rows, row)
		}
		s.n++
	}, func(t *store.TableInfo, last int64) {
		s := get(t)
		s.seq, s.hasSeq = last, true
	})
	if err != nil {
		return dst, err
	}
	// Sections in the schema's order (rows came first, sequences after).
	order := map[*store.TableInfo]int{}
	for i, t := range db.Tables() {
		order[t] = i
	}
	sortSections := func(a, b *section) int { return order[a.t] - order[b.t] }
	slices.SortStableFunc(secs, sortSections)

	start := len(dst)
	dst = append(dst, changesVersion)
	dst = append(dst, fingerprint(db)[:fingerprintLen]...)
	dst = binary.AppendUvarint(dst, uint64(len(secs)))
	for _, s := range secs {
		dst = appendBytes(dst, []byte(s.t.Name()))
		if s.hasSeq {
			dst = append(dst, 1)
			dst = binary.AppendVarint(dst, s.seq)
		} else {
			dst = append(dst, 0)
		}
		dst = binary.AppendUvarint(dst, uint64(s.n))
		dst = append(dst, s.rows...)
	}
	return binary.BigEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli)), nil
}

func appendBytes(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// ApplyChanges applies data, a change set that EncodeChanges encoded, to
// the write transaction tx exactly: each row is inserted, replaced or
// deleted as it is, and each sequence set, without the tables' hooks or
// defaults, nor on-delete rules (their effects are rows of the change set
// already). Then the state is verified as a whole for what the change set
// touched: every written row passes the check and unique constraints and
// names existing parents, and no row names a deleted one (the writes may
// come in any order: two rows may swap a unique value). If anything is
// wrong, nothing is applied (tx is as it was, and usable) and the error
// says what.
//
// The change set must have been computed against the state tx holds: an
// insert of a row that exists, or an update or delete of one that does
// not, is refused. tx's Commit makes the change visible as any write's:
// watches fire, the change feed records it, AfterCommit functions of tx
// run.
//
// Possible errors: ErrFormat (a checksum, version or encoding that does not
// match; a sequence the rows contradict), ErrSchema (data was encoded for
// another schema: the fingerprints differ), ErrExists or ErrNotFound (as
// *KeyError: the change set was computed against another state),
// ErrIntegrity (the resulting state breaks a constraint; errors.As finds
// the *ForeignKeyError, *UniqueError or *CheckError), ErrUnknownTable,
// ErrReadOnly, ErrTxClosed.
func ApplyChanges(tx *Tx, data []byte) error {
	if !tx.IsWrite() {
		return fmt.Errorf("memrel: apply changes: %w", ErrReadOnly)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("memrel: apply changes: %s: %w", fmt.Sprintf(format, args...), ErrFormat)
	}
	if len(data) < 1+fingerprintLen+4 {
		return bad("%d bytes, too short for a change set", len(data))
	}
	body, sum := data[:len(data)-4], binary.BigEndian.Uint32(data[len(data)-4:])
	if got := crc32.Checksum(body, castagnoli); got != sum {
		return bad("checksum %08x, the data's is %08x: corrupt or truncated", got, sum)
	}
	if body[0] != changesVersion {
		return bad("format version %d, this memrel reads version %d", body[0], changesVersion)
	}
	db := tx.DB()
	if want := fingerprint(db)[:fingerprintLen]; !bytes.Equal(body[1:1+fingerprintLen], want) {
		return fmt.Errorf("memrel: apply changes: encoded for another schema (fingerprint %x, this DB's %x): %w",
			body[1:1+fingerprintLen], want, ErrSchema)
	}
	sp := eng.Savepoint(tx)
	done := false
	defer func() {
		if !done {
			eng.RollbackTo(tx, sp)
		}
	}()
	if err := applyBody(tx, db, body[1+fingerprintLen:], bad); err != nil {
		return err
	}
	done = true
	eng.Release(tx, sp)
	return nil
}

func applyBody(tx *Tx, db *DB, r []byte, bad func(string, ...any) error) error {
	tables := map[string]*store.TableInfo{}
	for _, t := range db.Tables() {
		tables[t.Name()] = t
	}
	uvarint := func(what string) (uint64, error) {
		n, w := binary.Uvarint(r)
		if w <= 0 {
			return 0, bad("bad %s", what)
		}
		r = r[w:]
		return n, nil
	}
	chunk := func(what string) ([]byte, error) {
		n, err := uvarint(what + " length")
		if err != nil {
			return nil, err
		}
		if n > uint64(len(r)) {
			return nil, bad("%s: %d bytes announced, %d left", what, n, len(r))
		}
		b := r[:n]
		r = r[n:]
		return b, nil
	}
	nsec, err := uvarint("section count")
	if err != nil {
		return err
	}
	type checked struct {
		t       *store.TableInfo
		written []any
		deleted [][]byte
		seq     int64
		hasSeq  bool
	}
	var toCheck []checked
	seen := map[*store.TableInfo]bool{}
	for range nsec {
		name, err := chunk("table name")
		if err != nil {
			return err
		}
		t := tables[string(name)]
		if t == nil {
			return &TableError{Table: string(name), Err: ErrUnknownTable}
		}
		if seen[t] {
			return bad("table %s twice", t.Name())
		}
		seen[t] = true
		if len(r) == 0 {
			return bad("%s: truncated", t.Name())
		}
		hasSeq := r[0]
		r = r[1:]
		var seq int64
		switch hasSeq {
		case 0:
		case 1:
			v, w := binary.Varint(r)
			if w <= 0 {
				return bad("%s: bad sequence", t.Name())
			}
			seq, r = v, r[w:]
		default:
			return bad("%s: bad sequence flag %d", t.Name(), hasSeq)
		}
		nrows, err := uvarint("row count")
		if err != nil {
			return err
		}
		c := checked{t: t}
		var prev []byte
		for range nrows {
			if len(r) == 0 {
				return bad("%s: truncated", t.Name())
			}
			op := r[0]
			r = r[1:]
			key, err := chunk(t.Name() + " key")
			if err != nil {
				return err
			}
			obj := reflect.New(t.RowType()).Interface()
			switch op {
			case 'i', 'u':
				row, err := chunk(t.Name() + " row")
				if err != nil {
					return err
				}
				if err := json.Unmarshal(row, obj); err != nil {
					return bad("%s %s: %v", t.Name(), key, err)
				}
			case 'd':
			default:
				return bad("%s %s: unknown operation %q", t.Name(), key, op)
			}
			if err := json.Unmarshal(key, eng.KeyPtr(t, obj)); err != nil {
				return bad("%s %s: key: %v", t.Name(), key, err)
			}
			kb := eng.KeyBytes(t, nil, obj)
			if prev != nil && bytes.Compare(prev, kb) >= 0 {
				return bad("%s %s: keys out of order or twice", t.Name(), key)
			}
			prev = kb
			stored := eng.Lookup(tx, t, kb)
			switch {
			case op == 'i' && stored != nil:
				return fmt.Errorf("memrel: apply changes: insert: %w", &KeyError{Table: t.Name(), Key: eng.KeyOf(t, obj), Err: ErrExists})
			case op != 'i' && stored == nil:
				return fmt.Errorf("memrel: apply changes: %s: %w", map[byte]string{'u': "update", 'd': "delete"}[op],
					&KeyError{Table: t.Name(), Key: eng.KeyOf(t, obj), Err: ErrNotFound})
			}
			if op == 'd' {
				if err := eng.WriteUnchecked(tx, t, stored, nil); err != nil {
					return err
				}
				c.deleted = append(c.deleted, kb)
				continue
			}
			if err := eng.WriteUnchecked(tx, t, stored, obj); err != nil {
				return err
			}
			c.written = append(c.written, obj)
		}
		if hasSeq == 1 {
			if err := eng.SetSequence(tx, t, seq); err != nil {
				return err
			}
			c.seq, c.hasSeq = seq, true
		}
		toCheck = append(toCheck, c)
	}
	if len(r) != 0 {
		return bad("%d bytes after the last section", len(r))
	}
	var errs []error
	if h, ok := eng.HooksOf(db).(interface {
		CheckChanged(tx *store.Tx, t *store.TableInfo, written []any, deleted [][]byte) []error
	}); ok {
		for _, c := range toCheck {
			errs = append(errs, h.CheckChanged(tx, c.t, c.written, c.deleted)...)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("memrel: apply changes: the result breaks the schema's rules: %w", errors.Join(errs...))
	}
	// A sequence only moves forward: one already beyond the change set's
	// (or taken beyond it by its rows) is another state.
	for _, c := range toCheck {
		if got := eng.Sequence(tx, c.t); c.hasSeq && got != c.seq {
			return bad("%s: sequence %d here, %d in the change set: it was computed against another state", c.t.Name(), got, c.seq)
		}
	}
	return nil
}

// SchemaFingerprint returns a digest (hex SHA-256) of db's schema as it
// matters to rows that travel between DBs: every table's name, key type
// and row type (each exported field's name, JSON tag and type, nested
// types included), and the relations and constraints between them (as
// Mermaid draws them: on-delete rules, unique and check constraints by
// name). Two DBs opened from the same declarations have the same
// fingerprint; a renamed field, a changed type, a relation more or less
// change it. Secondary indexes do not count: they change no row.
// EncodeChanges writes the fingerprint into every change set and
// ApplyChanges refuses one of another schema.
func SchemaFingerprint(db *DB) string { return hex.EncodeToString(fingerprint(db)) }

// fingerprints caches the fingerprint of each schema, by the relations
// layer's runtime (which a DB's snapshots share).
var fingerprints sync.Map

func fingerprint(db *DB) []byte {
	key := any(db)
	if h := eng.HooksOf(db); h != nil {
		key = h
	}
	if fp, ok := fingerprints.Load(key); ok {
		return fp.([]byte)
	}
	var b strings.Builder
	b.WriteString("memrel schema fingerprint 1\n")
	for _, t := range db.Tables() {
		obj := reflect.New(t.RowType()).Interface()
		fmt.Fprintf(&b, "table %s key %s row ", t.Name(), reflect.TypeOf(eng.KeyOf(t, obj)))
		describeType(&b, t.RowType(), map[reflect.Type]bool{})
		b.WriteByte('\n')
	}
	_ = Mermaid(&b, db) // an error (a DB without relations) leaves the tables only
	sum := sha256.Sum256([]byte(b.String()))
	fp := sum[:]
	if key != any(db) {
		fingerprints.Store(key, fp)
	}
	return fp
}

// describeType writes what of typ decides its JSON: its name, and for a
// struct every exported field's name, tag and type.
func describeType(b *strings.Builder, typ reflect.Type, seen map[reflect.Type]bool) {
	b.WriteString(typ.String())
	switch typ.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		b.WriteByte('<')
		describeType(b, typ.Elem(), seen)
		b.WriteByte('>')
	case reflect.Map:
		b.WriteByte('<')
		describeType(b, typ.Key(), seen)
		b.WriteByte(',')
		describeType(b, typ.Elem(), seen)
		b.WriteByte('>')
	case reflect.Struct:
		if seen[typ] {
			return
		}
		seen[typ] = true
		b.WriteByte('{')
		for i := range typ.NumField() {
			f := typ.Field(i)
			if !f.IsExported() && !f.Anonymous {
				continue
			}
			fmt.Fprintf(b, "%s %q ", f.Name, f.Tag.Get("json"))
			describeType(b, f.Type, seen)
			b.WriteByte(';')
		}
		b.WriteByte('}')
	}
}

// Proposal is the effect of a write transaction that was run and checked
// but not committed (see Propose): what a replicated write ships.
type Proposal struct {
	db  *DB
	tx  *Tx // closed
	cs  *ChangeSet
	rev uint64
}

// errProposed ends the transaction Propose runs, so that Update discards it.
var errProposed = errors.New("memrel: proposed")

// Propose runs fn in a write transaction of db as UpdateContext does, and
// every check Commit would run (foreign keys deferred to Commit, DoNothing
// relations), then discards the transaction and returns its effect: its
// change set, and the revision of the state it was computed against.
// Nothing is written to db. A refused write returns fn's or the check's
// error and no Proposal.
//
// It is the leader's half of a replicated write: the change set is encoded
// (Proposal.Encode), agreed on, and applied with ApplyChanges, on every
// node including this one, to the state at Proposal.Revision.
//
// Possible errors: fn's, Commit's checks', ctx's (while waiting for the
// writer), ErrTxClosed (fn aborted the transaction).
func Propose(ctx context.Context, db *DB, fn func(tx *Tx) error) (*Proposal, error) {
	var p *Proposal
	err := db.UpdateContext(ctx, func(tx *Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if err := eng.Prepare(tx); err != nil {
			return err
		}
		p = &Proposal{db: db, tx: tx, cs: tx.Changes(), rev: tx.Revision()}
		return errProposed
	})
	if err != errProposed {
		return nil, err
	}
	return p, nil
}

// Changes returns the proposal's change set.
func (p *Proposal) Changes() *ChangeSet { return p.cs }

// Revision returns the revision (store.Tx.Revision) of the state the
// proposal was computed against: ApplyChanges reproduces its effect only
// on that state.
func (p *Proposal) Revision() uint64 { return p.rev }

// Encode appends the encoding of the proposal's change set to dst (see
// EncodeChanges).
func (p *Proposal) Encode(dst []byte) ([]byte, error) { return EncodeChanges(dst, p.db, p.cs) }

// AfterCommit runs the functions fn added with store.Tx.AfterCommit, with
// the proposal's change set, as Commit would have; the caller calls it once
// the change set is applied. A panic in one goes on once all have run.
func (p *Proposal) AfterCommit() { eng.RunAfter(p.tx, p.cs) }
