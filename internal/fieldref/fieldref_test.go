package fieldref

import (
	"reflect"
	"testing"
)

type null struct {
	V     int64
	Valid bool
}

type meta struct {
	Note    string
	OwnerID int64
}

type row struct {
	ID       int64
	AuthorID int64
	AddedBy  null
	Meta     meta
	Pair     [2]int64
}

func TestOffsetAndNames(t *testing.T) {
	p := Proto[row]()
	if Proto[row]() != p {
		t.Fatal("Proto returned two rows for one type")
	}
	cases := []struct {
		ptr    any
		goName string
		name   string
	}{
		{&p.AuthorID, "AuthorID", "author"},
		{&p.AddedBy, "AddedBy", "added_by"},
		{&p.Meta.OwnerID, "Meta.OwnerID", "meta_owner"},
		{&p.ID, "ID", "id"},
	}
	for _, c := range cases {
		var off uintptr
		var ok bool
		var ft reflect.Type
		switch f := c.ptr.(type) {
		case *int64:
			off, ok = Offset[row](f)
			ft = reflect.TypeFor[int64]()
		case *null:
			off, ok = Offset[row](f)
			ft = reflect.TypeFor[null]()
		}
		if !ok {
			t.Fatalf("%s: not found in the prototype", c.goName)
		}
		if got := GoName(reflect.TypeFor[row](), ft, off); got != c.goName {
			t.Errorf("GoName = %q, want %q", got, c.goName)
		}
		if got := SchemaName(c.goName); got != c.name {
			t.Errorf("SchemaName(%q) = %q, want %q", c.goName, got, c.name)
		}
	}
	off, ok := Offset[row](&p.Pair[1])
	if got := GoName(reflect.TypeFor[row](), reflect.TypeFor[int64](), off); !ok || got != "Pair[1]" || SchemaName(got) != "pair_1" {
		t.Errorf("an array element is named %q (%q), want Pair[1] (pair_1)", got, SchemaName(got))
	}
	// No field of type bool starts at AuthorID.
	off, _ = Offset[row](&p.AuthorID)
	if got := GoName(reflect.TypeFor[row](), reflect.TypeFor[bool](), off); got != "" {
		t.Errorf("a field of another type was named %q", got)
	}
	var other row
	if _, ok := Offset[row](&other.AuthorID); ok {
		t.Error("a pointer into another row was accepted")
	}
	if _, ok := Offset[row, int64](nil); ok {
		t.Error("nil was accepted")
	}
}

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{
		"AddedBy": "added_by", "HTTPServer": "http_server", "SKU": "sku", "UserID": "user",
		"OrganizationID": "organization", "PriceCents": "price_cents", "V2Key": "v2_key", "Id": "id",
	} {
		if got := SchemaName(in); got != want {
			t.Errorf("SchemaName(%q) = %q, want %q", in, got, want)
		}
	}
}
