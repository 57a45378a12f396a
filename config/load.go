package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Problem is one thing wrong with a configuration.
type Problem struct {
	Path string // e.g. chains[0].url
	Line int    // 0 when unknown
	Msg  string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s (line %d): %s", p.Path, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.Path, p.Msg)
}

// Problems is every problem found; it is the error Load returns.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = "  " + p.String()
	}
	return fmt.Sprintf("%d problem(s) in the configuration:\n%s", len(ps), strings.Join(lines, "\n"))
}

// Load reads the file at path ("" → defaults), interpolates the
// environment, decodes strictly and validates. The error, when not an I/O
// error, is Problems listing everything found at once.
func Load(path string, getenv func(string) (string, bool)) (Config, error) {
	cfg := Defaults()
	if path == "" {
		return cfg, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("reading the configuration: %w", err)
	}
	return Parse(raw, getenv)
}

// Parse is Load on the file's contents. It reports every problem it can
// in one run: unset variables, unknown keys, values of the wrong type and
// invalid values together; only a syntax error stops it early, since
// nothing after it can be read.
func Parse(raw []byte, getenv func(string) (string, bool)) (Config, error) {
	cfg := Defaults()
	text, ps := interpolate(string(raw), getenv)
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(text), &root); err != nil {
		return cfg, append(ps, syntaxProblem([]byte(text), err))
	}
	if len(root.Content) == 0 {
		return cfg, problemsOrNil(ps)
	}
	ps = append(ps, unknownKeys(root.Content[0], reflect.TypeOf(cfg), "")...)
	// Not KnownFields: unknownKeys has named every unknown key with its
	// path, and the values of the known ones are still worth checking.
	if err := root.Decode(&cfg); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return cfg, append(ps, Problem{Path: "(file)", Msg: err.Error()})
		}
		for _, e := range te.Errors {
			ps = append(ps, Problem{Path: "(value)", Msg: e})
		}
	}
	ps = append(ps, cfg.complete(&root)...)
	return cfg, problemsOrNil(ps)
}

func problemsOrNil(ps Problems) error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// interpolate replaces ${NAME} and ${NAME:-default}; an unset NAME without
// a default is a problem (a silently empty password helps nobody).
func interpolate(s string, getenv func(string) (string, bool)) (string, Problems) {
	var ps Problems
	out := envRef.ReplaceAllStringFunc(s, func(m string) string {
		sub := envRef.FindStringSubmatch(m)
		if v, ok := getenv(sub[1]); ok {
			return v
		}
		if sub[2] != "" {
			return sub[3]
		}
		line := strings.Count(s[:strings.Index(s, m)], "\n") + 1
		ps = append(ps, Problem{Path: "${" + sub[1] + "}", Line: line, Msg: "environment variable is not set (write ${" + sub[1] + ":-default} for a default)"})
		return ""
	})
	return out, ps
}

// unknownKeys walks the YAML tree against the Go type and reports every key
// that the type does not have, with its full path and a suggestion.
func unknownKeys(n *yaml.Node, t reflect.Type, path string) Problems {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var ps Problems
	switch {
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			f, ok := fields[k.Value]
			if !ok {
				ps = append(ps, Problem{Path: p, Line: k.Line, Msg: "unknown key" + suggest(k.Value, fields)})
				continue
			}
			ps = append(ps, unknownKeys(v, f.Type, p)...)
		}
	case n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice:
		for i, item := range n.Content {
			ps = append(ps, unknownKeys(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))...)
		}
	}
	return ps
}

