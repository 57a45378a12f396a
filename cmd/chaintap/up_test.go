package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/battery"
	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/evm"
	"github.com/chaintap/chaintap/gateway"
	"github.com/chaintap/chaintap/internal/aptget"
	"github.com/chaintap/chaintap/internal/freeport"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/kafka"
)

func freeAddr(t *testing.T) string { return "127.0.0.1:" + strconv.Itoa(freeport.Port(t)) }

// upRun is `chaintap up` running as a subprocess on free ports.
type upRun struct {
	t                            *testing.T
	cmd                          *exec.Cmd
	dir                          string
	kafkaAddr, rpcAddr, httpAddr string
	apiAddr                      string
	extra                        []string // more flags
	log                          *os.File // every run's output, shown when the test fails
}

func newUpRun(t *testing.T) *upRun {
	return &upRun{t: t, dir: t.TempDir(), kafkaAddr: freeAddr(t), rpcAddr: freeAddr(t), httpAddr: freeAddr(t), apiAddr: freeAddr(t)}
}

func (u *upRun) kafka() kafka.Config { return kafka.Config{Brokers: []string{u.kafkaAddr}} }

func (u *upRun) start() {
	u.t.Helper()
	u.cmd = exec.Command(binary(u.t), "up", "--data-dir", u.dir, "--kafka-addr", u.kafkaAddr, "--rpc-addr", u.rpcAddr,
		"--http-addr", u.httpAddr, "--api-addr", u.apiAddr, "--block-interval", "100ms", "--log-level", "warn")
	u.cmd.Args = append(u.cmd.Args, u.extra...)
	if u.log == nil {
		f, err := os.Create(filepath.Join(u.t.TempDir(), "up.log"))
		if err != nil {
			u.t.Fatal(err)
		}
		u.log = f
		u.t.Cleanup(u.showLog)
	}
	fmt.Fprintf(u.log, "=== %s: chaintap up started\n", time.Now().Format(time.TimeOnly))
	u.cmd.Stdout, u.cmd.Stderr = u.log, u.log
	if err := u.cmd.Start(); err != nil {
		u.t.Fatal(err)
	}
	u.t.Cleanup(u.stop)
}

// showLog prints the end of up's output when the test failed.
func (u *upRun) showLog() {
	defer u.log.Close()
	if !u.t.Failed() {
		return
	}
	out, _ := os.ReadFile(u.log.Name())
	lines := strings.Split(string(out), "\n")
	u.t.Logf("chaintap up's output (last 80 lines):\n%s", strings.Join(lines[max(0, len(lines)-80):], "\n"))
}

// stop sends Ctrl-C and waits for a clean exit.
func (u *upRun) stop() {
	if u.cmd == nil {
		return
	}
	cmd := u.cmd
	u.cmd = nil
	_ = cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			u.t.Errorf("chaintap up did not stop cleanly: %v", err)
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		u.t.Error("chaintap up did not stop within 30s of Ctrl-C")
	}
}

