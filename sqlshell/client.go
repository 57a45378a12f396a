package sqlshell

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Client speaks ksqlDB's REST API: what `chaintap up` and `chaintap
// process` serve, and what ksqlDB itself serves.
type Client struct {
	base string
	http *http.Client
}

// NewClient returns a client of the API at server (http://host:port).
func NewClient(server string) (*Client, error) {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--server %q: want http://host:port", server)
	}
	// No client timeout: a push query streams for as long as it is wanted;
	// the requests' contexts end them.
	return &Client{base: strings.TrimRight(server, "/"), http: &http.Client{}}, nil
}

// Server is the API's address, for messages.
func (c *Client) Server() string { return c.base }

// APIError is ksqlDB's error answer: its message names the line:column of
// a statement's error.
type APIError struct {
	Status    int    `json:"-"`
	Code      int    `json:"error_code"`
	Message   string `json:"message"`
	Statement string `json:"statementText"`
}

func (e *APIError) Error() string { return e.Message }

// UnreachableError is a server nobody answers at.
type UnreachableError struct {
	URL string
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach chaintap's SQL API at %s (%v); start one with `chaintap up` (it serves 127.0.0.1:8088) "+
		"or `chaintap process --api-addr 127.0.0.1:8088`, or point --server at a running chaintap or ksqlDB", e.URL, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Info is what /info tells of the server.
type Info struct {
	Version, KafkaClusterID, KsqlServiceID, ServerStatus string
}

// Info asks the server what it is; it is also how the shell checks that
// one answers.
func (c *Client) Info(ctx context.Context) (Info, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/info", nil)
	if err != nil {
		return Info{}, err
	}
	resp, err := c.do(req)
	if err != nil {
		return Info{}, err
	}
	defer resp.Body.Close()
	var out struct{ KsqlServerInfo Info }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return Info{}, fmt.Errorf("%s/info: %w", c.base, err)
	}
	return out.KsqlServerInfo, nil
}

// Ksql runs one statement on /ksql and returns its entities (none for
// statements that have none, as INSERT … VALUES).
func (c *Client) Ksql(ctx context.Context, text string, props map[string]string) ([]json.RawMessage, error) {
	resp, err := c.post(ctx, "/ksql", map[string]any{"ksql": text, "streamsProperties": props}, "")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out []json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("%s/ksql answered what is not a list of entities: %w", c.base, err)
	}
	return out, nil
}

// Header is the first object of /query-stream's answer.
type Header struct {
	QueryID     string   `json:"queryId"`
	ColumnNames []string `json:"columnNames"`
	ColumnTypes []string `json:"columnTypes"`
}

// Rows is a query's answer, read as it streams.
type Rows struct {
	Header Header
	body   io.ReadCloser
	r      *bufio.Reader
}

// Query starts a SELECT on /query-stream (newline-delimited answer).
func (c *Client) Query(ctx context.Context, text string, props map[string]string) (*Rows, error) {
	resp, err := c.post(ctx, "/query-stream", map[string]any{"sql": text, "properties": props}, "application/vnd.ksqlapi.delimited.v1")
	if err != nil {
		return nil, err
	}
	rows := &Rows{body: resp.Body, r: bufio.NewReader(resp.Body)}
	line, err := rows.line()
	if err == nil {
		err = json.Unmarshal(line, &rows.Header)
	}
	if err != nil {
		resp.Body.Close()
		return nil, fmt.Errorf("%s/query-stream: reading the header: %w", c.base, err)
	}
	return rows, nil
}

// Next returns the next row's values as JSON; io.EOF after the last.
func (r *Rows) Next() ([]json.RawMessage, error) {
	line, err := r.line()
	if err != nil {
		return nil, err
	}
	var vals []json.RawMessage
	if err := json.Unmarshal(line, &vals); err != nil {
		// ksqlDB ends a failed query with an error object.
		var apiErr APIError
		if json.Unmarshal(line, &apiErr) == nil && apiErr.Message != "" {
			return nil, &apiErr
		}
		return nil, fmt.Errorf("a row that is not a JSON array: %.200s", line)
	}
	return vals, nil
}

// line reads the next non-blank line.
func (r *Rows) line() ([]byte, error) {
	for {
		line, err := r.r.ReadBytes('\n')
		if t := bytes.TrimSpace(line); len(t) > 0 {
			return t, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// Close ends the request: for a push query, the server ends the query.
func (r *Rows) Close() error { return r.body.Close() }

// CloseQuery ends a push query by ID.
func (c *Client) CloseQuery(ctx context.Context, id string) error {
	resp, err := c.post(ctx, "/close-query", map[string]string{"queryId": id}, "")
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// post sends body as JSON and returns a 200 answer; any other is its
// *APIError.
func (c *Client) post(ctx context.Context, path string, body any, accept string) (*http.Response, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+path, bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/vnd.ksql.v1+json")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return c.do(req)
}

// do sends req, tells an unreachable server apart, and turns an answer
// other than 200 into an *APIError.
func (c *Client) do(req *http.Request) (*http.Response, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		var op *net.OpError
		var dns *net.DNSError
		if errors.As(err, &op) && op.Op == "dial" || errors.As(err, &dns) {
			return nil, &UnreachableError{URL: c.base, Err: unwrapDial(err)}
		}
		return nil, err
	}
	if resp.StatusCode == http.StatusOK {
		return resp, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	apiErr := &APIError{Status: resp.StatusCode}
	if err := json.Unmarshal(raw, apiErr); err != nil || apiErr.Message == "" {
		return nil, fmt.Errorf("%s%s answered HTTP %d, not ksqlDB's API: %.200s", c.base, req.URL.Path, resp.StatusCode, bytes.TrimSpace(raw))
	}
	return nil, apiErr
}

// unwrapDial is the dial error without url.Error's "Post <url>:" prefix,
// which the message names already.
func unwrapDial(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