func yamlFields(t reflect.Type) map[string]reflect.StructField {
	fs := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if name != "" && name != "-" {
			fs[name] = f
		}
	}
	return fs
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// suggest names the known key closest to a misspelt one.
func suggest(key string, fields map[string]reflect.StructField) string {
	best, bestD := "", 3
	for name := range fields {
		if d := distance(key, name); d < bestD {
			best, bestD = name, d
		}
	}
	if best == "" {
		names := make([]string, 0, len(fields))
		for name := range fields {
			names = append(names, name)
		}
		return fmt.Sprintf(" (known: %s)", strings.Join(slices.Sorted(slices.Values(names)), ", "))
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// validate checks values; root gives line numbers where it can.
func (c *Config) validate(root *yaml.Node) Problems {
	var ps Problems
	add := func(path, msg string) {
		ps = append(ps, Problem{Path: path, Line: lineOf(root, path), Msg: msg})
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		add("log_level", fmt.Sprintf("%q: want debug, info, warn or error", c.LogLevel))
	}
	for i, b := range c.Kafka.Brokers {
		if _, _, err := net.SplitHostPort(b); err != nil {
			add(fmt.Sprintf("kafka.brokers[%d]", i), fmt.Sprintf("%q is not host:port", b))
		}
	}
	if _, _, err := net.SplitHostPort(c.Kafka.Embedded.Addr); err != nil {
		add("kafka.embedded.addr", fmt.Sprintf("%q is not host:port", c.Kafka.Embedded.Addr))
	}
	switch strings.ToUpper(c.Kafka.SASL.Mechanism) {
	case "", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
	default:
		add("kafka.sasl.mechanism", fmt.Sprintf("%q: want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", c.Kafka.SASL.Mechanism))
	}
	if c.Kafka.Topics.Partitions < 0 {
		add("kafka.topics.partitions", "must be positive")
	}
	names := map[string]bool{}
	for i := range c.Chains {
		ps = append(ps, c.Chains[i].validate(fmt.Sprintf("chains[%d]", i), names, root)...)
		if ch := &c.Chains[i]; ch.Seal != nil && (ch.Family == "evm" || ch.Family == "bitcoin") {
			p := fmt.Sprintf("chains[%d]", i)
			ch.Seal.validate(ch.Family, c.Kafka.Topics.Compact, func(field, msg string) {
				ps = append(ps, Problem{Path: p + "." + field, Line: lineOf(root, p+"."+field), Msg: msg})
			})
		}
	}
	return ps
}

var chainName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_-]*$`)

func (ch *Chain) validate(p string, names map[string]bool, root *yaml.Node) Problems {
	var ps Problems
	add := func(field, msg string) {
		ps = append(ps, Problem{Path: p + "." + field, Line: lineOf(root, p+"."+field), Msg: msg})
	}
	switch {
	case ch.Name == "":
		add("name", "required: it names the chain's topics (<name>.blocks)")
	case !chainName.MatchString(ch.Name):
		add("name", fmt.Sprintf("%q: use letters, digits, - and _ (it is part of topic names)", ch.Name))
	case names[ch.Name]:
		add("name", fmt.Sprintf("%q is used by another chain", ch.Name))
	}
	names[ch.Name] = true
	switch {
	case ch.Family != "evm" && ch.Family != "bitcoin":
		add("family", fmt.Sprintf("%q: want evm or bitcoin", ch.Family))
	case ch.Type != ch.Family:
		add("type", fmt.Sprintf("%q contradicts family %q (type is family's older name)", ch.Type, ch.Family))
	}
	if ch.Family == "bitcoin" {
		ch.validateBitcoin(add)
	} else if ch.ZMQHashblock != "" {
		add("zmq_hashblock", "only a Bitcoin-family node publishes ZMQ hashblock notifications (an EVM chain's new heads come over ws://)")
	}
	if u, err := url.Parse(ch.URL); ch.URL == "" || err != nil || u.Host == "" {
		add("url", fmt.Sprintf("%q: want the node's http(s):// or ws(s):// URL", ch.URL))
	} else if s := u.Scheme; s != "http" && s != "https" && s != "ws" && s != "wss" {
		add("url", fmt.Sprintf("scheme %q: want http, https, ws or wss", s))
	}
	switch ch.ConfirmTag {
	case "", "finalized", "safe":
	default:
		add("confirm_tag", fmt.Sprintf("%q: want finalized or safe (or leave it out and set confirmations)", ch.ConfirmTag))
	}
	if ch.ReorgWindow < 1 || ch.ReorgWindow > 4000 {
		add("reorg_window", fmt.Sprintf("%d: want 1..4000 headers", ch.ReorgWindow))
	}
	if ch.Confirmations != nil && *ch.Confirmations >= uint64(ch.ReorgWindow) {
		add("confirmations", fmt.Sprintf("%d must be below reorg_window (%d): a reorg the window cannot resolve must never reach the confirmed view", *ch.Confirmations, ch.ReorgWindow))
	}
	switch ch.OnConfirmedReorg {
	case "stop", "correct":
	default:
		add("on_confirmed_reorg", fmt.Sprintf("%q: want stop or correct", ch.OnConfirmedReorg))
	}
	switch ch.RPCCompression {
	case "", "auto", "gzip", "none":
	default:
		add("rpc_compression", fmt.Sprintf("%q: want auto, gzip or none", ch.RPCCompression))
	}
	if ch.MemoryBudget != 0 && ch.MemoryBudget < 1<<20 {
		add("memory_budget", fmt.Sprintf("%s: want at least 1MiB (the default is 64MiB)", ch.MemoryBudget))
	}
	if ch.MaxBatch < 0 || ch.MaxBatch > 1000 {
		add("max_batch_blocks", fmt.Sprintf("%d: want 1..1000", ch.MaxBatch))
	}
	if ch.Standards != nil {
		for i, s := range *ch.Standards {
			if !slices.Contains(KnownStandards, s) {
				add(fmt.Sprintf("standards[%d]", i), fmt.Sprintf("%q: want one of %s", s, strings.Join(KnownStandards, ", ")))
			}
		}
	}
	for i, c := range ch.Contracts {
		cp := fmt.Sprintf("contracts[%d]", i)
		if c.Name == "" {
			add(cp+".name", "required: it names the contract in events")
		}
		if c.Address != "*" && !hexAddress.MatchString(c.Address) {
			add(cp+".address", fmt.Sprintf("%q: want a 0x-address (40 hex digits) or \"*\" for any address", c.Address))
		}
		if c.ABI == "" {
			add(cp+".abi", "required: the path of the contract's ABI JSON")
		} else if _, err := os.Stat(c.ABI); err != nil {
			add(cp+".abi", fmt.Sprintf("%s: %v", c.ABI, errors.Unwrap(err)))
		}
	}
	return ps
}

// KnownStandards are the token interfaces chaintap decodes at any address.
var KnownStandards = []string{"ERC-20", "ERC-721", "ERC-1155"}

var hexAddress = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)

// lineOf finds the line of a dotted path such as chains[0].url.
func lineOf(root *yaml.Node, path string) int {
	if root == nil || len(root.Content) == 0 {
		return 0
	}
	n := root.Content[0]
	line := 0
	for _, part := range strings.Split(path, ".") {
		key, idx := part, -1
		if i := strings.Index(part, "["); i >= 0 {
			key = part[:i]
			idx, _ = strconv.Atoi(strings.TrimSuffix(part[i+1:], "]"))
		}
		found := false
		for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				line, n, found = n.Content[i].Line, n.Content[i+1], true
				break
			}
		}
		if !found {
			return line
		}
		if idx >= 0 {
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				return line
			}
			n = n.Content[idx]
			line = n.Line
		}
	}
	return line
}

// Revalidate applies defaults and checks a configuration that flags have
// changed after loading.
func Revalidate(cfg Config) (Config, error) {
	return cfg, problemsOrNil(cfg.complete(nil))
}

// complete fills the chains' defaults and validates; root, when known,
// gives the problems their lines.
func (c *Config) complete(root *yaml.Node) Problems {
	for i := range c.Chains {
		c.Chains[i].defaults()
	}
	return c.validate(root)
}

// validateBitcoin checks what only a Bitcoin-family chain has, or must
// not have: such nodes label no block finalized, have no logs to decode,
// and speak JSON-RPC over HTTP only.
func (ch *Chain) validateBitcoin(add func(field, msg string)) {
	if ch.ConfirmTag != "" {
		add("confirm_tag", "Bitcoin-family nodes label no block finalized or safe: set confirmations")
	}
	if ch.Standards != nil || len(ch.Contracts) > 0 {
		add("contracts", "Bitcoin-family chains have no contract logs to decode")
	}
	if u, err := url.Parse(ch.URL); err == nil && u.Scheme != "http" && u.Scheme != "https" {
		add("url", fmt.Sprintf("scheme %q: a Bitcoin-family node speaks JSON-RPC over http or https", u.Scheme))
	}
	if ch.RPCCookieFile != "" && (ch.RPCUser != "" || ch.RPCPassword != "") {
		add("rpc_cookie_file", "give either rpc_user and rpc_password or rpc_cookie_file, not both")
	}
	if ch.RPCBatch < 0 || ch.CacheTxs < 0 {
		add("rpc_batch", "rpc_batch and cache_txs must not be negative")
	}
	if ch.ZMQHashblock != "" {
		if msg := checkZMQEndpoint(ch.ZMQHashblock); msg != "" {
			add("zmq_hashblock", msg)
		}
	}
}

// checkZMQEndpoint checks a ZMQ endpoint as Bitcoin Core's
// -zmqpubhashblock writes it: tcp://host:port (a numeric port) or
// ipc:///path; it returns what is wrong, or "".
func checkZMQEndpoint(ep string) string {
	want := fmt.Sprintf("%q: want tcp://host:port (Bitcoin Core's -zmqpubhashblock) or ipc:///path", ep)
	u, err := url.Parse(ep)
	if err != nil {
		return want
	}
	switch u.Scheme {
	case "tcp":
		host, port, err := net.SplitHostPort(u.Host)
		if err != nil || host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
			return want
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("%q: port %q: want 1..65535", ep, port)
		}
	case "ipc":
		if u.Host != "" || u.Path == "" {
			return want
		}
	default:
		return want
	}
	return ""
}
