// Package quote formats the names and key values that error messages show,
// so that an empty or spaced one cannot be misread: "memrel: tags "": ..."
// rather than "memrel: tags : ...".
package quote

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode"

	"github.com/memrel-go/memrel/internal/ident"
)

// Name returns a schema name (a table, relation, constraint or index) as
// it is when it is an identifier, and quoted otherwise: an empty name reads
// "", not as a stray space.
func Name(s string) string {
	if ident.Valid(s) {
		return s
	}
	return strconv.Quote(s)
}

// Key formats a key value: a string (or a type whose underlying type is
// string) is quoted when it would not read as one word in a message (empty,
// or holding a space, a quote, a comma, a colon, a parenthesis or a rune
// that does not print); any other value as fmt's %v.
func Key(v any) string {
	if v == nil {
		return "<nil>"
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.String {
		return fmt.Sprint(v)
	}
	s := rv.String()
	if _, ok := v.(fmt.Stringer); ok {
		s = fmt.Sprint(v)
	}
	if s == "" || strings.ContainsFunc(s, needsQuote) {
		return strconv.Quote(s)
	}
	return s
}

func needsQuote(r rune) bool {
	switch r {
	case '"', ',', ':', '(', ')':
		return true
	}
	return unicode.IsSpace(r) || !unicode.IsPrint(r)
}
