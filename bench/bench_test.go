package bench

import (
	"runtime"
	"sync"
	"testing"
)

// The benchmarks: one per workload, one sub-benchmark per system
// ("BenchmarkW1/system=memrel"). Whole-workload benchmarks (W1, W4, W6)
// run one untimed warm-up load, then time the whole load into a fresh store
// and report the cost per row or attempt. Per-op benchmarks (W2, W3, W5, W8)
// run against the base store (W1 and the shop), built once per system per
// process, untimed; W7 against a 315-row template. cmd/benchtable runs them
// interleaved and tabulates the medians.

// The benchmarks are declared in the order they run: the whole loads first,
// before any base store is on the heap.

func forSystems(b *testing.B, fn func(b *testing.B, sys System)) {
	for _, sys := range Systems {
		b.Run("system="+sys.Name, func(b *testing.B) { fn(b, sys) })
	}
}

var (
	dataOnce sync.Once
	w1Data   *W1Data
	shopData *ShopData
	w4Data   *W4Data
	w6Data   []Follow
)

func data() {
	dataOnce.Do(func() {
		w1Data, shopData, w4Data, w6Data = GenW1(Full), GenShop(Full), GenW4(Full), GenW6(Full)
	})
}

func newStore(b *testing.B, sys System) Store {
	b.Helper()
	s, err := sys.New()
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// memCounter accumulates the Go heap allocations of timed sections.
type memCounter struct{ bytes, allocs uint64 }

func (c *memCounter) around(b *testing.B, fn func()) {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	b.StartTimer()
	fn()
	b.StopTimer()
	runtime.ReadMemStats(&m1)
	c.bytes += m1.TotalAlloc - m0.TotalAlloc
	c.allocs += m1.Mallocs - m0.Mallocs
}

// benchLoad times run on a fresh store prepared by setup (untimed), and
// reports per unit (rows or attempts, units per run): ns, B and allocs. If
// live, it also reports the bytes per unit the last store keeps.
func benchLoad(b *testing.B, sys System, unit string, units, wantRefused int, live bool,
	setup func(Store) error, run func(Store) (Outcomes, error)) {
	b.StopTimer()
	once := func(timed bool, c *memCounter) Store {
		s := newStore(b, sys)
		if err := setup(s); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var o Outcomes
		var err error
		if timed {
			c.around(b, func() { o, err = run(s) })
		} else {
			o, err = run(s)
		}
		if err != nil {
			b.Fatal(err)
		}
		if n := o.Refused(); n != wantRefused {
			b.Fatalf("%d refused, want %d", n, wantRefused)
		}
		return s
	}
	once(false, nil).Close() // warm-up
	var c memCounter
	b.ResetTimer()
	b.StopTimer()
	var s Store
	for i := 0; i < b.N; i++ {
		if s != nil {
			s.Close()
		}
		s = once(true, &c)
	}
	n := float64(b.N) * float64(units)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/"+unit)
	b.ReportMetric(float64(c.bytes)/n, "B/"+unit)
	b.ReportMetric(float64(c.allocs)/n, "allocs/"+unit)
	if live {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		with := m.HeapAlloc
		outside, err := s.MemoryOutsideGoHeap()
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
		s = nil
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&m)
		b.ReportMetric((float64(with)-float64(m.HeapAlloc)+float64(outside))/float64(units), "liveB/"+unit)
	} else {
		s.Close()
	}
}

// BenchmarkW1 inserts 1,000 users, 10,000 posts and 100,000 comments
// (two foreign keys, one nullable), 1,000 rows per transaction.
func BenchmarkW1(b *testing.B) {
	data()
	forSystems(b, func(b *testing.B, sys System) {
		benchLoad(b, sys, "row", w1Data.Rows(), 0, true,
			func(Store) error { return nil },
			func(s Store) (Outcomes, error) { return RunW1(s, w1Data, Full.Batch) })
	})
}

