package offset

import "testing"

type row struct {
	A int32
	B [2]int64
	C string
}

var outside int64

func TestOf(t *testing.T) {
	off, ok := Of(func(r *row) *int64 { return &r.B[1] })
	if !ok {
		t.Fatal("a field of the row was refused")
	}
	r := row{B: [2]int64{3, 4}}
	if got := *At[int64](&r, off); got != 4 {
		t.Fatalf("At = %d, want 4", got)
	}
	*At[int64](&r, off) = 9
	if r.B[1] != 9 {
		t.Fatalf("write through At reached %+v", r)
	}
	for name, ref := range map[string]func(*row) *int64{
		"outside": func(*row) *int64 { return &outside },
		"nil":     func(*row) *int64 { return nil },
		"panics":  func(*row) *int64 { panic("no") },
	} {
		if _, ok := Of(ref); ok {
			t.Errorf("%s: accepted", name)
		}
	}
}
