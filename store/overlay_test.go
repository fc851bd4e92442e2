package store

// An internal test: it compares what a write transaction answers from its
// overlay (scan, first) with what go-memdb answers from the indexes it
// modified, after every write of a random sequence, savepoint rollbacks
// included.

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

type ovRow struct {
	ID    int64
	Group int64
	Tag   Null[string]
}

func ovRead(it interface{ Next() any }) []string {
	var out []string
	for obj := it.Next(); obj != nil; obj = it.Next() {
		r := obj.(*ovRow)
		out = append(out, fmt.Sprintf("%d/%d/%v", r.ID, r.Group, r.Tag))
	}
	return out
}

func TestOverlayAnswersAsGoMemdb(t *testing.T) {
	rows := NewTable("ov_rows", func(r *ovRow) *int64 { return &r.ID })
	f := Fields[ovRow]()
	byGroup := NewIndex(rows, "group", &f.Group)
	byTag := NewIndex(rows, "tag", &f.Tag)
	db, err := Open(Config{Tables: []AnyTable{rows}, Indexes: []*IndexDef{byGroup.IndexDef(), byTag.IndexDef()}})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	tag := func() Null[string] {
		if rng.IntN(4) == 0 {
			return Null[string]{}
		}
		return Some(string(rune('a' + rng.IntN(3))))
	}
	// A base state, committed.
	if err := db.Update(func(tx *Tx) error {
		for i := range 30 {
			if _, err := rows.Insert(tx, ovRow{ID: int64(i + 1), Group: int64(rng.IntN(4)), Tag: tag()}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		tx := db.BeginWrite()
		var sps []Savepoint
		for step := range 60 {
			id := int64(rng.IntN(45) + 1)
			switch op := rng.IntN(10); {
			case op < 4:
				if old := tx.first(rows.info, rows.encodeKey(id)); old != nil {
					tx.put(rows.info, old, &ovRow{ID: id, Group: int64(rng.IntN(4)), Tag: tag()})
				} else {
					tx.put(rows.info, nil, &ovRow{ID: id, Group: int64(rng.IntN(4)), Tag: tag()})
				}
			case op < 6:
				if old := tx.first(rows.info, rows.encodeKey(id)); old != nil {
					tx.put(rows.info, old, nil)
				}
			case op < 7:
				sps = append(sps, tx.savepoint())
			case op < 8 && len(sps) > 0:
				tx.rollbackTo(sps[len(sps)-1])
				sps = sps[:len(sps)-1]
			case op < 9 && len(sps) > 0:
				tx.release(sps[len(sps)-1])
				sps = sps[:len(sps)-1]
			}
			// Every lookup agrees with go-memdb's reading of the modified
			// indexes.
			for g := range int64(4) {
				v := byGroup.key(g)
				if got, want := ovRead(tx.scan(rows.info, byGroup.def.name, v)), ovRead(tx.iter(rows.info, byGroup.def.name, v)); !slices.Equal(got, want) {
					t.Fatalf("round %d step %d: group %d: overlay %v, go-memdb %v", round, step, g, got, want)
				}
			}
			for _, s := range []Null[string]{{}, Some("a"), Some("b"), Some("c")} {
				v := byTag.key(s)
				if got, want := ovRead(tx.scan(rows.info, byTag.def.name, v)), ovRead(tx.iter(rows.info, byTag.def.name, v)); !slices.Equal(got, want) {
					t.Fatalf("round %d step %d: tag %v: overlay %v, go-memdb %v", round, step, s, got, want)
				}
			}
			for id := range int64(46) {
				got := tx.first(rows.info, rows.encodeKey(id))
				want, _ := tx.txn.First(rows.info.name, idIndex, rows.encodeKey(id))
				if got != want {
					t.Fatalf("round %d step %d: key %d: overlay %v, go-memdb %v", round, step, id, got, want)
				}
			}
		}
		// An iterator keeps the state of the moment it was made.
		it := tx.scan(rows.info, byGroup.def.name, byGroup.key(0))
		before := ovRead(tx.iter(rows.info, byGroup.def.name, byGroup.key(0)))
		tx.put(rows.info, nil, &ovRow{ID: 1000, Group: 0})
		if got := ovRead(it); !slices.Equal(got, before) {
			t.Fatalf("an iterator saw a later write: %v, want %v", got, before)
		}
		if round%2 == 0 {
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
		} else {
			tx.Abort()
		}
	}
}
