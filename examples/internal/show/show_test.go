package show

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

type failAfter struct {
	n   int
	err error
}

func (w *failAfter) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, w.err
	}
	w.n--
	return len(p), nil
}

func TestPrinterKeepsTheFirstError(t *testing.T) {
	first := errors.New("first")
	w := &failAfter{n: 1, err: first}
	p := New(w)
	p.Line("ok")
	p.Line("fails")
	w.err = errors.New("second")
	p.Line("not written")
	if !errors.Is(p.Err(), first) {
		t.Fatalf("Err() = %v, want %v", p.Err(), first)
	}
}

func TestLine(t *testing.T) {
	var buf bytes.Buffer
	p := New(&buf)
	p.Line("user %d %s", 1, "ann")
	p.Line("")
	if got, want := buf.String(), "user 1 ann\n\n"; got != want || p.Err() != nil {
		t.Fatalf("got %q, %v; want %q, nil", got, p.Err(), want)
	}
	if got := Day(time.Date(2026, 1, 2, 23, 0, 0, 0, time.UTC)); got != "2026-01-02" {
		t.Fatalf("Day = %q", got)
	}
}
