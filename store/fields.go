package store

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/memrel-go/memrel/internal/fieldref"
)

// Fields returns the field-reference row of type T: a zero row, one per
// type, whose field addresses name fields in declarations without an
// accessor function. &Fields[Post]().AuthorID names the AuthorID field of
// Post, checked by the compiler for its existence and type:
//
//	var post = store.Fields[Post]()
//	var PostAuthor = relations.ForeignKey(Posts, &post.AuthorID, Users, relations.Cascade)
//
// Never write to it: it is no row of any table, and Open refuses a schema
// whose field-reference rows are not zero.
func Fields[T any]() *T { return fieldref.Proto[T]() }

// TableOption is an option of NewTable, such as Default.
type TableOption struct {
	what  string                     // "Default", for errors
	ptr   unsafe.Pointer             // the field reference
	size  uintptr                    // of the field
	fill  func(field unsafe.Pointer) // sets the field if zero
	field reflect.Type
}

// Default makes Insert fill the field with v when a new row leaves it zero,
// as Django's default= does. field is a field reference: &Fields[T]().F.
func Default[V comparable](field *V, v V) TableOption {
	return TableOption{what: "Default", ptr: unsafe.Pointer(field), size: unsafe.Sizeof(v), field: reflect.TypeFor[V](),
		fill: func(p unsafe.Pointer) {
			var zero V
			if f := (*V)(p); *f == zero {
				*f = v
			}
		}}
}

// DefaultFunc makes Insert fill the field with fn() when a new row leaves it
// zero, as Django's default=callable does: DefaultFunc(&comment.CreatedAt,
// time.Now). field is a field reference: &Fields[T]().F.
func DefaultFunc[V comparable](field *V, fn func() V) TableOption {
	var zero V
	return TableOption{what: "DefaultFunc", ptr: unsafe.Pointer(field), size: unsafe.Sizeof(zero), field: reflect.TypeFor[V](),
		fill: func(p unsafe.Pointer) {
			if f := (*V)(p); *f == zero {
				*f = fn()
			}
		}}
}

// applyOptions resolves the options of a table declaration: each field
// reference must point into Fields[T]().
func (t *Table[T, K]) applyOptions(opts []TableOption) {
	type fill struct {
		off uintptr
		fn  func(unsafe.Pointer)
	}
	var fills []fill
	for _, o := range opts {
		off, ok := fieldref.OffsetOf[T](o.ptr, o.size)
		if !ok || o.fill == nil {
			if t.info.err == nil {
				t.info.err = fmt.Errorf("table %s: %s: the field must be a field reference into the table's row type, like &store.Fields[%s]().Field", t.info.name, o.what, t.info.typ)
			}
			continue
		}
		fills = append(fills, fill{off, o.fill})
	}
	if len(fills) == 0 {
		return
	}
	t.fills = func(p *T) {
		for _, f := range fills {
			f.fn(unsafe.Add(unsafe.Pointer(p), f.off))
		}
	}
	t.composeDefaults()
}

// composeDefaults sets what Insert calls on a new row: the Default options,
// then the Defaults function, which sees their values.
func (t *Table[T, K]) composeDefaults() {
	switch fills, fn := t.fills, t.fn; {
	case fills == nil:
		t.defaults = fn
	case fn == nil:
		t.defaults = fills
	default:
		t.defaults = func(p *T) { fills(p); fn(p) }
	}
}