// BenchmarkW4 makes 55,000 link attempts (50,000 distinct pairs in post
// order, 5,000 duplicates), 1,000 per transaction, users, posts and tags
// being there.
func BenchmarkW4(b *testing.B) {
	data()
	forSystems(b, func(b *testing.B, sys System) {
		benchLoad(b, sys, "attempt", len(w4Data.Links), 0, false,
			func(s Store) error {
				if _, err := RunW1(s, &W1Data{Users: w1Data.Users, Posts: w1Data.Posts}, Full.Batch); err != nil {
					return err
				}
				return s.InsertTags(w4Data.Tags, make([]Outcome, len(w4Data.Tags)))
			},
			func(s Store) (Outcomes, error) { return RunW4(s, w4Data, Full.Batch) })
	})
}

// BenchmarkW6 makes 100,000 follow attempts among 1,000 users (1,000
// self-follows and 1,000 duplicates refused), 1,000 per transaction.
func BenchmarkW6(b *testing.B) {
	data()
	forSystems(b, func(b *testing.B, sys System) {
		benchLoad(b, sys, "attempt", len(w6Data), len(w6Data)/50, false,
			func(s Store) error {
				_, err := RunW1(s, &W1Data{Users: w1Data.Users}, Full.Batch)
				return err
			},
			func(s Store) (Outcomes, error) { return RunW6(s, w6Data, Full.Batch) })
	})
}

// The base stores, one per system, built on first use and kept for the
// process (the per-op workloads leave them as they found them).
var bases = map[string]*baseStore{}

type baseStore struct {
	s  Store
	w3 *W3Gen
}

func base(b *testing.B, sys System) *baseStore {
	b.Helper()
	if x, ok := bases[sys.Name]; ok {
		return x
	}
	data()
	b.StopTimer()
	s := newStore(b, sys)
	if err := BuildBase(s, w1Data, shopData, Full.Batch); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	b.StartTimer()
	x := &baseStore{s, NewW3Gen(Full)}
	bases[sys.Name] = x
	return x
}

// BenchmarkW2 reads the comments of a random post (10 on average).
func BenchmarkW2(b *testing.B) {
	keys := RandomKeys(4096, Full.Posts, 22)
	forSystems(b, func(b *testing.B, sys System) {
		s := base(b, sys).s
		buf := make([]Comment, 0, 64)
		rows := 0
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			var err error
			buf, err = s.CommentsOf(keys[i%len(keys)], buf[:0])
			if err != nil {
				b.Fatal(err)
			}
			rows += len(buf)
		}
		b.ReportMetric(float64(rows)/float64(b.N), "rows/op")
	})
}

// benchW3 deletes a user owning p posts of c comments by others, whose 10
// comments on another post lose their author; setup and cleanup untimed.
func benchW3(b *testing.B, p, c int) {
	forSystems(b, func(b *testing.B, sys System) {
		x := base(b, sys)
		var mem memCounter
		rows := 0
		b.ResetTimer()
		b.StopTimer()
		for i := 0; i < b.N; i++ {
			w := x.w3.Next(p, c)
			if err := w.Setup(x.s, Full.Batch); err != nil {
				b.Fatal(err)
			}
			if w.Removed() >= 1000 {
				// A large setup leaves garbage whose collection would
				// land inside the timed delete, at random; a small one
				// costs less than one collection of the base store.
				runtime.GC()
			}
			var o Outcome
			var err error
			mem.around(b, func() { o, err = x.s.DeleteUser(w.User.ID) })
			if err != nil || o != OK {
				b.Fatalf("delete: %v, %v", o, err)
			}
			rows += w.Removed()
			if err := w.Cleanup(x.s); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(rows), "ns/row")
		b.ReportMetric(float64(mem.bytes)/float64(b.N), "B/op")
		b.ReportMetric(float64(mem.allocs)/float64(b.N), "allocs/op")
	})
}

// BenchmarkW3_10x10 deletes 111 rows and sets 10 NULL.
func BenchmarkW3_10x10(b *testing.B) { benchW3(b, 10, 10) }

