// Package offset finds the field of a row that an accessor points at, so
// that memrel can read and write it by offset without calling user code
// again (which could otherwise be handed a stored row).
package offset

import "unsafe"

// Of calls ref once on a zero row and returns the offset of the field
// it points at: false if it points outside the row, returns nil, or panics.
func Of[T, F any](ref func(*T) *F) (off uintptr, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	row := new(T)
	f := ref(row)
	base, at := uintptr(unsafe.Pointer(row)), uintptr(unsafe.Pointer(f))
	if f == nil || at < base || at+unsafe.Sizeof(*f) > base+unsafe.Sizeof(*row) {
		return 0, false
	}
	return at - base, true
}

// At is the field at off in row, as a *F.
func At[F, T any](row *T, off uintptr) *F {
	return (*F)(unsafe.Add(unsafe.Pointer(row), off))
}
