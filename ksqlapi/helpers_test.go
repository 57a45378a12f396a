package ksqlapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chaintap/chaintap/internal/ksqltest"
)

// apiFixture is a broker, the engine running ksqltest.Readings, and the
// API served on a loopback port.
type apiFixture struct{ url string }

func newFixture(t *testing.T) *apiFixture {
	t.Helper()
	return &apiFixture{url: ksqltest.Start(t, ksqltest.Readings, map[string]int32{"readings": 2}).URL}
}

// clients over HTTP/1.1 and cleartext HTTP/2 (prior knowledge, as
// ksqlDB's Java client).
func clients() map[string]*http.Client {
	var h1, h2 http.Protocols
	h1.SetHTTP1(true)
	h2.SetUnencryptedHTTP2(true)
	return map[string]*http.Client{
		"HTTP/1.1": {Transport: &http.Transport{Protocols: &h1}},
		"h2c":      {Transport: &http.Transport{Protocols: &h2}},
	}
}

// post sends body and returns the status, the protocol and the answer.
func post(t *testing.T, c *http.Client, url, body string, header ...string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/vnd.ksql.v1+json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Proto, out
}

// lines splits a delimited answer into its JSON values.
func lines(t *testing.T, body []byte) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		out = append(out, json.RawMessage(bytes.Clone(sc.Bytes())))
	}
	return out
}
