package memrel_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/memrel-go/memrel"
)

// saveBytes is db's state in the save format: two DBs with the same bytes
// hold the same rows and sequences.
func saveBytes(t *testing.T, db *memrel.DB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := db.View(func(tx *memrel.Tx) error { return memrel.Save(tx, &b) }); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// encodeWrite proposes fn on db and returns the encoded change set.
func encodeWrite(t *testing.T, db *memrel.DB, fn func(tx *memrel.Tx) error) []byte {
	t.Helper()
	p, err := memrel.Propose(context.Background(), db, fn)
	if err != nil {
		t.Fatal(err)
	}
	data, err := p.Encode(nil)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func apply(db *memrel.DB, data []byte) error {
	return db.Update(func(tx *memrel.Tx) error { return memrel.ApplyChanges(tx, data) })
}

// shopWrite is a write that exercises every kind of change: inserts with
// keys from the sequence, an update, a cascade and a SetNull, and a row
// inserted then deleted (only its sequence moves).
func shopWrite(tx *memrel.Tx) error {
	dan, err := Users.Insert(tx, User{Username: "dan"})
	if err != nil {
		return err
	}
	if _, err := Posts.Insert(tx, Post{AuthorID: dan.ID, Title: "by dan"}); err != nil {
		return err
	}
	if _, err := Comments.Insert(tx, Comment{PostID: 1, AuthorID: memrel.Some[int64](2), Body: "bob on ann"}); err != nil {
		return err
	}
	if _, err := Users.Modify(tx, 1, func(u *User) error { u.Username = "ann2"; return nil }); err != nil {
		return err
	}
	if _, err := Users.Delete(tx, 2); err != nil { // cascades to bob's post, empties his comment's author
		return err
	}
	p, err := Products.Insert(tx, Product{Name: "tmp", SKU: "tmp"})
	if err != nil {
		return err
	}
	_, err = Products.Delete(tx, p.ID)
	return err
}

func TestApplyChangesReproducesTheWrite(t *testing.T) {
	leader, _ := savedShop(t)
	follower := leader.Snapshot()
	data := encodeWrite(t, leader, shopWrite)
	if !bytes.Equal(saveBytes(t, leader), saveBytes(t, follower)) {
		t.Fatal("Propose wrote to the DB")
	}
	if err := leader.Update(shopWrite); err != nil {
		t.Fatal(err)
	}
	if err := apply(follower, data); err != nil {
		t.Fatal(err)
	}
	if a, b := dumpDB(leader), dumpDB(follower); a != b {
		t.Errorf("the applied change set differs from the write (sequences included):\n%s", diffLines(a, b))
	}
	if err := follower.Check(); err != nil {
		t.Error(err)
	}
	// The same change set gives the same bytes.
	if again := encodeWrite(t, follower.Snapshot(), func(tx *memrel.Tx) error { return nil }); again[0] != 1 {
		t.Errorf("version byte %d, want 1", again[0])
	}
}

func TestChangeSetSequences(t *testing.T) {
	db := openShop()
	p, err := memrel.Propose(context.Background(), db, func(tx *memrel.Tx) error {
		u, err := Users.Insert(tx, User{Username: "gone"})
		if err != nil {
			return err
		}
		_, err = Users.Delete(tx, u.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.Changes().Len() != 0 {
		t.Errorf("%d rows changed, want none", p.Changes().Len())
	}
	if got := p.Changes().Sequences(); len(got) != 1 || got["users"] != 1 {
		t.Errorf("Sequences() = %v, want map[users:1]", got)
	}
	// A sequence moved inside a block that rolled back did not move.
	undone, err := memrel.Propose(context.Background(), db, func(tx *memrel.Tx) error {
		_ = tx.Atomic(func(tx *memrel.Tx) error {
			if _, err := Users.Insert(tx, User{Username: "undone"}); err != nil {
				return err
			}
			return errors.New("roll back")
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := undone.Changes().Sequences(); len(got) != 0 {
		t.Errorf("Sequences() after a rolled-back block = %v, want none", got)
	}
	data, err := p.Encode(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := apply(db, data); err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *memrel.Tx) error {
		u, err := Users.Insert(tx, User{Username: "next"})
		if err == nil && u.ID != 2 {
			t.Errorf("key %d after the applied sequence, want 2", u.ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A change set is judged on its final state: two rows that swap a unique
// value apply in any order.
func TestApplyChangesUniqueSwap(t *testing.T) {
	db := openShop()
	if err := db.Update(func(tx *memrel.Tx) error {
		for _, n := range []string{"a", "b"} {
			if _, err := Users.Insert(tx, User{Username: n}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	follower := db.Snapshot()
	data := encodeWrite(t, db, func(tx *memrel.Tx) error {
		for _, s := range []struct {
			id   int64
			name string
		}{{1, "tmp"}, {2, "a"}, {1, "b"}} {
			if _, err := Users.Update(tx, User{ID: s.id, Username: s.name}); err != nil {
				return err
			}
		}
		return nil
	})
	if err := apply(follower, data); err != nil {
		t.Fatal(err)
	}
	if u, _ := getUser(follower, 1); u.Username != "b" {
		t.Errorf("user 1 is %q, want b", u.Username)
	}
}

func getUser(db *memrel.DB, id int64) (u User, ok bool) {
	_ = db.View(func(tx *memrel.Tx) error { u, ok = Users.Get(tx, id); return nil })
	return u, ok
}

// refused checks that applying data to db fails with target and leaves db
// as it was, its writer free.
func refused(t *testing.T, db *memrel.DB, data []byte, target error) error {
	t.Helper()
	before := saveBytes(t, db)
	var applyErr error
	err := db.Update(func(tx *memrel.Tx) error {
		applyErr = memrel.ApplyChanges(tx, data)
		if !bytes.Contains([]byte(tx.Dump()), []byte("table")) {
			t.Error("the transaction is unusable after a refused apply")
		}
		return nil // commit what is left: nothing
	})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(applyErr, target) {
		t.Errorf("ApplyChanges: %v, want %v", applyErr, target)
	}
	if !bytes.Equal(before, saveBytes(t, db)) {
		t.Error("a refused change set changed the DB")
	}
	return applyErr
}

func TestApplyChangesRefusesCorruptData(t *testing.T) {
	leader, _ := savedShop(t)
	data := encodeWrite(t, leader, shopWrite)
	follower := leader.Snapshot()

	flipped := bytes.Clone(data)
	flipped[len(flipped)/2] ^= 0x40
	refused(t, follower, flipped, memrel.ErrFormat)
	refused(t, follower, data[:len(data)-1], memrel.ErrFormat)
	refused(t, follower, data[:10], memrel.ErrFormat)
	refused(t, follower, nil, memrel.ErrFormat)

	// A body that the checksum vouches for, but malformed: a version this
	// memrel does not read, and a row count beyond the data.
	reseal := func(body []byte) []byte {
		return binary.BigEndian.AppendUint32(body, crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli)))
	}
	v2 := bytes.Clone(data[:len(data)-4])
	v2[0] = 2
	if err := refused(t, follower, reseal(v2), memrel.ErrFormat); err != nil && !bytes.Contains([]byte(err.Error()), []byte("version 2")) {
		t.Errorf("the error does not name the version: %v", err)
	}
	trunc := bytes.Clone(data[:len(data)-10])
	refused(t, follower, reseal(trunc), memrel.ErrFormat)

	// Every row was refused whole: the good data still applies.
	if err := apply(follower, data); err != nil {
		t.Fatal(err)
	}
}

func TestApplyChangesRefusesAnotherSchema(t *testing.T) {
	leader, _ := savedShop(t)
	data := encodeWrite(t, leader, shopWrite)
	other := chOpen(t).db
	err := refused(t, other, data, memrel.ErrSchema)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("fingerprint")) {
		t.Errorf("the error does not say why: %v", err)
	}
	if memrel.SchemaFingerprint(leader) == memrel.SchemaFingerprint(other) {
		t.Error("two schemas with one fingerprint")
	}
	if a, b := memrel.SchemaFingerprint(leader), memrel.SchemaFingerprint(openShop()); a != b {
		t.Errorf("one schema, two fingerprints: %s, %s", a, b)
	}
	if len(memrel.SchemaFingerprint(other)) != 64 {
		t.Error("the fingerprint is not hex SHA-256")
	}
}

// A change set computed against another state is refused: applied twice,
// or onto a state where its parents are missing or its unique values taken.
func TestApplyChangesRefusesAnotherState(t *testing.T) {
	leader, _ := savedShop(t)
	data := encodeWrite(t, leader, shopWrite)
	follower := leader.Snapshot()
	if err := apply(follower, data); err != nil {
		t.Fatal(err)
	}
	var ke *memrel.KeyError
	if err := refused(t, follower, data, memrel.ErrNotFound); !errors.As(err, &ke) || ke.Table != "users" {
		t.Errorf("applied twice: %v, want a KeyError on users (user 2, deleted, is not found)", err)
	}
	ins := encodeWrite(t, leader, func(tx *memrel.Tx) error { _, err := Users.Insert(tx, User{Username: "eve"}); return err })
	again := leader.Snapshot()
	if err := apply(again, ins); err != nil {
		t.Fatal(err)
	}
	refused(t, again, ins, memrel.ErrExists)

	// Deleting a row that is not there.
	del := encodeWrite(t, leader, func(tx *memrel.Tx) error { _, err := Posts.Delete(tx, 1); return err })
	empty := openShop()
	refused(t, empty, del, memrel.ErrNotFound)

	// A post whose author does not exist here.
	base := openShop()
	if err := base.Update(func(tx *memrel.Tx) error { _, err := Users.Insert(tx, User{Username: "ann"}); return err }); err != nil {
		t.Fatal(err)
	}
	post := encodeWrite(t, base, func(tx *memrel.Tx) error {
		_, err := Posts.Insert(tx, Post{AuthorID: 1, Title: "t"})
		return err
	})
	var fe *memrel.ForeignKeyError
	if err := refused(t, openShop(), post, memrel.ErrIntegrity); !errors.As(err, &fe) {
		t.Errorf("dangling author: %v, want a ForeignKeyError", err)
	}

	// A user whose name is taken here by another key.
	user := encodeWrite(t, openShop(), func(tx *memrel.Tx) error {
		_, err := Users.Insert(tx, User{Username: "ann"})
		return err
	})
	taken := openShop()
	if err := taken.Update(func(tx *memrel.Tx) error {
		_, err := Users.InsertWith(tx, User{ID: 7, Username: "ann"}, nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var ue *memrel.UniqueError
	if err := refused(t, taken, user, memrel.ErrIntegrity); !errors.As(err, &ue) {
		t.Errorf("taken name: %v, want a UniqueError", err)
	}

	// Deleting a user whose post exists only here.
	delUser := encodeWrite(t, base, func(tx *memrel.Tx) error { _, err := Users.Delete(tx, 1); return err })
	withPost := base.Snapshot()
	if err := apply(withPost, post); err != nil {
		t.Fatal(err)
	}
	if err := refused(t, withPost, delUser, memrel.ErrIntegrity); !errors.As(err, &fe) || fe.Row.Table != "posts" {
		t.Errorf("orphaned post: %v, want a ForeignKeyError naming the post", err)
	}

	// A sequence already beyond the change set's.
	ahead := openShop()
	if err := ahead.Update(func(tx *memrel.Tx) error {
		for range 3 {
			u, err := Users.Insert(tx, User{Username: "x"})
			if err != nil {
				return err
			}
			if _, err := Users.Delete(tx, u.ID); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := refused(t, ahead, user, memrel.ErrFormat); err == nil || !strings.Contains(err.Error(), "another state") {
		t.Errorf("sequence ahead: %v", err)
	}

	if err := memrel.ApplyChanges(base.BeginRead(), data); !errors.Is(err, memrel.ErrReadOnly) {
		t.Errorf("read transaction: %v, want ErrReadOnly", err)
	}
}

func TestProposeRefusals(t *testing.T) {
	db, _ := savedShop(t)
	before := saveBytes(t, db)
	ctx := context.Background()
	// fn's error.
	if _, err := memrel.Propose(ctx, db, func(tx *memrel.Tx) error {
		_, err := Users.Insert(tx, User{Username: "ann"})
		return err
	}); !errors.Is(err, memrel.ErrUnique) {
		t.Errorf("taken name: %v, want ErrUnique", err)
	}
	// A check Commit runs: a deferred foreign key.
	if _, err := memrel.Propose(ctx, db, func(tx *memrel.Tx) error {
		if err := tx.DeferForeignKeys(); err != nil {
			return err
		}
		_, err := Posts.Insert(tx, Post{AuthorID: 99})
		return err
	}); !errors.Is(err, memrel.ErrForeignKey) {
		t.Errorf("deferred dangling key: %v, want ErrForeignKey", err)
	}
	// fn aborts or commits the transaction.
	if _, err := memrel.Propose(ctx, db, func(tx *memrel.Tx) error { tx.Abort(); return nil }); !errors.Is(err, memrel.ErrTxClosed) {
		t.Errorf("aborted inside fn: %v, want ErrTxClosed", err)
	}
	if _, err := memrel.Propose(ctx, db, func(tx *memrel.Tx) error { return tx.Commit() }); err == nil {
		t.Error("Commit inside fn: no error")
	}
	// A context that ended.
	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := memrel.Propose(done, db, func(tx *memrel.Tx) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
	if !bytes.Equal(before, saveBytes(t, db)) {
		t.Error("a refused proposal wrote to the DB")
	}
	// A row encoding/json cannot encode.
	if _, err := memrel.Propose(ctx, db, func(tx *memrel.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

func TestProposalAfterCommit(t *testing.T) {
	db := openShop()
	var got []string
	p, err := memrel.Propose(context.Background(), db, func(tx *memrel.Tx) error {
		if _, err := Users.Insert(tx, User{Username: "ann"}); err != nil {
			return err
		}
		return tx.AfterCommit(func(cs *memrel.ChangeSet) {
			for _, c := range Users.Changes(cs) {
				got = append(got, c.Kind.String()+" "+c.New.Username)
			}
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatal("AfterCommit ran before the proposal was applied")
	}
	if p.Revision() != 0 {
		t.Errorf("Revision() = %d, want 0", p.Revision())
	}
	p.AfterCommit()
	if len(got) != 1 || got[0] != "inserted ann" {
		t.Errorf("AfterCommit saw %v", got)
	}
}

type badRow struct {
	ID int64
	F  float64
}

func TestEncodeChangesNaN(t *testing.T) {
	bad := memrel.NewTable("bad", func(r *badRow) *int64 { return &r.ID })
	db, err := memrel.Open(memrel.Schema{Tables: []memrel.AnyTable{bad}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := memrel.Propose(context.Background(), db, func(tx *memrel.Tx) error {
		_, err := bad.Insert(tx, badRow{F: zero / zero})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Encode(nil); err == nil || !bytes.Contains([]byte(err.Error()), []byte("bad 1")) {
		t.Errorf("a NaN encoded: %v, want an error naming the row", err)
	}
}

var zero float64

// FuzzApplyChanges feeds ApplyChanges change sets whose body is arbitrary
// (the checksum recomputed, so that the parser is reached): it never
// panics, and either applies them to a state that passes Check or refuses
// them leaving the DB as it was.
func FuzzApplyChanges(f *testing.F) {
	base := openShop()
	if err := base.Update(func(tx *memrel.Tx) error {
		return usersWithPosts(tx, "ann", "bob", "cid")
	}); err != nil {
		f.Fatal(err)
	}
	for _, fn := range []func(tx *memrel.Tx) error{shopWrite,
		func(tx *memrel.Tx) error { _, err := Users.Delete(tx, 1); return err },
		func(tx *memrel.Tx) error {
			_, err := Products.Insert(tx, Product{Name: "p", SKU: "s", PriceCents: 1})
			return err
		},
	} {
		p, err := memrel.Propose(context.Background(), base, fn)
		if err != nil {
			f.Fatal(err)
		}
		data, err := p.Encode(nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:len(data)-4])
	}
	crc := crc32.MakeTable(crc32.Castagnoli)
	f.Fuzz(func(t *testing.T, body []byte) {
		data := binary.BigEndian.AppendUint32(bytes.Clone(body), crc32.Checksum(body, crc))
		db := base.Snapshot()
		before := saveBytes(t, db)
		var applyErr error
		if err := db.Update(func(tx *memrel.Tx) error {
			applyErr = memrel.ApplyChanges(tx, data)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if applyErr != nil {
			if !bytes.Equal(before, saveBytes(t, db)) {
				t.Fatalf("refused (%v), but the DB changed", applyErr)
			}
			return
		}
		if err := db.Check(); err != nil {
			t.Fatalf("applied, but: %v", err)
		}
	})
}

// changeSet builds an encoded change set by hand, as the format's
// documentation (changes_codec.go) describes it.
type changeSet struct {
	db       *memrel.DB
	sections [][]byte
}

type hand struct {
	op       byte
	key, row string
}

func (c *changeSet) table(name string, seq int64, hasSeq byte, rows ...hand) *changeSet {
	s := binary.AppendUvarint(nil, uint64(len(name)))
	s = append(s, name...)
	s = append(s, hasSeq)
	if hasSeq == 1 {
		s = binary.AppendVarint(s, seq)
	}
	s = binary.AppendUvarint(s, uint64(len(rows)))
	for _, r := range rows {
		s = append(s, r.op)
		s = binary.AppendUvarint(s, uint64(len(r.key)))
		s = append(s, r.key...)
		if r.op != 'd' {
			s = binary.AppendUvarint(s, uint64(len(r.row)))
			s = append(s, r.row...)
		}
	}
	c.sections = append(c.sections, s)
	return c
}

func (c *changeSet) bytes(trailer ...byte) []byte {
	fp, err := hex.DecodeString(memrel.SchemaFingerprint(c.db))
	if err != nil {
		panic(err)
	}
	b := append([]byte{1}, fp[:16]...)
	b = binary.AppendUvarint(b, uint64(len(c.sections)))
	for _, s := range c.sections {
		b = append(b, s...)
	}
	b = append(b, trailer...)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
}

// Change sets written by hand from the format's documentation: a good one
// applies; each malformed or rule-breaking one is refused, naming why.
func TestApplyChangesByHand(t *testing.T) {
	db := openShop()
	cs := func() *changeSet { return &changeSet{db: db} }
	good := cs().table("users", 2, 1,
		hand{'i', "1", `{"ID":1,"Username":"ann"}`},
		hand{'i', "2", `{"ID":2,"Username":"bob"}`}).
		table("products", 1, 1, hand{'i', "1", `{"ID":1,"Name":"pen","SKU":"p1","PriceCents":100}`}).bytes()
	if err := apply(db, good); err != nil {
		t.Fatal(err)
	}
	if u, ok := getUser(db, 2); !ok || u.Username != "bob" {
		t.Errorf("user 2: %+v", u)
	}
	var ce *memrel.CheckError
	if err := refused(t, db, cs().table("products", 0, 0, hand{'u', "1", `{"ID":1,"Name":"pen","SKU":"p1","PriceCents":-1}`}).bytes(),
		memrel.ErrIntegrity); !errors.As(err, &ce) || ce.Constraint != "price_cents_gte_0" {
		t.Errorf("a negative price: %v, want the CheckError of price_cents_gte_0", err)
	}
	var te *memrel.TableError
	if err := refused(t, db, cs().table("nope", 0, 0).bytes(), memrel.ErrUnknownTable); !errors.As(err, &te) || te.Table != "nope" {
		t.Errorf("an unknown table: %v", err)
	}
	for _, c := range []struct {
		name string
		data []byte
		says string
	}{
		{"unknown operation", cs().table("users", 0, 0, hand{'x', "3", `{}`}).bytes(), "unknown operation"},
		{"keys out of order", cs().table("users", 4, 1, hand{'i', "4", `{"Username":"d"}`}, hand{'i', "3", `{"Username":"c"}`}).bytes(), "out of order"},
		{"a key twice", cs().table("users", 3, 1, hand{'i', "3", `{"Username":"c"}`}, hand{'u', "3", `{"Username":"c"}`}).bytes(), "out of order or twice"},
		{"a table twice", cs().table("users", 0, 0).table("users", 0, 0).bytes(), "twice"},
		{"sequence flag", cs().table("users", 0, 7).bytes(), "sequence flag"},
		{"bad row JSON", cs().table("users", 3, 1, hand{'i', "3", `{"Username":`}).bytes(), "users 3"},
		{"bad key JSON", cs().table("users", 3, 1, hand{'i', `"x"`, `{"Username":"c"}`}).bytes(), "key"},
		{"bytes after the end", cs().table("users", 0, 0).bytes(0), "after the last section"},
		{"sequence behind its rows", cs().table("users", 2, 1, hand{'i', "3", `{"Username":"c"}`}).bytes(), "sequence"},
	} {
		if err := refused(t, db, c.data, memrel.ErrFormat); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.says)
		}
	}
}
