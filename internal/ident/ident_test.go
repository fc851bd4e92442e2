package ident

import "testing"

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{
		"users": true, "order_items": true, "_x": true, "T2": true, "a1_b2": true,
		"": false, "2fa": false, "users+": false, "order items": false, "naïve": false, "a-b": false, "a.b": false,
	} {
		if got := Valid(s); got != want {
			t.Errorf("Valid(%q) = %v, want %v", s, got, want)
		}
	}
}
