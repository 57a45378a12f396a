package query

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/sql"
	"github.com/chaintap/chaintap/stream"
)

// ErrClosed is returned by Next once the query was closed by ID.
var ErrClosed = errors.New("query closed")

// Push is a running push query. One goroutine calls Next; Close and the
// service's Close(id) may be called from any.
type Push struct {
	ID     string
	Schema *sql.Schema // the result's columns

	svc     *Service
	spec    Spec
	r       *reader
	local   *stream.Local
	dec     *decoder
	ctx     context.Context // ends when the query is closed by ID
	cancel  context.CancelFunc
	pending []Change
	sent    int64
	// While snapshotting: the result folded by key, until the reader
	// catches up.
	fold map[string]Change
}

// Push starts a push query. Its results come from Next.
func (s *Service) Push(ctx context.Context, spec Spec) (*Push, error) {
	if spec.Snapshot {
		if spec.Plan.ResultKind != sql.Table || len(spec.Plan.Output.KeyColumns()) == 0 {
			return nil, fmt.Errorf("query %s: the current rows then changes need a table result with its key columns selected", spec.ID)
		}
		spec.FromBeginning = true
	}
	r, err := newReader(ctx, s.kafka, externalInputs(spec.Stages), spec.FromBeginning)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", spec.ID, err)
	}
	p := &Push{ID: spec.ID, Schema: spec.Plan.Output, svc: s, spec: spec, r: r, dec: newDecoder(spec.Plan)}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.local = stream.NewLocal(spec.Stages, p.out)
	if spec.Snapshot {
		p.fold = map[string]Change{}
	}
	s.track(p)
	return p, nil
}

// Next returns the next change: it waits for one until ctx ends, the
// query is closed (ErrClosed) or its LIMIT was reached (io.EOF).
func (p *Push) Next(ctx context.Context) (Change, error) {
	for {
		if lim := p.spec.Plan.Limit; lim >= 0 && p.sent >= lim {
			return Change{}, io.EOF
		}
		if len(p.pending) > 0 {
			c := p.pending[0]
			p.pending = p.pending[1:]
			p.sent++
			return c, nil
		}
		if err := p.step(ctx); err != nil {
			return Change{}, err
		}
	}
}

// step reads the next records and runs them through the stages.
func (p *Push) step(ctx context.Context) error {
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	defer context.AfterFunc(p.ctx, stop)()
	recs, err := p.r.poll(pctx)
	if err != nil {
		if p.ctx.Err() != nil {
			return ErrClosed
		}
		return err
	}
	for _, rec := range recs {
		if err := p.local.Feed(ctx, toStream(rec)); err != nil {
			return fmt.Errorf("query %s: %w", p.ID, err)
		}
	}
	if p.fold != nil && p.r.caughtUp() {
		p.pending = append(p.pending, sortedFold(p.fold)...)
		p.fold = nil
	}
	return nil
}

// out receives the stages' outputs: results become changes, bad records
// (the errors topic) are logged.
func (p *Push) out(o stream.Output) {
	if o.Topic != p.spec.Results {
		if strings.HasSuffix(o.Topic, ".errors") {
			p.svc.log.Debug("a transient query skipped a bad record", "query", p.ID, "reason", string(o.Value))
		}
		return
	}
	c, err := p.dec.change(o.Key, o.Value)
	if err != nil {
		p.svc.log.Warn("a transient query's result does not decode", "query", p.ID, "err", err)
		return
	}
	if p.fold != nil {
		if c.Tombstone {
			delete(p.fold, string(o.Key))
		} else {
			p.fold[string(o.Key)] = c
		}
		return
	}
	p.pending = append(p.pending, c)
}

// Close stops the query and frees its consumer.
func (p *Push) Close() {
	p.cancel()
	p.svc.untrack(p.ID)
	p.r.close()
}

// sortedFold is the folded rows in key order (string order is byte
// order).
func sortedFold(m map[string]Change) []Change {
	out := make([]Change, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k])
	}
	return out
}

// toStream is a consumed record as a processor sees it.
func toStream(r *kgo.Record) stream.Record {
	in := stream.Record{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Key: r.Key, Value: r.Value,
		Timestamp: r.Timestamp.UnixMilli()}
	for _, h := range r.Headers {
		in.Headers = append(in.Headers, stream.Header{Key: h.Key, Value: h.Value})
	}
	return in
}
