package config

import (
	"strings"
	"testing"
)

// TestOnConfirmedReorg: stop by default, correct when asked, anything else
// a problem with its path and line; accepting a reorg is the command
// line's job (ingest --accept-reorg), never the file's.
func TestOnConfirmedReorg(t *testing.T) {
	for _, c := range []struct {
		name, value, want, problem string
	}{
		{name: "default", want: "stop"},
		{name: "stop", value: "stop", want: "stop"},
		{name: "correct", value: "correct", want: "correct"},
		{name: "typo", value: "corect", problem: `chains[0].on_confirmed_reorg (line 4): "corect": want stop or correct`},
		{name: "not a file key", value: "stop\n    accept_reorg: 5", problem: `chains[0].accept_reorg (line 5): unknown key`},
	} {
		t.Run(c.name, func(t *testing.T) {
			file := "chains:\n  - name: eth\n    url: ws://127.0.0.1:8545\n"
			if c.value != "" {
				file += "    on_confirmed_reorg: " + c.value + "\n"
			}
			cfg, err := Parse([]byte(file), env(nil))
			if c.problem != "" {
				if err == nil || !strings.Contains(err.Error(), c.problem) {
					t.Fatalf("err = %v, want %q", err, c.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Chains[0].OnConfirmedReorg; got != c.want {
				t.Fatalf("on_confirmed_reorg = %q, want %q", got, c.want)
			}
		})
	}
}
