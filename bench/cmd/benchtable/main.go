// Command benchtable runs the benchmarks of package bench interleaved and
// prints a markdown table of medians and ratios. Run it inside bench/:
//
//	go run ./cmd/benchtable -passes 5
//
// It compiles the test binary once, then runs passes: each pass runs every
// system once over every workload (one process per system, the systems in
// a rotated order from pass to pass, so none always runs first or in the
// wake of another's heap). Each process builds its own base store, so a
// system's benchmarks never share the heap with another system's data.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

var systems = []string{"memrel", "memdb", "sqlite-mattn", "sqlite-modernc", "maps"}

func main() {
	passes := flag.Int("passes", 5, "interleaved passes (the table shows medians)")
	benchtime := flag.String("benchtime", "300ms", "-test.benchtime of each process")
	bench := flag.String("bench", ".", "regexp of the benchmarks to run (first level)")
	raw := flag.String("raw", "", "also write the raw benchmark output to this file")
	flag.Parse()
	if err := run(*passes, *benchtime, *bench, *raw); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

// results[benchmark][system][unit] holds one value per pass.
type results map[string]map[string]map[string][]float64

func run(passes int, benchtime, bench, rawPath string) error {
	dir, err := os.MkdirTemp("", "benchtable")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bench.test")
	build := exec.Command("go", "test", "-c", "-o", bin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building the test binary: %w", err)
	}
	var rawOut io.Writer = io.Discard
	if rawPath != "" {
		f, err := os.Create(rawPath)
		if err != nil {
			return err
		}
		defer f.Close()
		rawOut = f
	}
	res := results{}
	start := time.Now()
	for p := range passes {
		for i := range systems {
			sys := systems[(i+p)%len(systems)]
			fmt.Fprintf(os.Stderr, "pass %d/%d: %s (%s elapsed)\n", p+1, passes, sys, time.Since(start).Round(time.Second))
			cmd := exec.Command(bin, "-test.run", "^$", "-test.bench", "("+bench+")/system="+regexp.QuoteMeta(sys)+"$",
				"-test.benchtime", benchtime, "-test.benchmem", "-test.count", "1")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = io.MultiWriter(&out, rawOut), os.Stderr
			if err := cmd.Run(); err != nil {
				os.Stderr.Write(out.Bytes())
				return fmt.Errorf("pass %d, %s: %w", p+1, sys, err)
			}
			parse(&out, res)
		}
	}
	fmt.Fprintf(os.Stderr, "done in %s\n", time.Since(start).Round(time.Second))
	printTable(os.Stdout, res, passes, benchtime, bench)
	return nil
}

var suffix = regexp.MustCompile(`-\d+$`)

// parse reads benchmark lines: name, iterations, then value-unit pairs.
func parse(r io.Reader, res results) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := suffix.ReplaceAllString(f[0], "")
		bench, sys, ok := strings.Cut(name, "/system=")
		if !ok {
			continue
		}
		bench = strings.TrimPrefix(bench, "Benchmark")
		if res[bench] == nil {
			res[bench] = map[string]map[string][]float64{}
		}
		if res[bench][sys] == nil {
			res[bench][sys] = map[string][]float64{}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err == nil {
				res[bench][sys][f[i+1]] = append(res[bench][sys][f[i+1]], v)
			}
		}
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// spread is the largest distance of a pass from the median, in percent.
func spread(v []float64) float64 {
	m, d := median(v), 0.0
	for _, x := range v {
		d = max(d, math.Abs(x-m)/m*100)
	}
	return d
}

// rows of the table: label, benchmark, unit.
var rows = []struct{ label, bench, unit string }{
	{"W1 insert, ns/row", "W1", "ns/row"},
	{"W2 comments of a post, ns/op", "W2", "ns/op"},
	{"W3 cascade 10x10, ns/op", "W3_10x10", "ns/op"},
	{"W3 cascade 10x10, ns/row removed", "W3_10x10", "ns/row"},
	{"W3 cascade 1000x10, ns/op", "W3_1000x10", "ns/op"},
	{"W3 cascade 1000x10, ns/row removed", "W3_1000x10", "ns/row"},
	{"W4 m2m links, ns/attempt", "W4", "ns/attempt"},
	{"W5 refused delete, ns/op", "W5", "ns/op"},
	{"W6 follows, ns/attempt", "W6", "ns/attempt"},
	{"W7 fixture (fork + 10 writes), ns/op", "W7", "ns/op"},
	{"W7 fork alone, ns/op", "W7Fork", "ns/op"},
	{"W8 eager load, ns/op", "W8", "ns/op"},
	{"memory after W1, B/row", "W1", "liveB/row"},
}

var memRows = []struct{ label, bench, bytes, allocs string }{
	{"W1, per row", "W1", "B/row", "allocs/row"},
	{"W2, per op", "W2", "B/op", "allocs/op"},
	{"W3 10x10, per op", "W3_10x10", "B/op", "allocs/op"},
	{"W3 1000x10, per op", "W3_1000x10", "B/op", "allocs/op"},
	{"W4, per attempt", "W4", "B/attempt", "allocs/attempt"},
	{"W5, per op", "W5", "B/op", "allocs/op"},
	{"W6, per attempt", "W6", "B/attempt", "allocs/attempt"},
	{"W7, per op", "W7", "B/op", "allocs/op"},
	{"W7 fork, per op", "W7Fork", "B/op", "allocs/op"},
	{"W8, per op", "W8", "B/op", "allocs/op"},
}

func num(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	var s string
	switch {
	case v >= 100:
		s = strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	case v >= 10:
		s = strconv.FormatFloat(v, 'f', 1, 64)
	default:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	}
	// thousands separators
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}

func ratio(a, b float64) string {
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return "-"
	}
	r := a / b
	switch {
	case r >= 100:
		return fmt.Sprintf("%.0fx", r)
	case r >= 10:
		return fmt.Sprintf("%.1fx", r)
	case r >= 0.01:
		return fmt.Sprintf("%.2fx", r)
	}
	return fmt.Sprintf("%.4fx", r)
}

