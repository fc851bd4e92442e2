package quote

import "testing"

type slug string

type shout string

func (s shout) String() string { return string(s) + "!" }

func TestName(t *testing.T) {
	for in, want := range map[string]string{
		"users": "users", "": `""`, "a b": `"a b"`, "x.": `"x."`,
	} {
		if got := Name(in); got != want {
			t.Errorf("Name(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestKey(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{"ann", "ann"},
		{"", `""`},
		{"a b", `"a b"`},
		{"a,b", `"a,b"`},
		{"a:b", `"a:b"`},
		{"tab\t", `"tab\t"`},
		{"x\x00", `"x\x00"`},
		{"naïve-slug_1.2", "naïve-slug_1.2"},
		{slug(""), `""`},
		{slug("go"), "go"},
		{shout("hi"), "hi!"},
		{shout(" "), `" !"`},
		{int64(7), "7"},
		{-3, "-3"},
		{nil, "<nil>"},
	} {
		if got := Key(c.in); got != c.want {
			t.Errorf("Key(%#v) = %s, want %s", c.in, got, c.want)
		}
	}
}
