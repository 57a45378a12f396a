package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chaintap/chaintap/gateway"
)

func post(t *testing.T, g *gw, token, key, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, g.srv.URL+"/api/tx", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestRESTRequestLifecycle: a call by ABI method name over REST is 202
// with its id, and GET follows it to confirmed; the page's token may use
// only its sender and contract.
func TestRESTRequestLifecycle(t *testing.T) {
	e := newEnv(t, 100*time.Millisecond)
	g := e.run(e.cfg)
	// s1 is no battery's owner, so lock would revert; addStation by a
	// non-manufacturer too. A transfer by the ops token works.
	resp, body := post(t, g, "ops-secret-0123456789", "k1", `{"from":"s3","to":"0x00000000000000000000000000000000000000bb","value":"0x10"}`)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST: %d %s", resp.StatusCode, body)
	}
	var st gateway.State
	if err := json.Unmarshal([]byte(body), &st); err != nil || st.ID == "" || st.Status != gateway.StatusAccepted {
		t.Fatalf("POST answer %s: %v", body, err)
	}
	if resp.Header.Get("Location") != "/api/tx/"+st.ID || strings.Contains(body, `"raw"`) {
		t.Fatalf("POST answer: Location %q, body %s", resp.Header.Get("Location"), body)
	}
	g.wait(t, st.ID, time.Minute, gateway.StatusConfirmed)
	req, _ := http.NewRequest(http.MethodGet, g.srv.URL+"/api/tx/"+st.ID, nil)
	req.Header.Set("Authorization", "Bearer ops-secret-0123456789")
	resp, body = do(t, req)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"status":"confirmed"`) || !strings.Contains(body, `"block_number"`) {
		t.Fatalf("GET: %d %s", resp.StatusCode, body)
	}
	// The page's token sees only s1's requests.
	req.Header.Set("Authorization", "Bearer page-secret-0123456789")
	if resp, body = do(t, req); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("GET with a token for another sender: %d %s", resp.StatusCode, body)
	}
}

// TestBadInputSendsNothing: every malformed or refused request gets a
// clear JSON error with its status, is counted when authorization refused
// it, and sends nothing.
func TestBadInputSendsNothing(t *testing.T) {
	e := newEnv(t, 100*time.Millisecond)
	g := e.run(e.cfg)
	battery := e.fleet.Batteries()[0].Hex()
	ops, page := "ops-secret-0123456789", "page-secret-0123456789"
	for _, c := range []struct {
		name, token, key, body string
		status                 int
		says                   string
	}{
		{"no token", "", "b1", `{"from":"s1","to":"0x00000000000000000000000000000000000000bb"}`, 401, "Authorization"},
		{"wrong token", "not-a-token-at-all", "b2", `{"from":"s1","to":"0x00000000000000000000000000000000000000bb"}`, 401, "not valid"},
		{"sender not the token's", page, "b3", `{"from":"s2","contract":"registry","method":"lock","args":["` + battery + `"]}`, 403, "sender"},
		{"transfer with a contract-only token", page, "b4", `{"from":"s1","to":"0x00000000000000000000000000000000000000bb"}`, 403, "contract"},
		{"no idempotency key", ops, "", `{"from":"s1","to":"0x00000000000000000000000000000000000000bb"}`, 400, "Idempotency-Key"},
		{"not JSON", ops, "b5", `from=s1&to=0xbb`, 400, "not a JSON request"},
		{"unknown field", ops, "b6", `{"from":"s1","too":"0x00000000000000000000000000000000000000bb"}`, 400, "unknown field"},
		{"unknown sender", ops, "b7", `{"from":"mallory","to":"0x00000000000000000000000000000000000000bb"}`, 400, `unknown sender "mallory"`},
		{"unknown contract", ops, "b8", `{"from":"s1","contract":"vault","method":"lock","args":[]}`, 400, `unknown contract "vault"`},
		{"unknown method", ops, "b9", `{"from":"s1","contract":"registry","method":"steal","args":[]}`, 400, `no method "steal"`},
		{"too few arguments", ops, "b10", `{"from":"s1","contract":"registry","method":"lock","args":[]}`, 400, "want 1 arguments (address battery)"},
		{"an address that is not one", ops, "b11", `{"from":"s1","contract":"registry","method":"lock","args":["0x12"]}`, 400, "args[0]: address battery: want an 0x-address"},
		{"a string for a uint16", ops, "b12", `{"from":"s1","contract":"registry","method":"register","args":["` + battery + `","` + battery + `","nineteen","DE"]}`, 400, "args[2]: uint16 yearBuilt: want an integer"},
		{"a uint16 too large", ops, "b13", `{"from":"s1","contract":"registry","method":"register","args":["` + battery + `","` + battery + `",70000,"DE"]}`, 400, "70000 does not fit"},
		{"a revert", ops, "b14", `{"from":"s1","contract":"registry","method":"lock","args":["` + battery + `"]}`, 422, "only the battery's owner can lock or unlock it"},
		{"a negative value", ops, "b15", `{"from":"s1","to":"0x00000000000000000000000000000000000000bb","value":"-1"}`, 400, "not a wei amount"},
	} {
		resp, body := post(t, g, c.token, c.key, c.body)
		var answer map[string]string
		if err := json.Unmarshal([]byte(body), &answer); err != nil || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: not a JSON error: %s", c.name, body)
		}
		if resp.StatusCode != c.status || !strings.Contains(answer["error"], c.says) {
			t.Errorf("%s: %d %s, want %d saying %q", c.name, resp.StatusCode, body, c.status, c.says)
		}
	}
	if got := answerOf(t, g, "b14")["revert_reason"]; got != "" {
		t.Errorf("a refused request was stored: %v", got)
	}
	for _, reason := range []string{"missing_token", "bad_token", "sender", "contract"} {
		if n := refusals(t, g, reason); n != 1 {
			t.Errorf("%v refusals counted for %s, want 1", n, reason)
		}
	}
	time.Sleep(300 * time.Millisecond)
	for i := range e.chain.Keys() {
		if txs := e.onChain(e.addr(i)); len(txs) != 0 {
			t.Fatalf("sender s%d sent %d transactions for bad requests", i, len(txs))
		}
		n, err := e.chain.Client().PendingNonceAt(context.Background(), e.addr(i))
		if err != nil || n != 0 {
			t.Fatalf("sender s%d: pending nonce %d, %v", i, n, err)
		}
	}
}

// answerOf is what GET says about the request with key (nil: unknown).
func answerOf(t *testing.T, g *gw, key string) map[string]string {
	t.Helper()
	st, err := g.svc.Get(gateway.RequestID(key))
	if err != nil {
		return nil
	}
	return map[string]string{"status": string(st.Status), "revert_reason": st.RevertReason}
}