// BenchmarkW3_1000x10 deletes 11,001 rows and sets 10 NULL.
func BenchmarkW3_1000x10(b *testing.B) { benchW3(b, 1000, 10) }

// BenchmarkW5 tries to delete a random user who has an order (Restrict):
// refused, nothing changes.
func BenchmarkW5(b *testing.B) {
	keys := RandomKeys(4096, Full.Users, 55)
	forSystems(b, func(b *testing.B, sys System) {
		s := base(b, sys).s
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			o, err := s.DeleteUser(keys[i%len(keys)])
			if err != nil || o != RefusedRestrict {
				b.Fatalf("%v, %v", o, err)
			}
		}
	})
}

// BenchmarkW8 loads 100 random posts with their authors, their comments
// (about 1,000) and the comments' authors.
func BenchmarkW8(b *testing.B) {
	sets := W8Sets(Full, 64, 100)
	forSystems(b, func(b *testing.B, sys System) {
		s := base(b, sys).s
		buf := make([]PostView, 0, 100)
		comments := 0
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			var err error
			buf, err = s.LoadPosts(sets[i%len(sets)], buf[:0])
			if err != nil {
				b.Fatal(err)
			}
			for _, v := range buf {
				comments += len(v.Comments)
			}
		}
		b.ReportMetric(float64(comments)/float64(b.N), "comments/op")
	})
}

// The W7 templates, one per system, built on first use.
var templates = map[string]Store{}

func template(b *testing.B, sys System) Store {
	b.Helper()
	if t, ok := templates[sys.Name]; ok {
		return t
	}
	b.StopTimer()
	// A per-test fixture lives in a small heap: the base store of the
	// per-op workloads (150 MB of Go heap for the Go systems, none for
	// SQLite) would make every fork's garbage cost more to collect.
	if x, ok := bases[sys.Name]; ok {
		x.s.Close()
		delete(bases, sys.Name)
		runtime.GC()
	}
	t := newStore(b, sys)
	if err := SeedW7(t, GenW7()); err != nil {
		b.Fatal(err)
	}
	if _, err := t.Fork(); err != nil { // a first fork may prepare (SQLite serializes)
		b.Fatal(err)
	}
	b.StartTimer()
	templates[sys.Name] = t
	return t
}

// BenchmarkW7 forks the 315-row template, makes 10 writes (one a cascade
// delete), and discards the fork.
func BenchmarkW7(b *testing.B) {
	forSystems(b, func(b *testing.B, sys System) {
		t := template(b, sys)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			f, err := t.Fork()
			if err != nil {
				b.Fatal(err)
			}
			if err := RunW7Writes(f); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkW7Fork forks the template alone.
func BenchmarkW7Fork(b *testing.B) {
	forSystems(b, func(b *testing.B, sys System) {
		t := template(b, sys)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := t.Fork(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkW7ForkVariants measures the ways to copy a SQLite template that
// each driver offers, to pick the fastest for W7.
func BenchmarkW7ForkVariants(b *testing.B) {
	for _, v := range []struct {
		name    string
		drv     *sqliteDriver
		restore func(src, dst *sqliteStore) error
	}{
		{"driver=mattn/way=backup", mattnDriver, mattnBackup},
		{"driver=mattn/way=deserialize", mattnDriver, mattnDeserialize},
		{"driver=modernc/way=deserialize", modernDriver, moderncDeserialize},
	} {
		b.Run(v.name, func(b *testing.B) {
			b.StopTimer()
			tmpl, err := openSQLite(&sqliteDriver{name: v.drv.name, restore: v.restore})
			if err != nil {
				b.Fatal(err)
			}
			defer tmpl.Close()
			if err := SeedW7(tmpl, GenW7()); err != nil {
				b.Fatal(err)
			}
			if _, err := tmpl.Fork(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.StartTimer()
			for i := 0; i < b.N; i++ {
				if _, err := tmpl.Fork(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
