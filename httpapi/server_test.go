package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/battery"
)

const bat = "0x00000000000000000000000000000000000000b1"

// fakeLocker stands for the devchain: an interface of ours, not a client
// library's.
type fakeLocker struct{ calls []string }

func (f *fakeLocker) SetBlocked(_ context.Context, id, from string, blocked bool) error {
	f.calls = append(f.calls, fmt.Sprint(id, from, blocked))
	switch {
	case from != "":
		return fmt.Errorf("%w: only the battery's owner can lock or unlock it", chaintap.ErrRefused)
	case !strings.EqualFold(id, bat):
		return fmt.Errorf("battery %s: %w", id, chaintap.ErrNotFound)
	}
	return nil
}

func newServer(t *testing.T) (*httptest.Server, *battery.Table, *RecentBlocks) {
	table := battery.NewTable("BatteryRegistry")
	ev, _ := json.Marshal(chaintap.Event{ContractName: "BatteryRegistry", EventName: "BatteryRegistered", BlockNumber: 1,
		Args: json.RawMessage(`{"battery":"` + bat + `","owner":"0xo","yearBuilt":"2020","country":"SE"}`)})
	table.Apply("k1", ev)
	blocks := NewRecentBlocks(3)
	srv := httptest.NewServer(New(table, &fakeLocker{}, blocks, nil))
	t.Cleanup(srv.Close)
	return srv, table, blocks
}

func TestAPIStatuses(t *testing.T) {
	srv, _, _ := newServer(t)
	for _, c := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", "/api/batteries/" + bat, "", 200, `"country":"SE"`},
		{"GET", "/api/batteries/0xnope", "", 400, "not a battery id"},
		{"GET", "/api/batteries/0x00000000000000000000000000000000000000ff", "", 404, "no battery"},
		{"POST", "/api/batteries/" + bat + "/lock", "", 202, `"blocked":true`},
		{"POST", "/api/batteries/" + bat + "/unlock", `{"from":"0x00000000000000000000000000000000000000aa"}`, 403, "owner"},
		{"POST", "/api/batteries/" + bat + "/lock", `{bad json`, 400, "body"},
		{"POST", "/api/batteries/0x00000000000000000000000000000000000000ff/lock", "", 404, "not found"},
		{"GET", "/", "", 200, "Battery lookup"},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		_, _ = bufio.NewReader(resp.Body).WriteTo(&b)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.Contains(b.String(), c.want) {
			t.Errorf("%s %s: %d %s, want %d containing %q", c.method, c.path, resp.StatusCode, b.String(), c.status, c.want)
		}
		if c.status >= 400 && !strings.Contains(b.String(), `"error"`) {
			t.Errorf("%s %s: error without a JSON error field: %s", c.method, c.path, b.String())
		}
	}
}

// TestStreamSendsChanges: a change of the table and a new block arrive as
// server-sent events.
func TestStreamSendsChanges(t *testing.T) {
	srv, table, blocks := newServer(t)
	resp, err := http.Get(srv.URL + "/api/stream")
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
	ev, _ := json.Marshal(chaintap.Event{ContractName: "BatteryRegistry", EventName: "BatteryLocked", BlockNumber: 2,
		Args: json.RawMessage(`{"battery":"` + bat + `","owner":"0xo"}`)})
	table.Apply("k2", ev)
	blk, _ := json.Marshal(chaintap.Block{Number: 7, Hash: "0x07"})
	blocks.Apply("7", blk)
	var got []string
	timeout := time.After(5 * time.Second)
	for len(got) < 4 {
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
	if !strings.Contains(text, "event: battery") || !strings.Contains(text, `"blocked":true`) || !strings.Contains(text, "event: block") || !strings.Contains(text, `"number":7`) {
		t.Fatalf("stream gave:\n%s", text)
	}
}

func TestRecentBlocksRetraction(t *testing.T) {
	r := NewRecentBlocks(2)
	for n := 1; n <= 3; n++ {
		b, _ := json.Marshal(chaintap.Block{Number: uint64(n), Hash: fmt.Sprint("0x", n)})
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
