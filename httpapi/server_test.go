package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/battery"
)

// bat is written checksummed, as decoded events carry it today; the API
// answers it lower-case.
const (
	bat      = "0xAb8483F64d9C6d1EcF9b849Ae677dD3315835cb2"
	batLower = "0xab8483f64d9c6d1ecf9b849ae677dd3315835cb2"
	owner    = "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"
	registry = "0xD9145CCE52D386f254917e481eB44e9943F39138"
)

// fakeLocker stands for the devchain: an interface of ours, not a client
// library's.
type fakeLocker struct{ calls []string }

func (f *fakeLocker) SetBlocked(_ context.Context, id, from string, blocked bool) (Sent, error) {
	f.calls = append(f.calls, fmt.Sprint(id, from, blocked))
	switch {
	case from != "":
		return Sent{}, fmt.Errorf("%w: only the battery's owner can lock or unlock it", chaintap.ErrRefused)
	case !strings.EqualFold(id, bat):
		return Sent{}, fmt.Errorf("battery %s: %w", id, chaintap.ErrNotFound)
	}
	return Sent{RequestID: "r1", TxHash: "0xfeed", BlockNumber: 7}, nil
}

type fixture struct {
	srv     *httptest.Server
	table   *battery.Statuses
	recent  *battery.Recent
	blocks  *RecentBlocks
	metrics *prometheus.Registry
}

// apply gives an event record to the recent events, as cmd/chaintap's
// tail of the events topic does.
func (f *fixture) apply(key string, name string, block uint64, args string) {
	ev, _ := json.Marshal(chaintap.Event{ContractName: "BatteryRegistry", EventName: name, BlockNumber: block, Args: json.RawMessage(args)})
	f.recent.ApplyEvent(key, ev)
}

// status gives a battery_status row to the table, as cmd/chaintap's tail
// of the engine's BATTERY_STATUS topic does.
func (f *fixture) status(t *testing.T, id, row string) {
	t.Helper()
	if err := f.table.Apply(id, []byte(row)); err != nil {
		t.Fatal(err)
	}
}

// newServer serves one registered battery with a charge, three blocks
// and a registry holding one counter.
func newServer(t *testing.T) *fixture {
	f := &fixture{table: battery.NewStatuses(), recent: battery.NewRecent(battery.Source{Contract: "BatteryRegistry", Registry: registry}, 20),
		blocks: NewRecentBlocks(3), metrics: prometheus.NewRegistry()}
	f.apply("k1", "BatteryRegistered", 1, `{"battery":"`+bat+`","owner":"`+owner+`","yearBuilt":"2020","country":"SE"}`)
	f.apply("k2", "ChargeRecorded", 2, `{"battery":"`+bat+`","by":"`+owner+`","chargeCycles":"1"}`)
	f.status(t, bat, `{"OWNER":"`+owner+`","YEAR_BUILT":2020,"COUNTRY":"SE","CHARGE_CYCLES":1,"BLOCKED":false,"BLOCK":2}`)
	for n := 1; n <= 3; n++ {
		b, _ := json.Marshal(chaintap.EVMBlock{Number: uint64(n), Hash: fmt.Sprint("0x0", n)})
		f.blocks.Apply(fmt.Sprint(n), b)
	}
	served := prometheus.NewCounter(prometheus.CounterOpts{Name: "chaintap_test_things_total", Help: "Things."})
	f.metrics.MustRegister(served)
	served.Add(3)
	f.srv = httptest.NewServer(New(Config{Batteries: f.table, Events: f.recent, Blocks: f.blocks, Locker: &fakeLocker{}, Metrics: f.metrics,
		Sources: Sources{Chain: "devchain", Events: "devchain.events", Blocks: "devchain.blocks", Transactions: "devchain.transactions"}}))
	t.Cleanup(f.srv.Close)
	return f
}

