package bench

import (
	"errors"

	"github.com/memrel-go/memrel"
)

// memrelStore is memrel, through its root package only.
type memrelStore struct{ db *memrel.DB }

// NewMemrel returns an empty memrel store.
func NewMemrel() (Store, error) {
	db, err := memrel.Open(memrelSchema())
	if err != nil {
		return nil, err
	}
	return &memrelStore{db}, nil
}

// memrelOutcome classifies a refusal; any other error is the system's.
func memrelOutcome(err error) (Outcome, error) {
	switch {
	case err == nil:
		return OK, nil
	case errors.Is(err, memrel.ErrExists), errors.Is(err, memrel.ErrUnique):
		return RefusedUnique, nil
	case errors.Is(err, memrel.ErrCheck):
		return RefusedCheck, nil
	case errors.Is(err, memrel.ErrForeignKey):
		return RefusedForeignKey, nil
	case errors.Is(err, memrel.ErrRestricted), errors.Is(err, memrel.ErrProtected):
		return RefusedRestrict, nil
	case errors.Is(err, memrel.ErrNotFound):
		return RefusedNotFound, nil
	}
	return 0, err
}

// insertAll inserts rows in one transaction, one Insert per row.
func insertAll[T any](s *memrelStore, t *memrel.Table[T, int64], rows []T, out []Outcome) error {
	return s.db.Update(func(tx *memrel.Tx) error {
		for i, r := range rows {
			_, err := t.Insert(tx, r)
			o, err := memrelOutcome(err)
			if err != nil {
				return err
			}
			out[i] = o
		}
		return nil
	})
}

func (s *memrelStore) InsertUsers(rows []User, out []Outcome) error {
	return insertAll(s, mUsers, rows, out)
}
func (s *memrelStore) InsertPosts(rows []Post, out []Outcome) error {
	return insertAll(s, mPosts, rows, out)
}
func (s *memrelStore) InsertComments(rows []Comment, out []Outcome) error {
	return insertAll(s, mComments, rows, out)
}
func (s *memrelStore) InsertTags(rows []Tag, out []Outcome) error {
	return insertAll(s, mTags, rows, out)
}
func (s *memrelStore) InsertProducts(rows []Product, out []Outcome) error {
	return insertAll(s, mProducts, rows, out)
}
func (s *memrelStore) InsertOrders(rows []Order, out []Outcome) error {
	return insertAll(s, mOrders, rows, out)
}
func (s *memrelStore) InsertItems(rows []Item, out []Outcome) error {
	return insertAll(s, mItems, rows, out)
}

func (s *memrelStore) AddPostTags(rows []PostTag, out []Outcome) error {
	return s.db.Update(func(tx *memrel.Tx) error {
		for i, r := range rows {
			_, err := mPostTags.Add(tx, r.PostID, r.TagID) // an existing link is skipped, as INSERT OR IGNORE
			o, err := memrelOutcome(err)
			if err != nil {
				return err
			}
			out[i] = o
		}
		return nil
	})
}

func (s *memrelStore) InsertFollows(rows []Follow, out []Outcome) error {
	return s.db.Update(func(tx *memrel.Tx) error {
		for i, r := range rows {
			_, err := mFollows.Insert(tx, mFollow{FollowerID: r.FollowerID, FollowedID: r.FollowedID})
			o, err := memrelOutcome(err)
			if err != nil {
				return err
			}
			out[i] = o
		}
		return nil
	})
}

func (s *memrelStore) CommentsOf(postID int64, buf []Comment) ([]Comment, error) {
	err := s.db.View(func(tx *memrel.Tx) error {
		for c := range mCommentPost.Children(tx, postID) {
			buf = append(buf, c)
		}
		return nil
	})
	return buf, err
}

func (s *memrelStore) DeleteUser(id int64) (Outcome, error) {
	var o Outcome
	err := s.db.Update(func(tx *memrel.Tx) error {
		_, err := mUsers.Delete(tx, id)
		o, err = memrelOutcome(err)
		if err != nil {
			return err
		}
		if o != OK {
			return errRefused
		}
		return nil
	})
	if err == errRefused {
		err = nil
	}
	return o, err
}

// errRefused ends a transaction whose one operation was refused.
var errRefused = errors.New("refused")

func (s *memrelStore) DeleteComments(ids []int64) error {
	return s.db.Update(func(tx *memrel.Tx) error {
		_, err := mComments.Delete(tx, ids...)
		return err
	})
}

func (s *memrelStore) LoadPosts(ids []int64, buf []PostView) ([]PostView, error) {
	err := s.db.View(func(tx *memrel.Tx) error {
		posts := make([]Post, 0, len(ids))
		for _, id := range ids {
			p, ok := mPosts.Get(tx, id)
			if !ok {
				return memrel.ErrNotFound
			}
			posts = append(posts, p)
		}
		l, err := memrel.Load(tx, posts, mPostAuthor.Forward(), mCommentPost.Reverse(mCommentAuthor.Forward()))
		if err != nil {
			return err
		}
		for _, p := range posts {
			v := PostView{Post: p}
			v.Author, _ = mPostAuthor.LoadedParent(l, p)
			cs := mCommentPost.LoadedChildren(l, p.ID)
			v.Comments = make([]CommentView, len(cs))
			for i, c := range cs {
				v.Comments[i].Comment = c
				v.Comments[i].Author, v.Comments[i].HasAuthor = mCommentAuthor.LoadedParent(l, c)
			}
			buf = append(buf, v)
		}
		return nil
	})
	return buf, err
}

func (s *memrelStore) Fork() (Store, error) { return &memrelStore{s.db.Snapshot()}, nil }

func (s *memrelStore) Dump() (Dump, error) {
	b := NewDumpBuilder()
	err := s.db.View(func(tx *memrel.Tx) error {
		for r := range mUsers.All(tx) {
			b.User(r)
		}
		for r := range mPosts.All(tx) {
			b.Post(r)
		}
		for r := range mComments.All(tx) {
			b.Comment(r)
		}
		for r := range mTags.All(tx) {
			b.Tag(r)
		}
		for r := range mPostTags.LinkTable().All(tx) {
			b.PostTag(PostTag{r.From, r.To})
		}
		for r := range mFollows.All(tx) {
			b.Follow(Follow{r.FollowerID, r.FollowedID})
		}
		for r := range mProducts.All(tx) {
			b.Product(r)
		}
		for r := range mOrders.All(tx) {
			b.Order(r)
		}
		for r := range mItems.All(tx) {
			b.Item(r)
		}
		return tx.Check()
	})
	return b.Done(), err
}

func (s *memrelStore) MemoryOutsideGoHeap() (int64, error) { return 0, nil }
func (s *memrelStore) Close() error                        { return nil }