// TestUpDemo runs `chaintap up` as a user would (a subprocess, free ports,
// a temp data dir): kcat (librdkafka, a client nobody here wrote) reads
// blocks and decoded battery events; the battery table over HTTP follows
// charges and a lock; stopped with Ctrl-C and started again, it continues
// from its cursor with every block once in the confirmed view.
func TestUpDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs chaintap up")
	}
	kcat := aptget.Ensure(t, "kcat", "kcat")
	u := newUpRun(t)
	kcfg := u.kafka()
	u.start()
	// kcat reads count records from the start, bounded in time: it waits
	// for a topic that does not exist yet, and with -e (exit at the end of
	// the partition) it did not exit within 10 s on these busy topics.
	kcatRead := func(topic, format string, count int) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, kcat, "-b", u.kafkaAddr, "-C", "-t", topic, "-o", "beginning",
			"-c", strconv.Itoa(count), "-q", "-f", format).Output()
		return string(out), err
	}
	seen := map[string]bool{}
	ingesttest.WaitFor(t, 60*time.Second, "decoded battery events, read with kcat", func() bool {
		out, _ := kcatRead("devchain.events", "%s\n", 120)
		for _, line := range strings.Split(out, "\n") {
			var ev chaintap.Event
			if json.Unmarshal([]byte(line), &ev) == nil && ev.ContractName == "BatteryRegistry" {
				seen[ev.EventName] = true
			}
		}
		return seen["BatteryRegistered"] && seen["ChargeRecorded"]
	})
	out, err := kcatRead("devchain.blocks", "%k %h\n", 3)
	if err != nil || !strings.Contains(out, "op=upsert") || !strings.Contains(out, "chain=devchain") {
		t.Fatalf("kcat on devchain.blocks: %v\n%.500s", err, out)
	}
	lockID := checkAPI(t, "http://"+u.httpAddr)
	checkOwnersThroughGateway(t, kcfg, lockID)
	checkKsqlAPI(t, "http://"+u.apiAddr)
	cyclesBefore := totalCycles("http://" + u.httpAddr)

	before, err := kafka.ReadCursor(context.Background(), kcfg, "devchain")
	if err != nil || before == nil {
		t.Fatalf("cursor: %v", err)
	}
	u.stop()
	prev, _ := before.Head()

	u.start()
	var cur *chaintap.Cursor
	ingesttest.WaitFor(t, 60*time.Second, "the second run to go past block "+ingesttest.Itoa(prev.Number), func() bool {
		c, err := kafka.ReadCursor(context.Background(), kcfg, "devchain")
		if err != nil || c == nil {
			return false
		}
		h, _ := c.Head()
		cur = c
		return h.Number > prev.Number+5 && c.Confirmed > prev.Number
	})
	src, err := evm.Dial(context.Background(), evm.Config{Chain: "devchain", URL: "ws://" + u.rpcAddr}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	// The table is rebuilt from Kafka and goes on from where it was.
	ingesttest.WaitFor(t, 30*time.Second, "the table to come back with every charge", func() bool {
		return totalCycles("http://"+u.httpAddr) >= cyclesBefore && cyclesBefore > 0
	})
	// Across the restart, every block once, in order, in the confirmed view
	// (which the running follower may have extended meanwhile).
	ingesttest.CheckConfirmedPrefix(t, kcfg, kafka.TopicsFor("", "devchain"), src, 0, cur.Confirmed)
}

func call(t *testing.T, method, url, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// checkAPI looks a battery up, locks it through the API and waits for
// "blocked: true" to come back through Kafka into the table; and checks
// that bad requests get a 4xx with a JSON error.
func checkAPI(t *testing.T, base string) (lockRequest string) {
	t.Helper()
	resp, err := http.Get(base + "/")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("page: %v %v", resp, err)
	}
	resp.Body.Close()
	var rows []battery.Status
	ingesttest.WaitFor(t, 30*time.Second, "the battery table", func() bool {
		r, err := http.Get(base + "/api/batteries")
		if err != nil {
			return false
		}
		defer r.Body.Close()
		_ = json.NewDecoder(r.Body).Decode(&rows)
		return len(rows) == devchain.FleetBatteries
	})
	var id string
	for _, r := range rows {
		if !r.Blocked {
			id = r.ID
			break
		}
	}
	c0 := totalCycles(base)
	ingesttest.WaitFor(t, 30*time.Second, "the table to count new charges", func() bool { return totalCycles(base) > c0 })
	if code, m := call(t, "GET", base+"/api/batteries/"+id, ""); code != 200 || m["year_built"] == nil {
		t.Fatalf("lookup: %d %v", code, m)
	}
	// The gateway holds every owner's key; the contract refuses a lock by
	// an owner of other batteries, before a nonce is spent.
	var stranger string
	for _, r := range rows {
		if r.Owner != owner(rows, id) {
			stranger = r.Owner
		}
	}
	if code, m := call(t, "POST", base+"/api/batteries/"+id+"/lock", `{"from":"`+stranger+`"}`); code != 403 || !strings.Contains(fmt.Sprint(m["error"]), "owner") {
		t.Fatalf("lock by a stranger: %d %v", code, m)
	}
	if code, m := call(t, "POST", base+"/api/batteries/"+id+"/lock", `{"from":"0x0000000000000000000000000000000000000bad"}`); code != 400 || !strings.Contains(fmt.Sprint(m["error"]), "owners") {
		t.Fatalf("lock by a sender the gateway has no key for: %d %v", code, m)
	}
	code, m := call(t, "POST", base+"/api/batteries/"+id+"/lock", "")
	if code != 202 || m["request_id"] == "" || m["block_number"] == float64(0) {
		t.Fatalf("lock: %d %v", code, m)
	}
	lockRequest = fmt.Sprint(m["request_id"])
	ingesttest.WaitFor(t, 30*time.Second, "blocked: true in the table", func() bool {
		_, m := call(t, "GET", base+"/api/batteries/"+id, "")
		return m["blocked"] == true
	})
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/batteries/0x0000000000000000000000000000000000000bad", 404},
		{"GET", "/api/batteries/not-an-address", 400},
		{"POST", "/api/batteries/0x12/lock", 400},
		{"POST", "/api/batteries/0x0000000000000000000000000000000000000bad/lock", 404},
	} {
		code, m := call(t, c.method, base+c.path, "")
		if code != c.status || m["error"] == nil {
			t.Errorf("%s %s: %d %v, want %d with a JSON error", c.method, c.path, code, m, c.status)
		}
	}
	return lockRequest
}

