package memrel_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/memrel-go/memrel"
)

// usersWithPosts inserts a user of each name, each with a post.
func usersWithPosts(tx *memrel.Tx, names ...string) error {
	for _, name := range names {
		u, err := Users.Insert(tx, User{Username: name})
		if err != nil {
			return err
		}
		if _, err := Posts.Insert(tx, Post{AuthorID: u.ID, Title: "by " + name}); err != nil {
			return err
		}
	}
	return nil
}

// savedShop is a DB of the shop schema with rows, deletes (so that the
// sequences are past the largest keys) and a many-to-many-free state.
func savedShop(t *testing.T) (*memrel.DB, []byte) {
	t.Helper()
	db := openShop()
	err := db.Update(func(tx *memrel.Tx) error {
		if err := usersWithPosts(tx, "ann", "bob", "cid"); err != nil {
			return err
		}
		_, err := Users.Delete(tx, 3)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := db.View(func(tx *memrel.Tx) error { return memrel.Save(tx, &b) }); err != nil {
		t.Fatal(err)
	}
	return db, b.Bytes()
}

func TestSaveRestore(t *testing.T) {
	db, saved := savedShop(t)
	if saved[0] != 1 {
		t.Errorf("first byte %d, want the format version 1", saved[0])
	}
	db2 := openShop()
	if err := memrel.Restore(db2, bytes.NewReader(saved)); err != nil {
		t.Fatal(err)
	}
	if a, b := dumpDB(db), dumpDB(db2); a != b {
		t.Errorf("the restored DB differs (sequences included):\n%s", diffLines(a, b))
	}
	var again bytes.Buffer
	if err := db2.View(func(tx *memrel.Tx) error { return memrel.Save(tx, &again) }); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), saved) {
		t.Error("the restored DB saves to other bytes")
	}
	// The sequence came back: a deleted key is not handed out again.
	err := db2.Update(func(tx *memrel.Tx) error {
		u, err := Users.Insert(tx, User{Username: "dan"})
		if u.ID != 4 {
			t.Errorf("next user key %d, want 4", u.ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Into a DB that is not empty: refused.
	before := dumpDB(db2)
	if err := memrel.Restore(db2, bytes.NewReader(saved)); !errors.Is(err, memrel.ErrExists) {
		t.Errorf("into a DB with rows: %v, want ErrExists", err)
	}
	if dumpDB(db2) != before {
		t.Error("a refused restore changed the DB")
	}
}

func TestRestoreRefused(t *testing.T) {
	_, saved := savedShop(t)
	dangling := bytes.Replace(saved, []byte(`"AuthorID":1`), []byte(`"AuthorID":7`), 1)
	if bytes.Equal(dangling, saved) {
		t.Fatal("the save holds no AuthorID 1")
	}
	twice := bytes.Replace(saved, []byte(`"ID":2,"Username"`), []byte(`"ID":1,"Username"`), 1)
	// A record: 'r', its length, the key's length (1), the key, the row.
	n := byte(1 + len(`2{"ID":1,"Username":"bob"}`))
	twice = bytes.Replace(twice, []byte{'r', n, 1, '2'}, []byte{'r', n, 1, '1'}, 1)
	if bytes.Equal(twice, saved) {
		t.Fatal("the save holds no user 2")
	}
	for _, c := range []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, memrel.ErrFormat},
		{"version 2", append([]byte{2}, saved[1:]...), memrel.ErrFormat},
		{"truncated", saved[:len(saved)-3], memrel.ErrFormat},
		{"trailing data", append(append([]byte{}, saved...), 0), memrel.ErrFormat},
		{"dangling key", dangling, memrel.ErrForeignKey},
		{"a key twice", twice, memrel.ErrFormat},
	} {
		db := openShop()
		before := dumpDB(db)
		err := memrel.Restore(db, bytes.NewReader(c.data))
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if dumpDB(db) != before {
			t.Errorf("%s: a refused restore changed the DB", c.name)
		}
	}
}
