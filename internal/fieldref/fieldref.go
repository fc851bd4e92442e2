// Package fieldref resolves field references: pointers into a row type's
// zero prototype, which declarations take instead of accessor functions.
// It also names fields the way a schema does (AuthorID -> "author").
package fieldref

import (
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unsafe"
)

var protos sync.Map // reflect.Type -> unsafe.Pointer to a zero row

// Proto returns the one zero row of type T whose field addresses are field
// references.
func Proto[T any]() *T {
	typ := reflect.TypeFor[T]()
	if p, ok := protos.Load(typ); ok {
		return (*T)(p.(unsafe.Pointer))
	}
	p, _ := protos.LoadOrStore(typ, unsafe.Pointer(new(T)))
	return (*T)(p.(unsafe.Pointer))
}

// Offset returns the offset within T of the field that f points at, and
// false when f does not point into Proto[T]().
func Offset[T, F any](f *F) (uintptr, bool) {
	var zero F
	return OffsetOf[T](unsafe.Pointer(f), unsafe.Sizeof(zero))
}

// OffsetOf is Offset for a pointer p to a field of size bytes.
func OffsetOf[T any](p unsafe.Pointer, size uintptr) (uintptr, bool) {
	if p == nil {
		return 0, false
	}
	base, at := uintptr(unsafe.Pointer(Proto[T]())), uintptr(p)
	var row T
	if at < base || at+size > base+unsafe.Sizeof(row) {
		return 0, false
	}
	return at - base, true
}

// Getter returns a function that reads the field f points at in a row of
// type T, f's offset, and false when f is not into Proto[T]() (the
// function then reads the zero value).
func Getter[T, V any](f *V) (func(*T) V, uintptr, bool) {
	off, ok := Offset[T](f)
	if !ok {
		return func(*T) V { var zero V; return zero }, 0, false
	}
	return func(r *T) V { return *(*V)(unsafe.Add(unsafe.Pointer(r), off)) }, off, true
}

// GoName is the path of the field of typ at off whose type is ft, such as
// "AuthorID", "Meta.OwnerID" or "Keys[1]"; "" when no field starts there
// with that type.
func GoName(typ, ft reflect.Type, off uintptr) string {
	if off == 0 && typ == ft {
		return ""
	}
	switch typ.Kind() {
	case reflect.Struct:
		for i := range typ.NumField() {
			f := typ.Field(i)
			if off < f.Offset || off >= f.Offset+f.Type.Size() {
				continue
			}
			if off == f.Offset && f.Type == ft {
				return f.Name
			}
			if rest := GoName(f.Type, ft, off-f.Offset); rest != "" {
				if rest[0] == '[' {
					return f.Name + rest
				}
				return f.Name + "." + rest
			}
		}
	case reflect.Array:
		size := typ.Elem().Size()
		if size == 0 {
			return ""
		}
		i, rest := off/size, off%size
		at := "[" + strconv.FormatUint(uint64(i), 10) + "]"
		if rest == 0 && typ.Elem() == ft {
			return at
		}
		if r := GoName(typ.Elem(), ft, rest); r != "" {
			if r[0] == '[' {
				return at + r
			}
			return at + "." + r
		}
	}
	return ""
}

// SchemaName is the schema name of a Go field path, as Django names a
// model field: snake case, with the "ID" suffix of a key field dropped
// (AuthorID -> "author", AddedBy -> "added_by", Meta.OwnerID ->
// "meta_owner", Keys[1] -> "keys_1").
func SchemaName(goPath string) string {
	goPath = strings.NewReplacer("[", ".", "]", "").Replace(goPath)
	parts := strings.Split(goPath, ".")
	last := parts[len(parts)-1]
	if t := strings.TrimSuffix(last, "ID"); t != "" && t != last {
		parts[len(parts)-1] = t
	} else if t := strings.TrimSuffix(last, "Id"); t != "" && t != last {
		parts[len(parts)-1] = t
	}
	for i, p := range parts {
		parts[i] = Snake(p)
	}
	return strings.Join(parts, "_")
}

// Snake turns a Go name into snake case: "AddedBy" -> "added_by",
// "HTTPServer" -> "http_server", "SKU" -> "sku".
func Snake(s string) string {
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 {
			prevLower := unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1])
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			if prevLower || (unicode.IsUpper(r[i-1]) && nextLower) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}
