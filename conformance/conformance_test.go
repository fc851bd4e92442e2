package conformance

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	flagSeed      = flag.Int64("seed", 0, "replay the sequence of this seed only (or CONFORMANCE_SEED)")
	flagSequences = flag.Int("sequences", 1000, "number of sequences")
	flagOps       = flag.Int("ops", 100, "operations per sequence")
	flagBase      = flag.Int64("base", 1, "seed of the first sequence")
	flagRepros    = flag.Int("repros", 1, "shrunk reproductions printed per kind of divergence")
)

// TestConformance plays the budget of sequences on memrel, SQLite and the
// reference model, and fails on every unexplained divergence, printing a
// shrunk reproduction of each kind with its seed.
func TestConformance(t *testing.T) {
	first, n := *flagBase, *flagSequences
	if v := os.Getenv("CONFORMANCE_SEED"); v != "" && *flagSeed == 0 {
		s, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("CONFORMANCE_SEED: %v", err)
		}
		*flagSeed = s
	}
	seedGiven := *flagSeed != 0
	if seedGiven {
		first, n = *flagSeed, 1
	}
	start := time.Now()
	st := &Stats{}
	for i := range int64(n) {
		if err := Sequence(first+i, *flagOps, st); err != nil {
			t.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	explained, unexplained := map[string][]Divergence{}, map[string][]Divergence{}
	nExp, nUnexp := 0, 0
	for _, d := range st.Divergences {
		key := d.Oracle + ": " + d.Signature
		if d.Explained != "" {
			explained[key] = append(explained[key], d)
			nExp++
		} else {
			unexplained[key] = append(unexplained[key], d)
			nUnexp++
		}
	}
	t.Logf("%d schemas, %d sequences, %d operations and %d commits (%d also compared with SQLite, %d Protect or Restrict refusals that SQLite must refuse too, %d that SQLite cannot judge) in %v",
		st.Schemas, st.Sequences, st.Ops, st.Commits, st.SQLiteOps, st.SQLiteRefusals, st.SQLiteSkipped, elapsed.Round(time.Millisecond))
	var kinds []string
	for _, k := range slices.Sorted(maps.Keys(st.OutcomeKinds)) {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, st.OutcomeKinds[k]))
	}
	t.Logf("outcomes (reference model): %s", strings.Join(kinds, ", "))
	t.Logf("divergences: %d explained, %d unexplained (%d sequences cut short by a memrel divergence)", nExp, nUnexp, st.MemrelStopped)
	for _, k := range slices.Sorted(maps.Keys(explained)) {
		ds := explained[k]
		t.Logf("explained: %dx %s (first seed %d): %s", len(ds), k, ds[0].Seed, ds[0].Explained)
		if seedGiven {
			t.Logf("%s", Repro(ds[0]))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(unexplained)) {
		ds := unexplained[k]
		var seeds []string
		for i, d := range ds {
			if i == 8 {
				seeds = append(seeds, "...")
				break
			}
			seeds = append(seeds, strconv.FormatInt(d.Seed, 10))
		}
		replay := fmt.Sprintf("go test -run TestConformance . -seed %d", ds[0].Seed)
		if *flagOps != 100 {
			replay += fmt.Sprintf(" -ops %d", *flagOps)
		}
		msg := fmt.Sprintf("UNEXPLAINED %dx %s (seeds %s; replay: %s)\n", len(ds), k, strings.Join(seeds, " "), replay)
		for i := range min(*flagRepros, len(ds)) {
			if ds[i].Ops == nil {
				msg += ds[i].Detail + "\n"
				continue
			}
			msg += Repro(ds[i])
		}
		t.Error(msg)
	}
}
