package store_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/memrel-go/memrel/store"
)

type jsonRow struct {
	ID       int64
	AuthorID store.Null[int64]           `json:"author_id"`
	Closed   store.Null[time.Time]       `json:"closed,omitempty"`
	Tags     store.Null[[]string]        `json:"tags"`
	Nested   store.Null[struct{ A int }] `json:"nested"`
}

// A Null is null or its bare value in JSON, both ways, so rows with
// nullable fields round-trip through fixture files.
func TestNullJSON(t *testing.T) {
	closed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	row := jsonRow{ID: 1, AuthorID: store.Some[int64](7), Closed: store.Some(closed),
		Tags: store.Some([]string{"a"}), Nested: store.Some(struct{ A int }{2})}
	b, err := json.Marshal(row)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"ID":1,"author_id":7,"closed":"2026-01-02T03:04:05Z","tags":["a"],"nested":{"A":2}}`
	if string(b) != want {
		t.Fatalf("Marshal = %s\nwant     %s", b, want)
	}
	var back jsonRow
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.AuthorID != row.AuthorID || !back.Closed.V.Equal(closed) || !back.Closed.Valid ||
		len(back.Tags.V) != 1 || back.Nested != row.Nested {
		t.Fatalf("round trip = %+v, want %+v", back, row)
	}

	empty := jsonRow{ID: 2}
	b, err = json.Marshal(empty)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"ID":2,"author_id":null,"closed":null,"tags":null,"nested":null}`; string(b) != want {
		t.Fatalf("Marshal of empty values = %s\nwant %s", b, want)
	}
	// null, a missing field and a present value decode as they read.
	var got jsonRow
	got.AuthorID = store.Some[int64](99) // null must empty it
	if err := json.Unmarshal([]byte(`{"author_id": null, "tags": ["x", "y"]}`), &got); err != nil {
		t.Fatal(err)
	}
	if got.AuthorID.Valid || got.Closed.Valid || !got.Tags.Valid || len(got.Tags.V) != 2 {
		t.Fatalf("decoded %+v", got)
	}
	// A value of the wrong type is an error, not an empty Null.
	if err := json.Unmarshal([]byte(`{"author_id": "seven"}`), &got); err == nil {
		t.Fatal("a string decoded into a Null[int64]")
	}
}
