package bench

import (
	"fmt"
	"maps"
	"slices"
	"sync"
)

// The maps system: plain Go maps under one lock, the limit for a store
// without MVCC. Rows by value; reverse indexes are sorted key lists, so
// children come out in key order. A refused row is checked before anything
// is written, and a delete collects its whole closure first, so nothing
// ever needs undoing.

// multi is a reverse index: parent key -> sorted child keys.
type multi map[int64][]int64

func (m multi) add(parent, child int64) {
	s := m[parent]
	i, _ := slices.BinarySearch(s, child)
	m[parent] = slices.Insert(s, i, child)
}

func (m multi) remove(parent, child int64) {
	s := m[parent]
	if i, ok := slices.BinarySearch(s, child); ok {
		s = slices.Delete(s, i, i+1)
	}
	if len(s) == 0 {
		delete(m, parent)
	} else {
		m[parent] = s
	}
}

func (m multi) clone() multi {
	c := make(multi, len(m))
	for k, v := range m {
		c[k] = slices.Clone(v)
	}
	return c
}

type mapsStore struct {
	mu sync.RWMutex

	users                              map[int64]User
	userNames                          map[string]int64
	posts                              map[int64]Post
	postsByAuthor                      multi
	comments                           map[int64]Comment
	commentsByPost, commentsByAuthor   multi
	tags                               map[int64]Tag
	tagNames                           map[string]int64
	links                              map[PostTag]struct{}
	linksByPost                        multi // post -> tags
	follows                            map[Follow]struct{}
	followsByFollower, followsFollowed multi
	products                           map[int64]Product
	orders                             map[int64]Order
	ordersByCustomer                   multi
	items                              map[int64]Item
	itemsByOrder, itemsByProduct       multi
}

// NewMaps returns an empty maps store.
func NewMaps() (Store, error) {
	return &mapsStore{
		users: map[int64]User{}, userNames: map[string]int64{},
		posts: map[int64]Post{}, postsByAuthor: multi{},
		comments: map[int64]Comment{}, commentsByPost: multi{}, commentsByAuthor: multi{},
		tags: map[int64]Tag{}, tagNames: map[string]int64{},
		links: map[PostTag]struct{}{}, linksByPost: multi{},
		follows: map[Follow]struct{}{}, followsByFollower: multi{}, followsFollowed: multi{},
		products: map[int64]Product{},
		orders:   map[int64]Order{}, ordersByCustomer: multi{},
		items: map[int64]Item{}, itemsByOrder: multi{}, itemsByProduct: multi{},
	}, nil
}

func present[K comparable, V any](m map[K]V, k K) bool {
	_, ok := m[k]
	return ok
}

// batch writes one outcome per row under the write lock.
func (s *mapsStore) batch(n int, out []Outcome, row func(i int) Outcome) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range n {
		out[i] = row(i)
	}
	return nil
}

func (s *mapsStore) InsertUsers(rows []User, out []Outcome) error {
	return s.batch(len(rows), out, func(i int) Outcome {
		r := rows[i]
		if present(s.users, r.ID) || present(s.userNames, r.Name) {
			return RefusedUnique
		}
		s.users[r.ID], s.userNames[r.Name] = r, r.ID
		return OK
	})
}

func (s *mapsStore) InsertPosts(rows []Post, out []Outcome) error {
	return s.batch(len(rows), out, func(i int) Outcome {
		r := rows[i]
		if present(s.posts, r.ID) {
			return RefusedUnique
		}
		if !present(s.users, r.AuthorID) {
			return RefusedForeignKey
		}
		s.posts[r.ID] = r
		s.postsByAuthor.add(r.AuthorID, r.ID)
		return OK
	})
}

func (s *mapsStore) InsertComments(rows []Comment, out []Outcome) error {
	return s.batch(len(rows), out, func(i int) Outcome {
		r := rows[i]
		if present(s.comments, r.ID) {
			return RefusedUnique
		}
		if !present(s.posts, r.PostID) || r.AuthorID.Valid && !present(s.users, r.AuthorID.V) {
			return RefusedForeignKey
		}
		s.comments[r.ID] = r
		s.commentsByPost.add(r.PostID, r.ID)
		if r.AuthorID.Valid {
			s.commentsByAuthor.add(r.AuthorID.V, r.ID)
		}
		return OK
	})
}

