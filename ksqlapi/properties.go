package ksqlapi

import (
	"fmt"
	"sort"
	"strings"
)

// properties are a request's query properties (ksqlDB's streamsProperties
// or properties), changed by SET and UNSET for the statements after them.
// The ones chaintap reads:
const (
	// propOffsetReset: earliest or latest (the default, as in ksqlDB).
	propOffsetReset = "auto.offset.reset"
	// propPushMode: "changes" (the default: every update, as ksqlDB
	// streams a table's changelog) or "snapshot" (the table's current
	// rows first, then the changes after them: what a dashboard wants).
	propPushMode = "chaintap.push.mode"
)

type properties map[string]string

func newProperties(in map[string]any) properties {
	p := properties{}
	for k, v := range in {
		p[k] = fmt.Sprint(v)
	}
	return p
}

func (p properties) set(name, value string) { p[name] = value }
func (p properties) unset(name string)      { delete(p, name) }

// fromBeginning reports whether queries start at the inputs' start.
func (p properties) fromBeginning() (bool, error) {
	switch v := strings.ToLower(p[propOffsetReset]); v {
	case "", "latest":
		return false, nil
	case "earliest":
		return true, nil
	default:
		return false, clientError{fmt.Errorf("%s=%q: must be earliest or latest", propOffsetReset, p[propOffsetReset])}
	}
}

// snapshot reports whether a push query starts with the current rows.
func (p properties) snapshot() (bool, error) {
	switch v := strings.ToLower(p[propPushMode]); v {
	case "", "changes":
		return false, nil
	case "snapshot":
		return true, nil
	default:
		return false, clientError{fmt.Errorf("%s=%q: must be changes or snapshot", propPushMode, p[propPushMode])}
	}
}

func (p properties) names() []string {
	var out []string
	for k := range p {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
