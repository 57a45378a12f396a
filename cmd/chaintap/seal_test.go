package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/internal/aptget"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/seal"
)

// sealRig is an embedded broker and the seal commands run against it.
type sealRig struct {
	t    *testing.T
	addr string
	kcfg kafka.Config
	kcat string
	dir  string
	key  string // private key file
	pub  string // public key
}

func newSealRig(t *testing.T) *sealRig {
	t.Helper()
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	r := &sealRig{t: t, addr: b.Addr(), kcfg: kafka.Config{Brokers: []string{b.Addr()}}, kcat: aptget.Ensure(t, "kcat", "kcat"), dir: t.TempDir()}
	r.key = filepath.Join(r.dir, "seal.key")
	code, out, errOut := runCLI(t, "seal", "keygen", "--name", "kcat-test", "--out", r.key)
	if code != 0 {
		t.Fatalf("keygen: %d %s", code, errOut)
	}
	r.pub = strings.TrimSpace(out)
	return r
}

// kcatRun runs kcat with stdin and returns its output.
func (r *sealRig) kcatRun(stdin string, args ...string) string {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.kcat, append([]string{"-b", r.addr, "-q"}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("kcat %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (r *sealRig) createTopic(topic string) {
	r.t.Helper()
	cl, err := r.kcfg.NewClient()
	if err != nil {
		r.t.Fatal(err)
	}
	defer cl.Close()
	if err := kafka.CreateTopic(context.Background(), kadm.NewClient(cl), 1, -1, nil, topic); err != nil {
		r.t.Fatal(err)
	}
}

// sealUntil runs `chaintap seal` until to holds n records, then stops it
// as Ctrl-C would.
func (r *sealRig) sealUntil(from, to string, n int, extra ...string) {
	r.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var errOut bytes.Buffer
	go func() {
		args := append([]string{"seal", "--from", from, "--to", to, "--key-file", r.key, "--brokers", r.addr, "--every", "4", "--interval", "200ms"}, extra...)
		done <- run(ctx, args, &bytes.Buffer{}, &errOut, func(string) (string, bool) { return "", false })
	}()
	ingesttest.WaitFor(r.t, 30*time.Second, "sealed records", func() bool { return r.count(to) >= n })
	cancel()
	if code := <-done; code != 0 {
		r.t.Fatalf("chaintap seal exited %d: %s", code, errOut.String())
	}
}

func (r *sealRig) count(topic string) int {
	n := 0
	_ = kafka.ReadTopic(context.Background(), r.kcfg, topic, 0, func(*kgo.Record) error { n++; return nil })
	return n
}

func (r *sealRig) cli(args ...string) (int, string, string) {
	r.t.Helper()
	return runCLI(r.t, append(args, "--brokers", r.addr)...)
}

// TestSealKcat holds the seal to a client nobody here wrote: records kcat
// produces into a raw topic are sealed and verify; kcat reads the seal
// headers; a proof of one of them checks offline and fails once changed;
// a record kcat appends to the sealed topic fails verify, naming its
// offset, with exit code 5.
func TestSealKcat(t *testing.T) {
	r := newSealRig(t)
	r.createTopic("raw")
	var lines []string
	for i := range 20 {
		lines = append(lines, "order-"+strconv.Itoa(i)+`:{"amount": `+strconv.Itoa(i*10)+`}`)
	}
	r.kcatRun(strings.Join(lines, "\n")+"\n", "-P", "-t", "raw", "-K", ":", "-H", "source=kcat")
	r.sealUntil("raw", "sealed", 20)

	out := r.kcatRun("", "-C", "-t", "sealed", "-o", "beginning", "-c", "20", "-f", "%k %s %h\n")
	if !strings.Contains(out, `order-7 {"amount": 70} source=kcat,chaintap.seal.source=7,chaintap.seal.seq=7,chaintap.seal.content=`) {
		t.Fatalf("kcat reads the sealed topic as:\n%s", out)
	}
	code, stdout, stderr := r.cli("verify", "sealed", "--key", r.pub, "--strict")
	if code != 0 || !strings.Contains(stdout, "OK: sealed verified, 20 sealed records") {
		t.Fatalf("verify: %d\n%s%s", code, stdout, stderr)
	}

	proof := r.prove(7)
	if code, stdout, stderr := runCLI(t, "verify", "--proof", proof, "--key", r.pub); code != 0 || !strings.Contains(stdout, "OK: sealed partition 0 offset 7 is record 7") {
		t.Fatalf("verify --proof: %d %s%s", code, stdout, stderr)
	}
	changed := filepath.Join(r.dir, "changed.json")
	b, _ := os.ReadFile(proof)
	var p map[string]any
	_ = json.Unmarshal(b, &p)
	p["value"] = "eyJhbW91bnQiOiA3MDAwfQ==" // {"amount": 7000}
	b, _ = json.Marshal(p)
	_ = os.WriteFile(changed, b, 0o600)
	if code, _, stderr := runCLI(t, "verify", "--proof", changed, "--key", r.pub); code != exitTampered || !strings.Contains(stderr, "proof does not verify") {
		t.Fatalf("verify of a changed proof: %d %s", code, stderr)
	}

	r.kcatRun("order-99:{\"amount\": 1000000}\n", "-P", "-t", "sealed", "-K", ":")
	appended := r.lastOffset("sealed")
	code, _, stderr = r.cli("verify", "sealed", "--key", r.pub)
	if want := "sealed partition 0 offset " + strconv.FormatInt(appended, 10) + ": inserted"; code != exitTampered || !strings.Contains(stderr, want) {
		t.Fatalf("verify after a kcat append at offset %d: exit %d, want %d and %q in\n%s", appended, code, exitTampered, want, stderr)
	}
}

func (r *sealRig) prove(offset int) string {
	r.t.Helper()
	code, stdout, stderr := r.cli("prove", "sealed", "0", strconv.Itoa(offset), "--key", r.pub)
	if code != 0 {
		r.t.Fatalf("prove: %d %s", code, stderr)
	}
	f := filepath.Join(r.dir, "proof.json")
	if err := os.WriteFile(f, []byte(stdout), 0o600); err != nil {
		r.t.Fatal(err)
	}
	return f
}

func (r *sealRig) lastOffset(topic string) int64 {
	r.t.Helper()
	var last int64 = -1
	if err := kafka.ReadTopic(context.Background(), r.kcfg, topic, 0, func(rec *kgo.Record) error { last = rec.Offset; return nil }); err != nil {
		r.t.Fatal(err)
	}
	return last
}

// TestSealCLIBadInput: verify of a topic never sealed, or with a key that
// did not sign its checkpoints, exits 6 with a message saying what to do;
// a missing --to is a usage error.
func TestSealCLIBadInput(t *testing.T) {
	r := newSealRig(t)
	r.createTopic("raw")
	r.kcatRun("a:1\nb:2\n", "-P", "-t", "raw", "-K", ":")
	code, _, stderr := r.cli("verify", "raw", "--key", r.pub)
	if code != exitCannotVerify || !strings.Contains(stderr, "topic raw was never sealed") {
		t.Fatalf("verify of a raw topic: %d %s", code, stderr)
	}
	r.sealUntil("raw", "sealed", 2)
	_, other, _ := seal.GenerateKey("kcat-test")
	code, _, stderr = r.cli("verify", "sealed", "--key", other)
	if code != exitCannotVerify || !strings.Contains(stderr, "signed by unknown key kcat-test+") {
		t.Fatalf("verify with another key: %d %s", code, stderr)
	}
	code, _, stderr = r.cli("verify", "nope", "--key", r.pub)
	if code != exitCannotVerify || !strings.Contains(stderr, "topic nope does not exist") {
		t.Fatalf("verify of a missing topic: %d %s", code, stderr)
	}
	if code, _, stderr := r.cli("seal", "--from", "raw"); code != 2 || !strings.Contains(stderr, "--from and --to are required") {
		t.Fatalf("seal without --to: %d %s", code, stderr)
	}
}

// TestSealAnchorCLI anchors checkpoints on the devchain from `chaintap
// seal` and checks them with `chaintap verify --anchor-*`: the latest tree
// head of the anchored topic is found at a block; that of a topic sealed
// without anchoring is not (exit 6).
func TestSealAnchorCLI(t *testing.T) {
	r := newSealRig(t)
	c, err := devchain.Start(devchain.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	mined := make(chan struct{})
	go func() { defer close(mined); c.SealEvery(ctx, 20*time.Millisecond) }()
	t.Cleanup(func() { cancel(); <-mined }) // before the chain closes
	keyFile := filepath.Join(r.dir, "anchor.hex")
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(crypto.FromECDSA(c.Keys()[0]))), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "seal", "deploy-anchor", "--anchor-url", c.HTTPURL(), "--anchor-key-file", keyFile)
	if code != 0 {
		t.Fatalf("deploy-anchor: %d %s", code, stderr)
	}
	contract := strings.TrimSpace(out)

	r.createTopic("raw")
	r.kcatRun("a:1\nb:2\nc:3\nd:4\ne:5\nf:6\n", "-P", "-t", "raw", "-K", ":")
	r.sealUntil("raw", "anchored", 6, "--anchor-url", c.HTTPURL(), "--anchor-contract", contract, "--anchor-key-file", keyFile)
	code, out, stderr = r.cli("verify", "anchored", "--key", r.pub, "--anchor-url", c.HTTPURL(), "--anchor-contract", contract)
	if code != 0 || !strings.Contains(out, "partition 0: tree head of 6 records anchored in block") {
		t.Fatalf("verify of the anchored topic: %d\n%s%s", code, out, stderr)
	}

	r.sealUntil("raw", "unanchored", 6)
	code, _, stderr = r.cli("verify", "unanchored", "--key", r.pub, "--anchor-url", c.HTTPURL(), "--anchor-contract", contract)
	if code != exitCannotVerify || !strings.Contains(stderr, "no tree head of chaintap.seal/unanchored/0 was ever anchored") {
		t.Fatalf("verify of a topic never anchored: %d %s", code, stderr)
	}
}