func (s *mapsStore) InsertTags(rows []Tag, out []Outcome) error {
	return s.batch(len(rows), out, func(i int) Outcome {
		r := rows[i]
		if present(s.tags, r.ID) || present(s.tagNames, r.Name) {
			return RefusedUnique
		}
		s.tags[r.ID], s.tagNames[r.Name] = r, r.ID
		return OK
	})
}

func (s *mapsStore) AddPostTags(rows []PostTag, out []Outcome) error {
	return s.batch(len(rows), out, func(i int) Outcome {
		r := rows[i]
		if present(s.links, r) {
			return OK
		}
		if !present(s.posts, r.PostID) || !present(s.tags, r.TagID) {
			return RefusedForeignKey
		}
		s.links[r] = struct{}{}
		s.linksByPost.add(r.PostID, r.TagID)
		return OK
	})
}

func (s *mapsStore) InsertFollows(rows []Follow, out []Outcome) error {
	return s.batch(len(rows), out, func(i int) Outcome {
		r := rows[i]
		if r.FollowerID == r.FollowedID {
			return RefusedCheck
		}
		if present(s.follows, r) {
			return RefusedUnique
		}
		if !present(s.users, r.FollowerID) || !present(s.users, r.FollowedID) {
			return RefusedForeignKey
		}
		s.follows[r] = struct{}{}
		s.followsByFollower.add(r.FollowerID, r.FollowedID)
		s.followsFollowed.add(r.FollowedID, r.FollowerID)
		return OK
	})
}

func (s *mapsStore) InsertProducts(rows []Product, out []Outcome) error {
	return s.batch(len(rows), out, func(i int) Outcome {
		r := rows[i]
		if present(s.products, r.ID) {
			return RefusedUnique
		}
		s.products[r.ID] = r
		return OK
	})
}

func (s *mapsStore) InsertOrders(rows []Order, out []Outcome) error {
	return s.batch(len(rows), out, func(i int) Outcome {
		r := rows[i]
		if present(s.orders, r.ID) {
			return RefusedUnique
		}
		if !present(s.users, r.CustomerID) {
			return RefusedForeignKey
		}
		s.orders[r.ID] = r
		s.ordersByCustomer.add(r.CustomerID, r.ID)
		return OK
	})
}

func (s *mapsStore) InsertItems(rows []Item, out []Outcome) error {
	return s.batch(len(rows), out, func(i int) Outcome {
		r := rows[i]
		if present(s.items, r.ID) {
			return RefusedUnique
		}
		if !present(s.orders, r.OrderID) || !present(s.products, r.ProductID) {
			return RefusedForeignKey
		}
		s.items[r.ID] = r
		s.itemsByOrder.add(r.OrderID, r.ID)
		s.itemsByProduct.add(r.ProductID, r.ID)
		return OK
	})
}

func (s *mapsStore) CommentsOf(postID int64, buf []Comment) ([]Comment, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, id := range s.commentsByPost[postID] {
		buf = append(buf, s.comments[id])
	}
	return buf, nil
}

func (s *mapsStore) deleteComment(id int64) {
	c := s.comments[id]
	delete(s.comments, id)
	s.commentsByPost.remove(c.PostID, id)
	if c.AuthorID.Valid {
		s.commentsByAuthor.remove(c.AuthorID.V, id)
	}
}

