package ksqlapi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/catalog"
	"github.com/chaintap/chaintap/sql"
)

// insertTarget checks that rows may be written to src: a stream declared
// by a statement, not a chain topic (only the follower writes those) nor
// a query's output (only its query does).
func (s *Server) insertTarget(src *sql.Source) error {
	switch {
	case src.Kind != sql.Stream:
		return clientError{fmt.Errorf("cannot insert into %s: it is a TABLE; inserts go to streams", src.Name)}
	case s.cfg.Catalog.FromChain(src.Topic):
		return clientError{fmt.Errorf("cannot insert into %s: its topic %s is written by the chain follower only", src.Name, src.Topic)}
	case slices.ContainsFunc(s.cfg.Queries, func(q catalog.Query) bool { return q.Plan.Sink != nil && q.Plan.Sink.Topic == src.Topic }):
		return clientError{fmt.Errorf("cannot insert into %s: a persistent query writes it", src.Name)}
	}
	return nil
}

// record encodes a row of src (every column, key ones included) as the
// record a producer of that stream would write.
func record(src *sql.Source, row sql.Row) (*kgo.Record, error) {
	key, err := sql.EncodeKey(src.KeyFormat, src.KeyColumns(), src.Schema.KeyValues(row))
	if err != nil {
		return nil, clientError{err}
	}
	return &kgo.Record{Topic: src.Topic, Key: key, Value: sql.EncodeJSON(src.Schema, row)}, nil
}

// insertValues runs INSERT INTO … VALUES: one record, produced before the
// statement's answer.
func (s *Server) insertValues(ctx context.Context, st *sql.InsertValues) error {
	p, err := s.cfg.Catalog.Plan(st)
	if err != nil {
		return clientError{err}
	}
	ip := p.(*sql.InsertValuesPlan)
	if err := s.insertTarget(ip.Target); err != nil {
		return err
	}
	rec, err := record(ip.Target, ip.Row)
	if err != nil {
		return err
	}
	cl, err := s.cfg.Kafka.NewClient()
	if err != nil {
		return err
	}
	defer cl.Close()
	if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return fmt.Errorf("inserting into %s: %w", ip.Target.Name, err)
	}
	return nil
}

// insertsStream is /inserts-stream: the body is {"target":"S"} then one
// JSON object per row, newline-delimited; the answer acknowledges each row
// once Kafka has it ({"status":"ok","seq":n}) or says why not
// ({"status":"error",…}), in order, while the body still streams in.
func (s *Server) insertsStream(w http.ResponseWriter, r *http.Request) {
	_ = http.NewResponseController(w).EnableFullDuplex()
	in := bufio.NewScanner(r.Body)
	in.Buffer(make([]byte, 64<<10), 16<<20)
	var target struct {
		Target string `json:"target"`
	}
	if !in.Scan() || json.Unmarshal(in.Bytes(), &target) != nil || target.Target == "" {
		writeError(w, http.StatusBadRequest, errBadRequest, `the body must start with {"target": "<stream>"} on its own line`)
		return
	}
	src := s.cfg.Catalog.Source(target.Target)
	if src == nil { // unquoted names are upper case, as in statements
		src = s.cfg.Catalog.Source(strings.ToUpper(target.Target))
	}
	if src == nil {
		writeError(w, http.StatusBadRequest, errBadStatement, "unknown stream '"+target.Target+"'")
		return
	}
	if err := s.insertTarget(src); err != nil {
		writeError(w, http.StatusBadRequest, errBadStatement, err.Error())
		return
	}
	cl, err := s.cfg.Kafka.NewClient()
	if err != nil {
		writeError(w, http.StatusInternalServerError, errServer, err.Error())
		return
	}
	defer cl.Close()
	w.Header().Set("Content-Type", contentTypeDelimited)
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	all := src.Schema.Unkeyed()
	enc := json.NewEncoder(w)
	for seq := int64(0); in.Scan(); seq++ {
		ack := map[string]any{"status": "ok", "seq": seq}
		if err := s.insertRow(r.Context(), cl, src, all, in.Bytes()); err != nil {
			code := errServer
			if isClientError(err) {
				code = errBadRequest
			}
			ack = map[string]any{"status": "error", "seq": seq, "error_code": code, "message": err.Error()}
		}
		if enc.Encode(ack) != nil {
			return
		}
		_ = rc.Flush()
	}
}

func (s *Server) insertRow(ctx context.Context, cl *kgo.Client, src *sql.Source, all *sql.Schema, line []byte) error {
	row, err := sql.DecodeJSON(all, line)
	if err != nil {
		return clientError{err}
	}
	if row == nil {
		return clientError{fmt.Errorf("a row must be a JSON object, not null")}
	}
	rec, err := record(src, row)
	if err != nil {
		return err
	}
	return cl.ProduceSync(ctx, rec).FirstErr()
}
