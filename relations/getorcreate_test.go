package relations_test

import (
	"errors"
	"testing"

	"github.com/memrel-go/memrel"
)

type gcTag struct {
	ID     int64
	Site   int64
	Slug   string
	Title  string
	Parent memrel.Null[int64]
}

type gcSiteSlug struct {
	Site int64
	Slug string
}

// get_or_create through a composite unique constraint: the constraint's
// fields are the lookup, the row's other fields the defaults.
func TestUniqueGetOrCreate(t *testing.T) {
	tags := memrel.NewTable("gc_tags", func(x *gcTag) *int64 { return &x.ID })
	bySlug := memrel.UniqueFunc(tags, "gc_site_slug", func(x *gcTag) gcSiteSlug { return gcSiteSlug{x.Site, x.Slug} })
	byTitle := memrel.UniqueFunc(tags, "gc_title", func(x *gcTag) string { return x.Title })
	memrel.Check(tags, "gc_slug_set", func(x *gcTag) bool { return x.Slug != "" })
	memrel.ForeignKey(tags, func(x *gcTag) *memrel.Null[int64] { return &x.Parent }, tags, memrel.SetNull).Related("children")
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{tags}})
	tx := beginTx(t, db)

	goTag, created, err := bySlug.GetOrCreate(tx, gcTag{Site: 1, Slug: "go", Title: "Go"})
	if err != nil || !created || goTag.ID != 1 {
		t.Fatalf("GetOrCreate(1, go) = %+v, %v, %v; want created as 1", goTag, created, err)
	}
	before := tx.Dump()
	got, created, err := bySlug.GetOrCreate(tx, gcTag{Site: 1, Slug: "go", Title: "Golang"})
	if err != nil || created || got != goTag {
		t.Errorf("GetOrCreate(1, go) again = %+v, %v, %v; want %+v, false (defaults ignored)", got, created, err, goTag)
	}
	if tx.Dump() != before {
		t.Errorf("finding the row changed the state")
	}
	other, created, err := bySlug.GetOrCreate(tx, gcTag{Site: 2, Slug: "go", Title: "Go on site 2"})
	if err != nil || !created || other.ID != 2 {
		t.Errorf("GetOrCreate(2, go) = %+v, %v, %v; want created as 2", other, created, err)
	}

	// Refused inserts: another constraint, a check, a missing parent. The
	// transaction is unchanged and usable, and the sequence is not used.
	for _, c := range []struct {
		row  gcTag
		want error
	}{
		{gcTag{Site: 3, Slug: "go", Title: "Go"}, memrel.ErrUnique},
		{gcTag{Site: 3, Slug: "", Title: "Empty"}, memrel.ErrCheck},
		{gcTag{Site: 3, Slug: "kid", Title: "Kid", Parent: memrel.Some[int64](99)}, memrel.ErrForeignKey},
		{gcTag{ID: 1, Site: 3, Slug: "dup", Title: "Dup"}, memrel.ErrExists},
	} {
		err := refused(t, tx, c.want, func() error {
			r, created, err := bySlug.GetOrCreate(tx, c.row)
			if created || r != (gcTag{}) {
				t.Errorf("GetOrCreate(%+v) = %+v, %v; want nothing", c.row, r, created)
			}
			return err
		})
		if c.want == memrel.ErrUnique {
			var ue *memrel.UniqueError
			if !errors.As(err, &ue) || ue.Constraint != "gc_title" {
				t.Errorf("error %v is not gc_title's", err)
			}
		}
	}
	third, created, err := byTitle.GetOrCreate(tx, gcTag{Site: 3, Slug: "rust", Title: "Rust"})
	if err != nil || !created || third.ID != 3 {
		t.Errorf("after the refusals: %+v, %v, %v; want created as 3", third, created, err)
	}
	finishTx(t, db, tx)

	rtx := db.BeginRead()
	defer rtx.Abort()
	if _, _, err := bySlug.GetOrCreate(rtx, gcTag{Site: 1, Slug: "go"}); !errors.Is(err, memrel.ErrReadOnly) {
		t.Errorf("GetOrCreate in a read transaction: %v, want ErrReadOnly", err)
	}
}

// A row that takes no part in the constraint (an empty Null, or outside a
// partial constraint's condition) cannot be found through it: it is
// inserted each time.
func TestUniqueGetOrCreateNoPart(t *testing.T) {
	tags := memrel.NewTable("gcn_tags", func(x *gcTag) *int64 { return &x.ID })
	byParent := memrel.UniqueFunc(tags, "gcn_parent", func(x *gcTag) memrel.Null[int64] { return x.Parent })
	bySlug := memrel.UniqueFunc(tags, "gcn_live_slug", func(x *gcTag) string { return x.Slug }).
		Where(func(x *gcTag) bool { return x.Site > 0 })
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{tags}})
	tx := beginTx(t, db)
	for i := range 2 {
		r, created, err := byParent.GetOrCreate(tx, gcTag{Slug: "s" + string(rune('a'+i))})
		if err != nil || !created {
			t.Errorf("GetOrCreate with an empty value #%d = %+v, %v, %v; want created", i, r, created, err)
		}
	}
	for i := range 2 {
		r, created, err := bySlug.GetOrCreate(tx, gcTag{Slug: "draft", Parent: memrel.Some(int64(i))})
		if err != nil || !created {
			t.Errorf("GetOrCreate outside the condition #%d = %+v, %v, %v; want created", i, r, created, err)
		}
	}
	live, _, err := bySlug.GetOrCreate(tx, gcTag{Site: 1, Slug: "draft", Parent: memrel.Some[int64](7)})
	mustOK(t, err)
	again, created, err := bySlug.GetOrCreate(tx, gcTag{Site: 2, Slug: "draft"})
	if err != nil || created || again != live {
		t.Errorf("GetOrCreate inside the condition = %+v, %v, %v; want %+v", again, created, err, live)
	}
	finishTx(t, db, tx)
}

// A constraint declared without its table reports the schema error.
func TestUniqueGetOrCreateBroken(t *testing.T) {
	tags := memrel.NewTable("gcb_tags", func(x *gcTag) *int64 { return &x.ID })
	db := openDB(t, memrel.Schema{Tables: []memrel.AnyTable{tags}})
	tx := beginTx(t, db)
	broken := memrel.UniqueFunc[gcTag, int64, string](nil, "gcb_slug", nil)
	_, created, err := broken.GetOrCreate(tx, gcTag{Slug: "x"})
	if !errors.Is(err, memrel.ErrSchema) || created || err.Error() != "memrel: unique constraint gcb_slug: the table and the key function are nil (required): invalid schema" {
		t.Errorf("GetOrCreate on a broken constraint = %v, %v", created, err)
	}
}