func httpGet(url string) (int, error) {
	r, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	r.Body.Close()
	return r.StatusCode, nil
}

// totalCycles sums the charge cycles of the battery table over HTTP.
func totalCycles(base string) (n int64) {
	var rs []battery.Status
	r, err := http.Get(base + "/api/batteries")
	if err != nil {
		return 0
	}
	defer r.Body.Close()
	_ = json.NewDecoder(r.Body).Decode(&rs)
	for _, b := range rs {
		n += b.ChargeCycles
	}
	return n
}

// checkKsqlAPI asks the ksqlDB API what a user of the demo would: the
// battery table's current rows (a pull query) and the next blocks (a push
// query), and checks the answers' shapes.
func checkKsqlAPI(t *testing.T, base string) {
	t.Helper()
	ask := func(body string) []string {
		resp, err := http.Post(base+"/query-stream", "application/vnd.ksql.v1+json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", body, resp.StatusCode, out)
		}
		return strings.Split(strings.TrimSpace(string(out)), "\n")
	}
	var rows []string
	ingesttest.WaitFor(t, 30*time.Second, "battery_status rows from a pull query", func() bool {
		rows = ask(`{"sql":"SELECT id, country, charge_cycles FROM battery_status;"}`)
		return len(rows) > 1
	})
	if !strings.Contains(rows[0], `"columnNames":["ID","COUNTRY","CHARGE_CYCLES"]`) || !strings.HasPrefix(rows[1], `["0x`) {
		t.Errorf("pull query: %v", rows)
	}
	rows = ask(`{"sql":"SELECT number FROM devchain_blocks EMIT CHANGES LIMIT 2;"}`)
	if len(rows) != 3 {
		t.Errorf("push query: %v", rows)
	}
}

// owner is the owner of battery id in rows.
func owner(rows []battery.Status, id string) string {
	for _, r := range rows {
		if r.ID == id {
			return r.Owner
		}
	}
	return ""
}

// checkOwnersThroughGateway: the page's lock and the fleet's owner traffic
// are the gateway's requests, on devchain.tx.receipts, and none failed:
// with a second signer assigning the owners' nonces, some would have
// collided (replaced or "nonce too low") and failed.
func checkOwnersThroughGateway(t *testing.T, kcfg kafka.Config, lockID string) {
	t.Helper()
	var owners, lock int
	ingesttest.WaitFor(t, 30*time.Second, "fleet owner traffic on devchain.tx.receipts", func() bool {
		owners, lock = 0, 0
		for id, v := range ingesttest.Fold(t, kcfg, "devchain.tx.receipts") {
			var r gateway.Receipt
			if err := json.Unmarshal(v, &r); err != nil {
				t.Fatalf("receipt %s: %v", id, err)
			}
			if r.Status == gateway.StatusFailed {
				t.Fatalf("request %s failed: %+v", id, r)
			}
			switch {
			case id == lockID && r.TxHash != "" && r.BlockNumber > 0:
				lock++
			case strings.HasPrefix(r.IdempotencyKey, "demo-") && r.BlockNumber > 0:
				owners++
			}
		}
		return lock == 1 && owners > 0
	})
}
