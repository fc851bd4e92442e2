package bench

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/memrel-go/memrel"
)

// The correctness tests run every workload at a small size on every system
// and check that all systems refuse the same operations and end with the
// same rows, and that those rows are the ones the workload should leave.

var small = Sizes{Users: 50, Posts: 300, Comments: 3_000, Products: 10,
	Tags: 20, LinksPerPost: 5, Follows: 2_000, Batch: 100}

// open returns a new store of sys, closed at the end of the test.
func open(t *testing.T, sys System) Store {
	t.Helper()
	s, err := sys.New()
	if err != nil {
		t.Fatalf("%s: %v", sys.Name, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func dump(t *testing.T, name string, s Store) Dump {
	t.Helper()
	d, err := s.Dump()
	if err != nil {
		t.Fatalf("%s: dump: %v", name, err)
	}
	return d
}

// sameAcrossSystems runs fn on every system and checks that the values it
// returns are equal to memrel's (the first system's); it returns them.
func sameAcrossSystems[V any](t *testing.T, what string, fn func(t *testing.T, sys System) V) V {
	t.Helper()
	var first V
	for i, sys := range Systems {
		v := fn(t, sys)
		if i == 0 {
			first = v
			continue
		}
		if d, ok := any(v).(Dump); ok {
			if diff := any(first).(Dump).Diff(d); diff != "" {
				t.Errorf("%s: %s differs from %s:\n%s", what, sys.Name, Systems[0].Name, diff)
			}
		} else if !reflect.DeepEqual(first, v) {
			t.Errorf("%s: %s differs from %s:\n%s\nvs\n%s", what, sys.Name, Systems[0].Name, short(v), short(first))
		}
	}
	return first
}

// short prints v, cut to a readable length.
func short(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}

// withRefusals returns W1's data with rows every system must refuse
// inserted among the others.
func withRefusals(d *W1Data) (*W1Data, Outcomes) {
	n := *d
	at := func(s []Outcome, i int, o Outcome) []Outcome { return slices.Insert(s, i, o) }
	want := Outcomes{
		"users":    make([]Outcome, len(d.Users)),
		"posts":    make([]Outcome, len(d.Posts)),
		"comments": make([]Outcome, len(d.Comments)),
	}
	n.Users = slices.Insert(slices.Clone(d.Users), 7,
		User{ID: 1_000_000, Name: d.Users[0].Name}, // name taken
		User{ID: d.Users[1].ID, Name: "another"})   // key taken
	want["users"] = at(at(want["users"], 7, RefusedUnique), 7, RefusedUnique)
	n.Posts = slices.Insert(slices.Clone(d.Posts), 150,
		Post{ID: 1_000_000, AuthorID: 999_999, Title: "no author"},
		Post{ID: d.Posts[3].ID, AuthorID: 1, Title: "key taken"})
	want["posts"] = at(at(want["posts"], 150, RefusedUnique), 150, RefusedForeignKey)
	n.Comments = slices.Insert(slices.Clone(d.Comments), 1_234,
		Comment{ID: 1_000_000, PostID: 999_999, Body: "no post"},
		Comment{ID: 1_000_001, PostID: 1, AuthorID: memrel.Some[int64](999_999), Body: "no author"},
		Comment{ID: d.Comments[0].ID, PostID: 1, Body: "key taken"})
	want["comments"] = slices.Insert(want["comments"], 1_234, RefusedForeignKey, RefusedForeignKey, RefusedUnique)
	return &n, want
}

func TestW1Insert(t *testing.T) {
	d := GenW1(small)
	bad, wantOutcomes := withRefusals(d)
	want := NewDumpBuilder()
	for _, r := range d.Users {
		want.User(r)
	}
	for _, r := range d.Posts {
		want.Post(r)
	}
	for _, r := range d.Comments {
		want.Comment(r)
	}
	wantDump := want.Done()
	sameAcrossSystems(t, "W1", func(t *testing.T, sys System) Dump {
		s := open(t, sys)
		o, err := RunW1(s, bad, small.Batch)
		if err != nil {
			t.Fatalf("%s: %v", sys.Name, err)
		}
		if !reflect.DeepEqual(o, wantOutcomes) {
			t.Errorf("%s: outcomes differ from the expected ones (%d refused, want %d)", sys.Name, o.Refused(), wantOutcomes.Refused())
		}
		got := dump(t, sys.Name, s)
		if diff := wantDump.Diff(got); diff != "" {
			t.Errorf("%s: W1 left other rows than its data:\n%s", sys.Name, diff)
		}
		return got
	})
}

// smallBase returns a store of sys holding the small base (W1 and the shop).
func smallBase(t *testing.T, sys System) Store {
	t.Helper()
	s := open(t, sys)
	if err := BuildBase(s, GenW1(small), GenShop(small), small.Batch); err != nil {
		t.Fatalf("%s: base: %v", sys.Name, err)
	}
	return s
}

func TestW2CommentsOf(t *testing.T) {
	d := GenW1(small)
	keys := RandomKeys(40, small.Posts, 2)
	want := make([][]Comment, len(keys))
	for i, k := range keys {
		for _, c := range d.Comments {
			if c.PostID == k {
				want[i] = append(want[i], c)
			}
		}
	}
	sameAcrossSystems(t, "W2", func(t *testing.T, sys System) [][]Comment {
		s := smallBase(t, sys)
		got := make([][]Comment, len(keys))
		for i, k := range keys {
			cs, err := s.CommentsOf(k, nil)
			if err != nil {
				t.Fatalf("%s: %v", sys.Name, err)
			}
			got[i] = cs
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the comments of a post are not the data's, in key order", sys.Name)
		}
		return got
	})
}

func TestW3Delete(t *testing.T) {
	for _, size := range [][2]int{{3, 4}, {30, 10}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			type result struct{ Deleted, Restored Dump }
			sameAcrossSystems(t, "W3", func(t *testing.T, sys System) result {
				s := smallBase(t, sys)
				before := dump(t, sys.Name, s)
				w := NewW3Gen(small).Next(size[0], size[1])
				if err := w.Setup(s, small.Batch); err != nil {
					t.Fatalf("%s: %v", sys.Name, err)
				}
				o, err := s.DeleteUser(w.User.ID)
				if err != nil || o != OK {
					t.Fatalf("%s: delete: %v, %v", sys.Name, o, err)
				}
				deleted := dump(t, sys.Name, s)
				// The delete removed exactly what W3 added, except the
				// authored comments, now without an author.
				want := NewDumpBuilder()
				for table, rows := range before {
					want.d[table] = slices.Clone(rows)
				}
				for _, c := range w.Authored {
					c.AuthorID = memrel.None[int64]()
					want.Comment(c)
				}
				if diff := want.Done().Diff(deleted); diff != "" {
					t.Errorf("%s: after the delete:\n%s", sys.Name, diff)
				}
				if err := w.Cleanup(s); err != nil {
					t.Fatalf("%s: cleanup: %v", sys.Name, err)
				}
				restored := dump(t, sys.Name, s)
				if diff := before.Diff(restored); diff != "" {
					t.Errorf("%s: cleanup did not restore the base:\n%s", sys.Name, diff)
				}
				return result{deleted, restored}
			})
		})
	}
}

func TestW4Links(t *testing.T) {
	d, w4 := GenW1(small), GenW4(small)
	links := slices.Insert(slices.Clone(w4.Links), 333, PostTag{1, 999_999}, PostTag{999_999, 1})
	sameAcrossSystems(t, "W4", func(t *testing.T, sys System) Dump {
		s := open(t, sys)
		if _, err := RunW1(s, &W1Data{Users: d.Users, Posts: d.Posts}, small.Batch); err != nil {
			t.Fatal(err)
		}
		out := make([]Outcome, len(w4.Tags))
		if err := s.InsertTags(w4.Tags, out); err != nil {
			t.Fatal(err)
		}
		o, err := RunW4(s, &W4Data{Links: links}, small.Batch)
		if err != nil {
			t.Fatalf("%s: %v", sys.Name, err)
		}
		if o["post_tags"][333] != RefusedForeignKey || o["post_tags"][334] != RefusedForeignKey || o.Refused() != 2 {
			t.Errorf("%s: %d links refused, want exactly the 2 with a missing side", sys.Name, o.Refused())
		}
		got := dump(t, sys.Name, s)
		if n, want := len(got["post_tags"]), small.Posts*small.LinksPerPost; n != want {
			t.Errorf("%s: %d links stored, want %d", sys.Name, n, want)
		}
		return got
	})
}

func TestW5RefusedDelete(t *testing.T) {
	sameAcrossSystems(t, "W5", func(t *testing.T, sys System) []Outcome {
		s := smallBase(t, sys)
		before := dump(t, sys.Name, s)
		var got []Outcome
		for _, k := range RandomKeys(10, small.Users, 5) {
			o, err := s.DeleteUser(k)
			if err != nil {
				t.Fatalf("%s: %v", sys.Name, err)
			}
			if o != RefusedRestrict {
				t.Errorf("%s: deleting user %d, who has an order: %v, want refused (restrict)", sys.Name, k, o)
			}
			got = append(got, o)
		}
		o, err := s.DeleteUser(999_999)
		if err != nil || o != RefusedNotFound {
			t.Errorf("%s: deleting a missing user: %v, %v", sys.Name, o, err)
		}
		if diff := before.Diff(dump(t, sys.Name, s)); diff != "" {
			t.Errorf("%s: a refused delete changed the store:\n%s", sys.Name, diff)
		}
		return append(got, o)
	})
}

func TestW6Follows(t *testing.T) {
	d, follows := GenW1(small), GenW6(small)
	follows = append(follows, Follow{1, 999_999})
	type result struct {
		Outcomes Outcomes
		Dump     Dump
	}
	sameAcrossSystems(t, "W6", func(t *testing.T, sys System) result {
		s := open(t, sys)
		if _, err := RunW1(s, &W1Data{Users: d.Users}, small.Batch); err != nil {
			t.Fatal(err)
		}
		o, err := RunW6(s, follows, small.Batch)
		if err != nil {
			t.Fatalf("%s: %v", sys.Name, err)
		}
		counts := map[Outcome]int{}
		for _, x := range o["follows"] {
			counts[x]++
		}
		want := map[Outcome]int{OK: small.Follows * 98 / 100, RefusedCheck: small.Follows / 100,
			RefusedUnique: small.Follows / 100, RefusedForeignKey: 1}
		if !reflect.DeepEqual(counts, want) {
			t.Errorf("%s: outcomes %v, want %v", sys.Name, counts, want)
		}
		got := dump(t, sys.Name, s)
		if n := len(got["follows"]); n != counts[OK] {
			t.Errorf("%s: %d follows stored, %d accepted", sys.Name, n, counts[OK])
		}
		return result{o, got}
	})
}

func TestW7Fixture(t *testing.T) {
	seed := GenW7()
	if n := seed.Rows(); n != 315 {
		t.Fatalf("the seed has %d rows, want 315", n)
	}
	sameAcrossSystems(t, "W7", func(t *testing.T, sys System) Dump {
		tmpl := open(t, sys)
		if err := SeedW7(tmpl, seed); err != nil {
			t.Fatalf("%s: %v", sys.Name, err)
		}
		before := dump(t, sys.Name, tmpl)
		var first Dump
		for i := range 2 { // a second fork starts from the template again
			f, err := tmpl.Fork()
			if err != nil {
				t.Fatalf("%s: fork: %v", sys.Name, err)
			}
			if diff := before.Diff(dump(t, sys.Name, f)); diff != "" {
				t.Fatalf("%s: the fork differs from its template:\n%s", sys.Name, diff)
			}
			if err := RunW7Writes(f); err != nil {
				t.Fatalf("%s: %v", sys.Name, err)
			}
			got := dump(t, sys.Name, f)
			if i == 0 {
				first = got
			} else if diff := first.Diff(got); diff != "" {
				t.Errorf("%s: the second fork ended elsewhere:\n%s", sys.Name, diff)
			}
		}
		if diff := before.Diff(dump(t, sys.Name, tmpl)); diff != "" {
			t.Errorf("%s: writing a fork changed the template:\n%s", sys.Name, diff)
		}
		// 10 writes: +1 user, +2 posts, +3 comments, +1 link, +1 follow,
		// +1 item; the delete: -1 user, -2 posts, -4 comments, -2 links,
		// -3 follows, 5 comments without an author.
		want := map[string]int{"users": 20, "posts": 50, "comments": 99, "tags": 5, "post_tags": 49,
			"follows": 18, "products": 10, "orders": 20, "items": 41}
		if c := first.Count(); !reflect.DeepEqual(c, want) {
			t.Errorf("%s: rows per table %v, want %v", sys.Name, c, want)
		}
		nulls := 0
		for _, c := range first["comments"] {
			if slices.Contains([]string{"000000000005", "000000000006", "000000000007", "000000000008", "000000000009"}, c[:12]) {
				if c[26:30] != "NULL" {
					t.Errorf("%s: comment %s keeps its deleted author", sys.Name, c)
				}
				nulls++
			}
		}
		if nulls != 5 {
			t.Errorf("%s: %d of the victim's 5 comments on other posts remain", sys.Name, nulls)
		}
		return first
	})
}

func TestW8Load(t *testing.T) {
	d := GenW1(small)
	perPost := map[int64]int{}
	for _, c := range d.Comments {
		perPost[c.PostID]++
	}
	sets := W8Sets(small, 3, 100)
	sameAcrossSystems(t, "W8", func(t *testing.T, sys System) [][]PostView {
		s := smallBase(t, sys)
		var got [][]PostView
		for _, set := range sets {
			vs, err := s.LoadPosts(set, nil)
			if err != nil {
				t.Fatalf("%s: %v", sys.Name, err)
			}
			if len(vs) != len(set) {
				t.Fatalf("%s: %d views for %d posts", sys.Name, len(vs), len(set))
			}
			for i, v := range vs {
				if v.Post != d.Posts[set[i]-1] || v.Author != d.Users[v.Post.AuthorID-1] {
					t.Errorf("%s: post %d: %+v, %+v", sys.Name, set[i], v.Post, v.Author)
				}
				for _, c := range v.Comments {
					if c.Comment != d.Comments[c.Comment.ID-1] || c.HasAuthor != c.Comment.AuthorID.Valid ||
						c.HasAuthor && c.Author != d.Users[c.Comment.AuthorID.V-1] {
						t.Errorf("%s: post %d: comment %+v", sys.Name, set[i], c)
					}
				}
				if len(v.Comments) != perPost[v.Post.ID] {
					t.Errorf("%s: post %d: %d comments, want %d", sys.Name, v.Post.ID, len(v.Comments), perPost[v.Post.ID])
				}
				if len(v.Comments) == 0 {
					vs[i].Comments = nil // one spelling of "none" for the comparison
				}
			}
			got = append(got, vs)
		}
		return got
	})
}