type answer struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, srv *httptest.Server, method, path, body string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func TestAPIStatuses(t *testing.T) {
	f := newServer(t)
	for _, c := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", "/api/batteries/" + bat, "", 200, `"country":"SE"`},
		{"GET", "/api/batteries/nope", "", 400, "not a battery id"},
		{"GET", "/api/batteries/0x00000000000000000000000000000000000000ff", "", 404, "no battery"},
		{"GET", "/api/batteries/" + bat + "/events", "", 200, `"kind":"charged"`},
		{"GET", "/api/batteries/nope/events", "", 400, "not a battery id"},
		{"GET", "/api/batteries/0x00000000000000000000000000000000000000ff/events", "", 404, "no battery"},
		{"POST", "/api/batteries/" + bat + "/lock", "", 202, `"block_number":7,"blocked":true`},
		{"POST", "/api/batteries/" + bat + "/unlock", `{"from":"0x00000000000000000000000000000000000000aa"}`, 403, "owner"},
		{"POST", "/api/batteries/" + bat + "/lock", `{bad json`, 400, "body"},
		{"POST", "/api/batteries/0x00000000000000000000000000000000000000ff/lock", "", 404, "not found"},
		{"GET", "/api/info", "", 200, `"events_topic":"devchain.events"`},
		{"GET", "/", "", 200, "Battery lookup"},
		{"GET", "/nope", "", 404, "not found"},
		{"GET", "/api/nope", "", 404, "not found"},
	} {
		a := do(t, f.srv, c.method, c.path, c.body)
		if a.status != c.status || !strings.Contains(a.body, c.want) {
			t.Errorf("%s %s: %d %s, want %d containing %q", c.method, c.path, a.status, a.body, c.status, c.want)
		}
		if c.status >= 400 && !strings.Contains(a.body, `"error"`) {
			t.Errorf("%s %s: error without a JSON error field: %s", c.method, c.path, a.body)
		}
	}
}

// TestReadOnly: without a devchain, lock and unlock say so.
func TestReadOnly(t *testing.T) {
	f := newServer(t)
	srv := httptest.NewServer(New(Config{Batteries: f.table, Events: f.recent, Blocks: f.blocks}))
	defer srv.Close()
	if a := do(t, srv, "POST", "/api/batteries/"+bat+"/lock", ""); a.status != 501 || !strings.Contains(a.body, `"error":"this chaintap sends no transactions`) {
		t.Fatalf("lock without a locker: %d %s", a.status, a.body)
	}
}

// TestWrongMethod: a path that exists for other methods answers 405 with
// the methods it takes in Allow and a JSON error, also for GET on a
// POST-only route and for the page's files.
func TestWrongMethod(t *testing.T) {
	f := newServer(t)
	for _, c := range []struct{ method, path, allow string }{
		{"POST", "/api/batteries", "GET, HEAD"},
		{"DELETE", "/api/batteries/" + bat, "GET, HEAD"},
		{"PUT", "/api/batteries/" + bat + "/events", "GET, HEAD"},
		{"GET", "/api/batteries/" + bat + "/lock", "POST"},
		{"GET", "/api/batteries/" + bat + "/unlock", "POST"},
		{"POST", "/api/stream", "GET, HEAD"},
		{"POST", "/", "GET, HEAD"},
		{"POST", "/app.js", "GET, HEAD"},
		{"POST", "/healthz", "GET, HEAD"},
	} {
		a := do(t, f.srv, c.method, c.path, "")
		var body struct{ Error string }
		if a.status != 405 || a.header.Get("Allow") != c.allow || a.header.Get("Content-Type") != "application/json" ||
			json.Unmarshal([]byte(a.body), &body) != nil || !strings.Contains(body.Error, "method not allowed") {
			t.Errorf("%s %s: %d Allow=%q %s, want 405 Allow=%q and a JSON error", c.method, c.path, a.status, a.header.Get("Allow"), a.body, c.allow)
		}
	}
}

