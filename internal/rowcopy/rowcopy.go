// Package rowcopy gives user callbacks (accessors, predicates) a copy of a
// row instead of the row itself, so that a callback that writes to the row
// it is given can never change a stored row, without an allocation per
// call.
package rowcopy

import "sync"

// Pool hands out scratch rows of type T. The zero Pool is ready to use and
// is safe for concurrent use (readers call callbacks at the same time).
type Pool[T any] struct{ p sync.Pool }

// Get returns a scratch row holding a copy of *row. Give it back with Put
// once the callback returned (a callback that panics loses it, which only
// costs an allocation later).
func (p *Pool[T]) Get(row *T) *T {
	c, _ := p.p.Get().(*T)
	if c == nil {
		c = new(T)
	}
	*c = *row
	return c
}

// Put takes back a scratch row from Get.
func (p *Pool[T]) Put(c *T) {
	var zero T
	*c = zero // keep nothing the row pointed at alive
	p.p.Put(c)
}
