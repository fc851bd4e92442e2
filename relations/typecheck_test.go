package relations_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A relation whose key type does not match the parent's primary key is a
// compile error, not an Open error: the type parameters tie them together.
// This test builds small programs with the go command and checks that the
// right ones are refused by the compiler.
func TestKeyTypeMismatchIsACompileError(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to type-check programs: %v", err)
	}
	const header = `package main

import "github.com/memrel-go/memrel"

type User struct{ ID int64 }
type Team struct{ Code string }
type Post struct {
	ID       int64
	AuthorID int64
	Editor   memrel.Null[int32]
	Team     int64
}
type Link struct {
	ID       int64
	PostID   int64
	UserID   int64
}
type Other struct {
	ID     int64
	UserID int64
}

var (
	Users  = memrel.NewTable("users", func(u *User) *int64 { return &u.ID })
	Teams  = memrel.NewTable("teams", func(t *Team) *string { return &t.Code })
	Posts  = memrel.NewTable("posts", func(p *Post) *int64 { return &p.ID })
	Links  = memrel.NewTable("links", func(l *Link) *int64 { return &l.ID })
	Others = memrel.NewTable("others", func(o *Other) *int64 { return &o.ID })
)

func main() {
`
	cases := []struct {
		name    string
		body    string
		compile bool
	}{
		{"matching key types compile", `
	post, link := memrel.Fields[Post](), memrel.Fields[Link]()
	_ = memrel.ForeignKey(Posts, &post.AuthorID, Users, memrel.Cascade)
	_ = memrel.ForeignKey(Posts, func(p *Post) *int64 { return &p.AuthorID }, Users, memrel.Cascade)
	lp := memrel.ForeignKey(Links, &link.PostID, Posts, memrel.Cascade)
	lu := memrel.ForeignKey(Links, func(l *Link) *int64 { return &l.UserID }, Users, memrel.Cascade)
	_ = memrel.ManyToManyThrough(Links, "users", lp, lu)
	_ = memrel.OneToOne(Links, &link.UserID, Users, memrel.Cascade)
`, true},
		{"int32 field referencing int64 keys", `
	_ = memrel.ForeignKey(Posts, &memrel.Fields[Post]().Editor, Users, memrel.SetNull)
`, false},
		{"int32 accessor referencing int64 keys", `
	_ = memrel.ForeignKey(Posts, func(p *Post) *memrel.Null[int32] { return &p.Editor }, Users, memrel.SetNull)
`, false},
		{"int64 field referencing string keys", `
	_ = memrel.ForeignKey(Posts, &memrel.Fields[Post]().Team, Teams, memrel.Cascade)
`, false},
		{"int64 accessor referencing string keys", `
	_ = memrel.OneToOne(Posts, func(p *Post) *int64 { return &p.Team }, Teams, memrel.Cascade)
`, false},
		{"an accessor of another row type", `
	_ = memrel.ForeignKey(Posts, func(o *Other) *int64 { return &o.UserID }, Users, memrel.Cascade)
`, false},
		{"through relations on two different link tables", `
	lp := memrel.ForeignKey(Links, &memrel.Fields[Link]().PostID, Posts, memrel.Cascade)
	ou := memrel.ForeignKey(Others, &memrel.Fields[Other]().UserID, Users, memrel.Cascade)
	_ = memrel.ManyToManyThrough(Links, "users", lp, ou)
`, false},
		{"a default of another type than its field", `
	_ = memrel.NewTable("x", func(p *Post) *int64 { return &p.ID }, memrel.Default(&memrel.Fields[Post]().Team, "t"))
`, false},
	}
	// The programs live in a temporary directory inside the module, so that
	// they import this checkout of memrel.
	dir, err := os.MkdirTemp("..", "typecheck")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pkg := filepath.Join(dir, string(rune('a'+i)))
			if err := os.MkdirAll(pkg, 0o755); err != nil {
				t.Fatal(err)
			}
			src := header + c.body + "}\n"
			if err := os.WriteFile(filepath.Join(pkg, "main.go"), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(gobin, "vet", ".")
			cmd.Dir = pkg
			out, err := cmd.CombinedOutput()
			switch {
			case c.compile && err != nil:
				t.Fatalf("the well-typed program was refused:\n%s", out)
			case !c.compile && err == nil:
				t.Fatalf("the program compiled; want a type error")
			case !c.compile && !strings.Contains(string(out), "type") && !strings.Contains(string(out), "does not match") &&
				!strings.Contains(string(out), "cannot use") && !strings.Contains(string(out), "does not satisfy"):
				t.Fatalf("the program was refused, but not for a type error:\n%s", out)
			}
		})
	}
}