// TestLimit: ?limit=N bounds each list; a bad value is a 400 naming the
// parameter.
func TestLimit(t *testing.T) {
	f := newServer(t)
	f.apply("k3", "BatteryRegistered", 3, `{"battery":"0x00000000000000000000000000000000000000b2","owner":"`+owner+`","yearBuilt":"2021","country":"DE"}`)
	f.status(t, "0x00000000000000000000000000000000000000b2", `{"OWNER":"`+owner+`","YEAR_BUILT":2021,"COUNTRY":"DE","CHARGE_CYCLES":0,"BLOCKED":false,"BLOCK":3}`)
	lists := map[string]int{"/api/batteries": 2, "/api/blocks": 3, "/api/batteries/" + bat + "/events": 2}
	for path, all := range lists {
		for query, want := range map[string]int{"": all, "?limit=1": 1, fmt.Sprint("?limit=", MaxLimit): all} {
			a := do(t, f.srv, "GET", path+query, "")
			var items []json.RawMessage
			if err := json.Unmarshal([]byte(a.body), &items); a.status != 200 || err != nil || len(items) != want {
				t.Errorf("GET %s%s: %d, %d items (%v), want 200 with %d", path, query, a.status, len(items), err, want)
			}
		}
		for _, bad := range []string{"0", "-1", "abc", "1.5", "", fmt.Sprint(MaxLimit + 1)} {
			a := do(t, f.srv, "GET", path+"?limit="+bad, "")
			if a.status != 400 || !strings.Contains(a.body, `"error":"invalid request: limit=`) {
				t.Errorf("GET %s?limit=%s: %d %s, want 400 naming limit", path, bad, a.status, a.body)
			}
		}
	}
	if a := do(t, f.srv, "GET", "/api/blocks?limit=2", ""); !strings.HasPrefix(a.body, `[{"number":3,`) {
		t.Errorf("limit=2 of the blocks is not the newest first: %s", a.body)
	}
}