func printTable(w io.Writer, res results, passes int, benchtime, bench string) {
	get := func(b, sys, unit string) []float64 { return res[b][sys][unit] }
	fmt.Fprintf(w, "Medians of %d interleaved passes (±: the largest distance of a pass from the median). "+
		"%s, GOMAXPROCS=%d, `go run ./cmd/benchtable -passes %d -benchtime %s -bench '%s'`.\n\n",
		passes, runtime.Version(), runtime.GOMAXPROCS(0), passes, benchtime, bench)
	fmt.Fprintf(w, "| workload | %s | memrel / memdb | memrel / mattn | memrel / modernc | memrel / maps |\n",
		strings.Join(systems, " | "))
	fmt.Fprintf(w, "|---|%s---:|---:|---:|---:|\n", strings.Repeat("---:|", len(systems)))
	for _, r := range rows {
		if res[r.bench] == nil {
			continue
		}
		fmt.Fprintf(w, "| %s |", r.label)
		for _, sys := range systems {
			v := get(r.bench, sys, r.unit)
			if r.unit == "liveB/row" || len(v) < 2 {
				fmt.Fprintf(w, " %s |", num(median(v)))
			} else {
				fmt.Fprintf(w, " %s ±%.0f%% |", num(median(v)), spread(v))
			}
		}
		m := median(get(r.bench, "memrel", r.unit))
		for _, sys := range []string{"memdb", "sqlite-mattn", "sqlite-modernc", "maps"} {
			fmt.Fprintf(w, " %s |", ratio(m, median(get(r.bench, sys, r.unit))))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nGo heap allocations (B · allocs; SQLite's own C-side memory is not counted):\n\n")
	fmt.Fprintf(w, "| workload | %s |\n|---|%s\n", strings.Join(systems, " | "), strings.Repeat("---:|", len(systems)))
	for _, r := range memRows {
		if res[r.bench] == nil {
			continue
		}
		fmt.Fprintf(w, "| %s |", r.label)
		for _, sys := range systems {
			fmt.Fprintf(w, " %s · %s |", num(median(get(r.bench, sys, r.bytes))), num(median(get(r.bench, sys, r.allocs))))
		}
		fmt.Fprintln(w)
	}
}
