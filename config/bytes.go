package config

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Bytes is a size in bytes, written with a unit: "128MiB", "1GiB",
// "500MB", "64KiB", or a plain number of bytes.
type Bytes int64

// byteUnits are the accepted suffixes, longest first so "MiB" is not read
// as "B".
var byteUnits = []struct {
	suffix string
	size   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"B", 1},
}

// UnmarshalText parses a size such as "128MiB".
func (b *Bytes) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	unit := int64(1)
	for _, u := range byteUnits {
		if strings.HasSuffix(s, u.suffix) {
			s, unit = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.size
			break
		}
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("%q is not a size: want a number with a unit such as 128MiB, 1GiB or 500MB", text)
	}
	*b = Bytes(n * float64(unit))
	return nil
}

// UnmarshalYAML reads a size from a YAML scalar. A bad one is reported as
// a type error with its line, so it joins the file's other problems
// instead of ending the parse.
func (b *Bytes) UnmarshalYAML(node *yaml.Node) error {
	if err := b.UnmarshalText([]byte(node.Value)); err != nil || node.Kind != yaml.ScalarNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %q is not a size: want a number with a unit such as 128MiB, 1GiB or 500MB", node.Line, node.Value)}}
	}
	return nil
}

// String writes b in the largest binary unit that divides it.
func (b Bytes) String() string {
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if int64(b) >= u.size && int64(b)%u.size == 0 {
			return fmt.Sprintf("%d%s", int64(b)/u.size, u.suffix)
		}
	}
	return fmt.Sprintf("%dB", int64(b))
}
