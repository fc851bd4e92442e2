package relations

import (
	"reflect"
	"testing"
	"time"

	"github.com/memrel-go/memrel/store"
)

func TestDiagramTypeNames(t *testing.T) {
	for _, c := range []struct {
		typ  reflect.Type
		name string
		null bool
	}{
		{reflect.TypeFor[int64](), "int", false},
		{reflect.TypeFor[uint8](), "int", false},
		{reflect.TypeFor[float32](), "float", false},
		{reflect.TypeFor[bool](), "bool", false},
		{reflect.TypeFor[string](), "string", false},
		{reflect.TypeFor[time.Time](), "time", false},
		{reflect.TypeFor[time.Duration](), "duration", false},
		{reflect.TypeFor[[]byte](), "bytes", false},
		{reflect.TypeFor[[]string](), "list", false},
		{reflect.TypeFor[[2]int](), "array", false},
		{reflect.TypeFor[map[string]int](), "map", false},
		{reflect.TypeFor[struct{ A int }](), "struct", false},
		{reflect.TypeFor[store.Null[int64]](), "int", true},
		{reflect.TypeFor[store.Null[time.Time]](), "time", true},
		{reflect.TypeFor[*string](), "string", true},
	} {
		name, null := typeName(c.typ)
		if name != c.name || null != c.null {
			t.Errorf("%v: %q null %v, want %q null %v", c.typ, name, null, c.name, c.null)
		}
	}
}

func TestDiagramNames(t *testing.T) {
	if got := mermaidIdent("a b.c-d_1"); got != "a_b_c-d_1" {
		t.Errorf("mermaidIdent: %q", got)
	}
	if got := dotText(`<a & "b">`); got != "&lt;a &amp; &quot;b&quot;&gt;" {
		t.Errorf("dotText: %q", got)
	}
	if got := dotID(`a"b\c`); got != `"a\"b\\c"` {
		t.Errorf("dotID: %q", got)
	}
}
