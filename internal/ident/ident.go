// Package ident checks the names that a schema gives to tables, fields,
// relations and constraints.
package ident

// Valid reports whether s is an identifier: letters, digits and
// underscores, not starting with a digit, not empty.
func Valid(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case '0' <= r && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