// TestAddressCase: ids are taken in any case and answered lower-case, and
// so are owners and who acted.
func TestAddressCase(t *testing.T) {
	f := newServer(t)
	for _, id := range []string{bat, batLower, "0x" + strings.ToUpper(batLower[2:])} {
		var st battery.Status
		if a := do(t, f.srv, "GET", "/api/batteries/"+id, ""); a.status != 200 || json.Unmarshal([]byte(a.body), &st) != nil ||
			st.ID != batLower || st.Owner != strings.ToLower(owner) {
			t.Errorf("GET %s: %d %s, want the battery with lower-case id and owner", id, a.status, a.body)
		}
		var evs []battery.Event
		if a := do(t, f.srv, "GET", "/api/batteries/"+id+"/events", ""); a.status != 200 || json.Unmarshal([]byte(a.body), &evs) != nil ||
			len(evs) != 2 || evs[0].Battery != batLower || evs[0].By != strings.ToLower(owner) {
			t.Errorf("GET %s/events: %d %s, want two events with lower-case addresses", id, a.status, a.body)
		}
		if a := do(t, f.srv, "POST", "/api/batteries/"+id+"/lock", ""); a.status != 202 || !strings.Contains(a.body, `"id":"`+batLower+`"`) {
			t.Errorf("POST %s/lock: %d %s", id, a.status, a.body)
		}
	}
	if a := do(t, f.srv, "GET", "/api/batteries", ""); strings.Contains(a.body, bat) || !strings.Contains(a.body, batLower) {
		t.Errorf("the table lists a checksummed id: %s", a.body)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	f := newServer(t)
	if a := do(t, f.srv, "GET", "/healthz", ""); a.status != 200 || a.header.Get("Content-Type") != "application/json" || strings.TrimSpace(a.body) != `{"status":"ok"}` {
		t.Errorf("healthz: %d %q %s", a.status, a.header.Get("Content-Type"), a.body)
	}
	a := do(t, f.srv, "GET", "/metrics", "")
	if a.status != 200 || !strings.HasPrefix(a.header.Get("Content-Type"), "text/plain") || !strings.Contains(a.body, "chaintap_test_things_total 3") {
		t.Errorf("metrics: %d %q\n%s", a.status, a.header.Get("Content-Type"), a.body)
	}
}

// TestFavicon: the icon the page links, and the one browsers ask for by
// default, are served (no 404 in the console).
func TestFavicon(t *testing.T) {
	f := newServer(t)
	if a := do(t, f.srv, "GET", "/", ""); !strings.Contains(a.body, `rel="icon" href="/favicon.svg"`) {
		t.Error("the page links no favicon")
	}
	for _, path := range []string{"/favicon.svg", "/favicon.ico"} {
		if a := do(t, f.srv, "GET", path, ""); a.status != 200 || a.header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(a.body, "<svg") {
			t.Errorf("GET %s: %d %q", path, a.status, a.header.Get("Content-Type"))
		}
	}
}

// TestStreamSendsChanges: a change of the table, a battery's new event,
// its retraction and a new block arrive as server-sent events.
func TestStreamSendsChanges(t *testing.T) {
	f := newServer(t)
	resp, err := http.Get(f.srv.URL + "/api/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	<-lines // ": connected"
	f.apply("k3", "BatteryLocked", 3, `{"battery":"`+bat+`","owner":"`+owner+`"}`)
	f.status(t, bat, `{"OWNER":"`+owner+`","YEAR_BUILT":2020,"COUNTRY":"SE","CHARGE_CYCLES":1,"BLOCKED":true,"BLOCK":3}`)
	f.recent.ApplyEvent("k2", nil)
	blk, _ := json.Marshal(chaintap.EVMBlock{Number: 7, Hash: "0x07"})
	f.blocks.Apply("7", blk)
	var got []string
	timeout := time.After(5 * time.Second)
	for len(got) < 8 {
		select {
		case l := <-lines:
			if l != "" {
				got = append(got, l)
			}
		case <-timeout:
			t.Fatalf("stream gave %q", got)
		}
	}
	text := strings.Join(got, "\n")
	for _, want := range []string{
		"event: battery\ndata: {\"id\":\"" + batLower + `"`, `"blocked":true`,
		"event: battery_event\ndata: {\"key\":\"k3\",\"battery\":\"" + batLower + `","kind":"locked"`,
		"event: battery_event\ndata: {\"key\":\"k2\"", `"retracted":true`,
		"event: block\ndata: {\"number\":7",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("stream lacks %q; it gave:\n%s", want, text)
		}
	}
}

func TestRecentBlocksRetraction(t *testing.T) {
	r := NewRecentBlocks(2)
	for n := 1; n <= 3; n++ {
		b, _ := json.Marshal(chaintap.EVMBlock{Number: uint64(n), Hash: fmt.Sprint("0x", n)})
		r.Apply(fmt.Sprint(n), b)
	}
	if l := r.Latest(); len(l) != 2 || l[0].Number != 3 {
		t.Fatalf("latest = %+v", l)
	}
	r.Apply("3", nil)
	if l := r.Latest(); len(l) != 1 || l[0].Number != 2 {
		t.Fatalf("after a retraction latest = %+v", l)
	}
}

// TestBlocksMarkReorgs: a reorg's record marks the blocks that replaced
// the orphans, whether it arrives before them (block 2) or after (block
// 3); an orphan not replaced yet stays unmarked.
func TestBlocksMarkReorgs(t *testing.T) {
	f := newServer(t)
	replace := func(n uint64, hash string) {
		b, _ := json.Marshal(chaintap.EVMBlock{Number: n, Hash: hash})
		f.blocks.Apply(fmt.Sprint(n), nil)
		f.blocks.Apply(fmt.Sprint(n), b)
	}
	ev, _ := json.Marshal(chaintap.Reorg{Type: chaintap.KindReorg, Depth: 2, ConfirmedHit: true,
		CommonAncestor: chaintap.Header{Number: 1, Hash: "0x01"},
		Orphaned:       []chaintap.Header{{Number: 3, Hash: "0x03"}, {Number: 2, Hash: "0x02"}}})
	replace(3, "0x33")
	f.blocks.ApplyReorg(ev)
	replace(2, "0x22")
	for _, s := range f.blocks.Latest() {
		m := s.Reorg
		if s.Number == 1 && m != nil || s.Number > 1 && (m == nil || m.Depth != 2 || !m.ConfirmedHit) {
			t.Fatalf("block %d is marked %+v", s.Number, m)
		}
	}
	if a := do(t, f.srv, "GET", "/api/blocks?limit=1", ""); !strings.Contains(a.body, `"reorg":{"depth":2,"confirmed_hit":true}`) {
		t.Fatalf("/api/blocks does not mark the new block 3: %s", a.body)
	}
	// An orphan the record arrives before its replacement stays unmarked.
	f.blocks.ApplyReorg([]byte(`{"type":"reorg","depth":1,"common_ancestor":{"number":2},"orphaned":[{"number":3,"hash":"0x33"}]}`))
	if b := f.blocks.Latest()[0]; b.Reorg == nil || b.Reorg.Depth != 2 {
		t.Fatalf("the orphan 0x33 was marked by the reorg that orphans it: %+v", b.Reorg)
	}
}

// TestOtherChainBlocks: a chain followed beside the demo's (up --bitcoin)
// is listed, its latest blocks served (a Bitcoin block record read like
// an EVM one, gas 0), an unknown chain is a 404, and its new blocks come
// over the stream naming their chain.
func TestOtherChainBlocks(t *testing.T) {
	btc := NewChainBlocks("btc-regtest", 5)
	apply := func(n uint64) {
		v, _ := json.Marshal(chaintap.BitcoinBlock{Type: "block", Chain: "btc-regtest", Number: n, Hash: fmt.Sprintf("%064x", n), TransactionCount: 3})
		btc.Apply(fmt.Sprint(n), v)
	}
	apply(101)
	srv := httptest.NewServer(New(Config{Batteries: battery.NewStatuses(), Events: battery.NewRecent(battery.Source{}, 1), Blocks: NewRecentBlocks(1),
		Sources:     Sources{Chain: "devchain"},
		OtherChains: []OtherChain{{Name: "btc-regtest", Family: "bitcoin", BlocksTopic: "btc-regtest.blocks", Blocks: btc}}}))
	defer srv.Close()
	if a := do(t, srv, "GET", "/api/chains", ""); a.status != 200 || !strings.Contains(a.body, `"name":"btc-regtest","family":"bitcoin","blocks_topic":"btc-regtest.blocks"`) {
		t.Fatalf("chains: %d %s", a.status, a.body)
	}
	if a := do(t, srv, "GET", "/api/chains/btc-regtest/blocks", ""); a.status != 200 || !strings.Contains(a.body, `"chain":"btc-regtest","number":101`) || !strings.Contains(a.body, `"transaction_count":3,"gas_used":0`) {
		t.Fatalf("blocks: %d %s", a.status, a.body)
	}
	if a := do(t, srv, "GET", "/api/chains/ltc/blocks", ""); a.status != 404 {
		t.Fatalf("unknown chain: %d %s", a.status, a.body)
	}
	resp, err := http.Get(srv.URL + "/api/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Scan() // ": connected"
	apply(102)
	deadline := time.AfterFunc(5*time.Second, func() { resp.Body.Close() })
	defer deadline.Stop()
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "data: ") && strings.Contains(sc.Text(), `"chain":"btc-regtest","number":102`) {
			return
		}
	}
	t.Fatal("the stream did not send block 102 of btc-regtest")
}
