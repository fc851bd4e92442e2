package relations_test

import (
	"fmt"
	"testing"

	"github.com/memrel-go/memrel"
)

type pnUser struct{ ID int64 }

type pnComment struct {
	ID       int64
	AuthorID memrel.Null[int64]
	Body     string
}

// An index accessor that panics on a row a SetNull just emptied stops the
// delete in the middle of its writes: the rows written before it are undone
// and the panicking row is in no index, so a caller that recovers finds the
// transaction as it was, and can commit it.
func TestPanickingAccessorDuringDeleteLeavesNothing(t *testing.T) {
	for round := 0; round < 10; round++ {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			users := memrel.NewTable("users", func(u *pnUser) *int64 { return &u.ID })
			comments := memrel.NewTable("comments", func(c *pnComment) *int64 { return &c.ID })
			author := memrel.ForeignKey(comments, func(c *pnComment) *memrel.Null[int64] { return &c.AuthorID },
				users, memrel.SetNull).Related("comments")
			s := memrel.Schema{Tables: []memrel.AnyTable{users, comments}, Relations: []memrel.Relation{author}}
			for i := 0; i < 4; i++ {
				s.Indexes = append(s.Indexes, memrel.NewIndexFunc(comments, fmt.Sprintf("ix%d", i), func(c *pnComment) string {
					if i == 2 && !c.AuthorID.Valid && c.Body == "second" {
						panic("comment without an author")
					}
					return c.Body
				}))
			}
			db := openDB(t, s)
			tx := beginTx(t, db)
			u, err := users.Insert(tx, pnUser{})
			mustOK(t, err)
			for _, b := range []string{"first", "second", "third"} {
				_, err := comments.Insert(tx, pnComment{AuthorID: memrel.Some(u.ID), Body: b})
				mustOK(t, err)
			}
			before := tx.Dump()
			func() {
				defer func() {
					if recover() == nil {
						t.Error("the accessor's panic did not reach the caller")
					}
				}()
				users.Delete(tx, u.ID)
			}()
			if got := tx.Dump(); got != before {
				t.Fatalf("the interrupted delete changed the state:\nbefore:\n%s\nafter:\n%s", before, got)
			}
			finishTx(t, db, tx)
		})
	}
}