func (s *mapsStore) DeleteUser(id int64) (Outcome, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return RefusedNotFound, nil
	}
	if len(s.ordersByCustomer[id]) > 0 {
		return RefusedRestrict, nil
	}
	// Everything is collected before the first write: the reverse
	// indexes change under the deletes.
	posts := slices.Clone(s.postsByAuthor[id])
	var comments, links []int64
	for _, p := range posts {
		comments = append(comments, s.commentsByPost[p]...)
		links = append(links, s.linksByPost[p]...)
	}
	following := slices.Clone(s.followsByFollower[id])
	followers := slices.Clone(s.followsFollowed[id])
	authored := slices.Clone(s.commentsByAuthor[id])

	for _, c := range comments {
		s.deleteComment(c)
	}
	i := 0
	for _, p := range posts {
		for _, t := range s.linksByPost[p] {
			delete(s.links, PostTag{p, t})
			i++
		}
		delete(s.linksByPost, p)
		delete(s.posts, p)
	}
	if i != len(links) {
		return 0, fmt.Errorf("maps: %d links collected, %d deleted", len(links), i)
	}
	delete(s.postsByAuthor, id)
	for _, f := range following {
		delete(s.follows, Follow{id, f})
		s.followsFollowed.remove(f, id)
	}
	for _, f := range followers {
		delete(s.follows, Follow{f, id})
		s.followsByFollower.remove(f, id)
	}
	delete(s.followsByFollower, id)
	delete(s.followsFollowed, id)
	for _, c := range authored {
		if row, ok := s.comments[c]; ok { // not deleted with a post
			row.AuthorID.V, row.AuthorID.Valid = 0, false
			s.comments[c] = row
		}
	}
	delete(s.commentsByAuthor, id)
	delete(s.users, id)
	delete(s.userNames, u.Name)
	return OK, nil
}

func (s *mapsStore) DeleteComments(ids []int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if !present(s.comments, id) {
			return fmt.Errorf("comments %d: not found", id)
		}
	}
	for _, id := range ids {
		s.deleteComment(id)
	}
	return nil
}

func (s *mapsStore) LoadPosts(ids []int64, buf []PostView) ([]PostView, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, id := range ids {
		p, ok := s.posts[id]
		if !ok {
			return buf, fmt.Errorf("posts %d: not found", id)
		}
		v := PostView{Post: p, Author: s.users[p.AuthorID]}
		cs := s.commentsByPost[id]
		v.Comments = make([]CommentView, len(cs))
		for i, c := range cs {
			cv := &v.Comments[i]
			cv.Comment = s.comments[c]
			if a := cv.Comment.AuthorID; a.Valid {
				cv.Author, cv.HasAuthor = s.users[a.V], true
			}
		}
		buf = append(buf, v)
	}
	return buf, nil
}

// Fork copies every map: without MVCC a copy is the only way.
func (s *mapsStore) Fork() (Store, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return &mapsStore{
		users: maps.Clone(s.users), userNames: maps.Clone(s.userNames),
		posts: maps.Clone(s.posts), postsByAuthor: s.postsByAuthor.clone(),
		comments: maps.Clone(s.comments), commentsByPost: s.commentsByPost.clone(),
		commentsByAuthor: s.commentsByAuthor.clone(),
		tags:             maps.Clone(s.tags), tagNames: maps.Clone(s.tagNames),
		links: maps.Clone(s.links), linksByPost: s.linksByPost.clone(),
		follows: maps.Clone(s.follows), followsByFollower: s.followsByFollower.clone(),
		followsFollowed: s.followsFollowed.clone(),
		products:        maps.Clone(s.products),
		orders:          maps.Clone(s.orders), ordersByCustomer: s.ordersByCustomer.clone(),
		items: maps.Clone(s.items), itemsByOrder: s.itemsByOrder.clone(),
		itemsByProduct: s.itemsByProduct.clone(),
	}, nil
}

func (s *mapsStore) Dump() (Dump, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b := NewDumpBuilder()
	for _, r := range s.users {
		b.User(r)
	}
	for _, r := range s.posts {
		b.Post(r)
	}
	for _, r := range s.comments {
		b.Comment(r)
	}
	for _, r := range s.tags {
		b.Tag(r)
	}
	for r := range s.links {
		b.PostTag(r)
	}
	for r := range s.follows {
		b.Follow(r)
	}
	for _, r := range s.products {
		b.Product(r)
	}
	for _, r := range s.orders {
		b.Order(r)
	}
	for _, r := range s.items {
		b.Item(r)
	}
	return b.Done(), nil
}

func (s *mapsStore) MemoryOutsideGoHeap() (int64, error) { return 0, nil }
func (s *mapsStore) Close() error                        { return nil }
