// Command replicated runs a replicated memrel DB: three nodes in one
// process, joined by raft's in-memory transport. It writes on the leader,
// reads on the followers, stops the leader, waits for a new one, and shows
// that the data is still there, printing as it goes. Run it from the
// replicate module:
//
//	cd replicate && go run ./examples/replicated
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"time"

	"github.com/hashicorp/raft"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/replicate"
)

type Author struct {
	ID   int64
	Name string
}

type Book struct {
	ID       int64
	AuthorID int64
	Title    string
}

var (
	Authors    = memrel.NewTable("authors", func(a *Author) *int64 { return &a.ID })
	Books      = memrel.NewTable("books", func(b *Book) *int64 { return &b.ID })
	BookAuthor = memrel.ForeignKey(Books, &memrel.Fields[Book]().AuthorID, Authors, memrel.Protect)
	UniqueName = memrel.Unique(Authors, "unique_author_name", &memrel.Fields[Author]().Name)
)

// schema is the same on every node: a node of another schema stops at the
// first entry it sees.
func schema() memrel.Schema {
	return memrel.Schema{
		Tables:      []memrel.AnyTable{Authors, Books},
		Relations:   []memrel.Relation{BookAuthor},
		Constraints: []memrel.Constraint{UniqueName},
	}
}

type member struct {
	id    raft.ServerID
	node  *replicate.Node
	trans *raft.InmemTransport
}

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// Three nodes, each with its own DB, log and snapshots, connected by
	// in-memory transports (raft.NewTCPTransport between machines).
	var members []*member
	var servers []raft.Server
	for _, id := range []raft.ServerID{"alpha", "beta", "gamma"} {
		addr, trans := raft.NewInmemTransport(raft.ServerAddress(id))
		members = append(members, &member{id: id, trans: trans})
		servers = append(servers, raft.Server{ID: id, Address: addr})
	}
	for _, m := range members {
		for _, o := range members {
			if o != m {
				m.trans.Connect(o.trans.LocalAddr(), o.trans)
			}
		}
		db, err := memrel.Open(schema())
		if err != nil {
			log.Fatal(err)
		}
		cfg := raft.DefaultConfig()
		cfg.LocalID = m.id
		cfg.HeartbeatTimeout, cfg.ElectionTimeout = 200*time.Millisecond, 200*time.Millisecond
		cfg.LeaderLeaseTimeout, cfg.CommitTimeout = 100*time.Millisecond, 5*time.Millisecond
		cfg.LogOutput = io.Discard
		store := raft.NewInmemStore()
		m.node, err = replicate.New(db, replicate.Config{Raft: cfg, Transport: m.trans,
			LogStore: store, StableStore: store, Snapshots: raft.NewInmemSnapshotStore()})
		if err != nil {
			log.Fatal(err)
		}
		defer m.node.Shutdown()
	}
	if err := members[0].node.Bootstrap(servers...); err != nil {
		log.Fatal(err)
	}
	leader := waitLeader(ctx, members, nil)
	fmt.Printf("leader elected: %s\n", leader.id)

	// A write on the leader: an author and two books, one transaction.
	index, err := leader.node.Update(ctx, func(tx *memrel.Tx) error {
		a, err := Authors.Insert(tx, Author{Name: "Ursula K. Le Guin"})
		if err != nil {
			return err
		}
		for _, title := range []string{"A Wizard of Earthsea", "The Dispossessed"} {
			if _, err := Books.Insert(tx, Book{AuthorID: a.ID, Title: title}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: wrote an author and two books, committed at log index %d\n", leader.id, index)

	// Reads on the followers, once they have applied that index.
	for _, m := range members {
		if m == leader {
			continue
		}
		err := m.node.ViewAt(ctx, index, func(tx *memrel.Tx) error {
			fmt.Printf("%s (follower) reads: %s\n", m.id, titles(tx))
			return nil
		})
		if err != nil {
			log.Fatal(err)
		}
		// A follower refuses writes, and names the leader.
		_, err = m.node.Update(ctx, func(tx *memrel.Tx) error { return nil })
		fmt.Printf("%s (follower) refuses a write: %v\n", m.id, err)
	}

	// A refused write never enters the log.
	_, err = leader.node.Update(ctx, func(tx *memrel.Tx) error {
		_, err := Authors.Insert(tx, Author{Name: "Ursula K. Le Guin"})
		return err
	})
	fmt.Printf("%s: a duplicate author is refused (unique: %t), the log stays at %d\n",
		leader.id, errors.Is(err, memrel.ErrUnique), leader.node.Raft().LastIndex())

	// The leader stops; the two others elect one of themselves.
	fmt.Printf("stopping the leader %s\n", leader.id)
	if err := leader.node.Shutdown(); err != nil {
		log.Fatal(err)
	}
	for _, m := range members {
		m.trans.Disconnect(leader.trans.LocalAddr())
	}
	old := leader
	leader = waitLeader(ctx, members, old)
	fmt.Printf("new leader elected: %s\n", leader.id)
	err = leader.node.ViewLinearizable(ctx, func(tx *memrel.Tx) error {
		fmt.Printf("%s (leader) still reads: %s\n", leader.id, titles(tx))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	index, err = leader.node.Update(ctx, func(tx *memrel.Tx) error {
		_, err := Books.Insert(tx, Book{AuthorID: 1, Title: "The Left Hand of Darkness"})
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: wrote a third book at log index %d\n", leader.id, index)
	for _, m := range members {
		if m == old {
			continue
		}
		err := m.node.ViewAt(ctx, index, func(tx *memrel.Tx) error {
			fmt.Printf("%s reads: %s\n", m.id, titles(tx))
			return nil
		})
		if err != nil {
			log.Fatal(err)
		}
	}
}

func titles(tx *memrel.Tx) string {
	var out []string
	for b := range Books.All(tx) {
		out = append(out, fmt.Sprintf("%q", b.Title))
	}
	return fmt.Sprint(len(out), " books ", out)
}

// waitLeader waits until one of the members (but skip) leads.
func waitLeader(ctx context.Context, members []*member, skip *member) *member {
	for ctx.Err() == nil {
		for _, m := range members {
			if m != skip && m.node.IsLeader() {
				return m
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	log.Fatal("no leader elected")
	return nil
}
