package replicate_test

import (
	"errors"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/replicate"
)

// A node whose check constraint has the leader's name but not its rule
// (another build of the program): the fingerprint, which names checks,
// cannot tell, and the node refuses an entry that the leader applied.
func openStricterDB(t testing.TB) *memrel.DB {
	t.Helper()
	users := memrel.NewTable("users", func(u *User) *int64 { return &u.ID })
	posts := memrel.NewTable("posts", func(p *Post) *int64 { return &p.ID })
	db, err := memrel.Open(memrel.Schema{
		Tables:    []memrel.AnyTable{users, posts},
		Relations: []memrel.Relation{memrel.ForeignKey(posts, &memrel.Fields[Post]().AuthorID, users, memrel.Cascade)},
		Constraints: []memrel.Constraint{
			memrel.Unique(users, "unique_name", &memrel.Fields[User]().Name),
			memrel.Check(posts, "title_set", func(p *Post) bool { return p.Title != "" && p.Title != "forbidden" }),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// A node that refused an entry which the leader applied holds another
// state from then on: it must say so (halt) rather than refuse every later
// write as stale while its applied index moves on and ViewAt serves its
// state as if it were the cluster's.
func TestDivergedNodeHalts(t *testing.T) {
	c := newCluster(t, 3, nil)
	odd := c.members[2]
	c.stop(odd)
	c.open = openStricterDB
	c.start(odd)
	c.open = openDB
	if memrel.SchemaFingerprint(odd.node.DB()) != memrel.SchemaFingerprint(c.members[0].node.DB()) {
		t.Fatal("the fingerprints differ: this test needs a difference they do not show")
	}
	leader := c.leader()
	if leader == odd {
		if err := odd.node.Raft().LeadershipTransferToServer(c.members[0].id, raft.ServerAddress(c.members[0].id)).Error(); err != nil {
			t.Fatal(err)
		}
		leader = c.leader(odd)
	}
	insertUser(t, leader.node, "ann")
	post := func(title string) uint64 {
		t.Helper()
		index, err := leader.node.Update(ctxT(t), func(tx *memrel.Tx) error {
			_, err := Posts.Insert(tx, Post{AuthorID: 1, Title: title})
			return err
		})
		if err != nil {
			t.Fatalf("post %q: %v", title, err)
		}
		return index
	}
	post("forbidden") // applied by the leader, refused by the odd node
	index := post("next")
	err := odd.node.ViewAt(ctxT(t), index, func(tx *memrel.Tx) error {
		t.Errorf("the odd node serves its state at index %d as the cluster's:\n%s", index, tx.Dump())
		return nil
	})
	if !errors.Is(err, replicate.ErrHalted) {
		t.Errorf("ViewAt on the odd node: %v, want ErrHalted", err)
	}
	if err := odd.node.Err(); !errors.Is(err, replicate.ErrHalted) || !errors.Is(err, replicate.ErrDiverged) {
		t.Errorf("the odd node's Err: %v, want ErrHalted and ErrDiverged", err)
	}
	t.Log(odd.node.Err())
}
