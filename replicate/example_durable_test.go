package replicate_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/replicate"
)

// durableNode starts a one-node cluster whose log, term and vote live in a
// raft-boltdb file and whose snapshots are files, all in dir. On a first
// start it bootstraps the cluster; on a restart the node finds its state
// on disk (raft.ErrCantBootstrap) and rebuilds its DB from the latest
// snapshot and the log after it.
func durableNode(dir string) (*replicate.Node, *raftboltdb.BoltStore, error) {
	store, err := raftboltdb.NewBoltStore(filepath.Join(dir, "raft.db"))
	if err != nil {
		return nil, nil, err
	}
	snaps, err := raft.NewFileSnapshotStore(dir, 2, io.Discard)
	if err != nil {
		return nil, nil, err
	}
	_, trans := raft.NewInmemTransport("node1") // raft.NewTCPTransport between machines
	cfg := raft.DefaultConfig()
	cfg.LocalID = "node1"
	cfg.HeartbeatTimeout, cfg.ElectionTimeout = 100*time.Millisecond, 100*time.Millisecond
	cfg.LeaderLeaseTimeout, cfg.CommitTimeout = 50*time.Millisecond, 5*time.Millisecond
	cfg.LogOutput = io.Discard
	db, err := memrel.Open(memrel.Schema{
		Tables:      []memrel.AnyTable{Users, Posts},
		Relations:   []memrel.Relation{PostAuthor},
		Constraints: []memrel.Constraint{UniqueName, TitleSet},
	})
	if err != nil {
		return nil, nil, err
	}
	node, err := replicate.New(db, replicate.Config{Raft: cfg, Transport: trans, LogStore: store, StableStore: store, Snapshots: snaps})
	if err != nil {
		return nil, nil, err
	}
	err = node.Bootstrap(raft.Server{ID: "node1", Address: trans.LocalAddr()})
	if err != nil && !errors.Is(err, raft.ErrCantBootstrap) {
		return nil, nil, err
	}
	for deadline := time.Now().Add(10 * time.Second); !node.IsLeader(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			return nil, nil, errors.New("no leader after 10s")
		}
	}
	return node, store, nil
}

// A node on disk (raft-boltdb for the log, files for snapshots) is
// stopped and started again: it comes back with its data, from its last
// snapshot and the log written after it.
func Example_durable() {
	dir, err := os.MkdirTemp("", "memrel-durable")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	node, store, err := durableNode(dir)
	if err != nil {
		log.Fatal(err)
	}
	var last uint64
	for i := range 20 {
		if last, err = node.Update(ctx, func(tx *memrel.Tx) error {
			u, err := Users.Insert(tx, User{Name: fmt.Sprintf("user%d", i)})
			if err != nil {
				return err
			}
			_, err = Posts.Insert(tx, Post{AuthorID: u.ID, Title: "hello"})
			return err
		}); err != nil {
			log.Fatal(err)
		}
		if i == 9 { // a snapshot halfway: the restart reads it, then the log after it
			if err := node.Raft().Snapshot().Error(); err != nil {
				log.Fatal(err)
			}
		}
	}
	if _, err := node.Update(ctx, func(tx *memrel.Tx) error { _, err := Users.Delete(tx, 1); return err }); err != nil {
		log.Fatal(err)
	}
	before := count(node)
	fmt.Println("before the restart:", before)
	if err := node.Shutdown(); err != nil {
		log.Fatal(err)
	}
	if err := store.Close(); err != nil {
		log.Fatal(err)
	}

	node, store, err = durableNode(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	defer node.Shutdown()
	// Wait until the log up to the last write is applied again.
	if err := node.ViewAt(ctx, last, func(*memrel.Tx) error { return nil }); err != nil {
		log.Fatal(err)
	}
	if err := node.ViewLinearizable(ctx, func(*memrel.Tx) error { return nil }); err != nil {
		log.Fatal(err)
	}
	fmt.Println("after the restart:", count(node))
	if err := node.DB().Check(); err != nil {
		log.Fatal(err)
	}
	// The sequence came back too: the next user is number 21. (fn may run
	// again after a conflict: what it learns is used once Update returns.)
	var next int64
	if _, err := node.Update(ctx, func(tx *memrel.Tx) error {
		u, err := Users.Insert(tx, User{Name: "new"})
		next = u.ID
		return err
	}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("next user:", next)
	// Output:
	// before the restart: 19 users, 19 posts
	// after the restart: 19 users, 19 posts
	// next user: 21
}

func count(n *replicate.Node) string {
	var s string
	_ = n.View(func(tx *memrel.Tx) error {
		s = fmt.Sprintf("%d users, %d posts", Users.Len(tx), Posts.Len(tx))
		return nil
	})
	return s
}
