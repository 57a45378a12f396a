package sqlshell

import "testing"

func TestShellIsPush(t *testing.T) {
	for text, want := range map[string]bool{
		"SELECT * FROM t EMIT CHANGES;":                     true,
		"select a from t where a = 'x' emit final limit 3;": true,
		"SELECT * FROM t WHERE id = 'EMIT CHANGES';":        false,
		"SELECT * FROM t;":                                  false,
		// Syntax chaintap does not parse (a newer ksqlDB's, say): the
		// EMIT clause still decides.
		"SELECT * FROM t EMIT CHANGES ZZZ;": true,
		"SELECT * FROM t ZZZ;":              false,
	} {
		if got := isPush(text); got != want {
			t.Errorf("isPush(%q) = %v", text, got)
		}
	}
}
