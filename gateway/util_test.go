package gateway_test

import (
	"encoding/json"
	"strings"
	"testing"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// refusals is the count of REST refusals for reason.
func refusals(t *testing.T, g *gw, reason string) float64 {
	t.Helper()
	mfs, err := g.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	v := 0.0
	for _, mf := range mfs {
		if mf.GetName() != "chaintap_gateway_http_refusals_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() == reason {
					v += m.GetCounter().GetValue()
				}
			}
		}
	}
	return v
}

func rawArgs(args ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(args))
	for i, a := range args {
		out[i] = json.RawMessage(a)
	}
	return out
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// gauge is the value of a per-sender gauge.
func gauge(t *testing.T, g *gw, name, sender string) float64 {
	t.Helper()
	mfs, err := g.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "sender" && l.GetValue() == sender {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("no gauge %s{sender=%q}", name, sender)
	return 0
}
