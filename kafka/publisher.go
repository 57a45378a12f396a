package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap"
)

// Publisher is a chaintap.Publisher for one chain: a transactional producer
// whose transactional ID is derived from the chain, so a second instance
// following the same chain fences the first.
type Publisher struct {
	cfg     Config
	chain   string
	topics  Topics
	cl      *kgo.Client
	log     *slog.Logger
	metrics *Metrics

	// manifests of the blocks in the cursor's window, by block hash, with
	// the offset each was written at.
	manifests map[string]*manifest
	offsets   map[string]int64
}

var _ chaintap.Publisher = (*Publisher)(nil)

// TransactionalID is the transactional ID of chain's follower.
func TransactionalID(chain string) string { return "chaintap-follower-" + chain }

// NewPublisher creates the chain's topics if missing and initialises the
// transactional producer, which aborts whatever transaction a previous
// instance left open.
func NewPublisher(ctx context.Context, cfg Config, chain string, log *slog.Logger, m *Metrics) (*Publisher, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	cl, err := cfg.NewClient(
		kgo.TransactionalID(TransactionalID(chain)),
		kgo.TransactionTimeout(time.Minute),
		kgo.ProducerBatchMaxBytes(1<<20),
		kgo.MaxBufferedRecords(1<<20),
		kgo.ProducerLinger(0),
	)
	if err != nil {
		return nil, err
	}
	p := &Publisher{cfg: cfg, chain: chain, topics: TopicsFor(cfg.Topics.Prefix, chain), cl: cl, log: log, metrics: m,
		manifests: map[string]*manifest{}, offsets: map[string]int64{}}
	if err := EnsureTopics(ctx, cl, cfg.Topics, p.topics); err != nil {
		cl.Close()
		return nil, err
	}
	if _, _, err := cl.ProducerID(ctx); err != nil {
		cl.Close()
		return nil, fmt.Errorf("initialising the transactional producer %s: %w", TransactionalID(chain), fenced(err))
	}
	return p, nil
}

// Topics returns the chain's topic names.
func (p *Publisher) Topics() Topics { return p.topics }

// Close releases the producer without committing anything open. It is
// idempotent.
func (p *Publisher) Close() {
	if p.cl != nil {
		p.cl.Close()
		p.cl = nil
	}
}

// cursorRecord is the value of a chain's record in the cursors topic.
type cursorRecord struct {
	Cursor chaintap.Cursor `json:"cursor"`
	// ManifestFrom is the offset of the oldest window block's manifest.
	ManifestFrom int64 `json:"manifest_from"`
}

// LoadCursor implements chaintap.Publisher. It also reloads the manifests
// of the cursor's window, so that an orphaned block found after a restart
// can still be retracted record by record.
func (p *Publisher) LoadCursor(ctx context.Context, chain string) (*chaintap.Cursor, error) {
	last, err := readCursor(ctx, p.cfg, chain)
	if err != nil {
		return nil, err
	}
	p.manifests, p.offsets = map[string]*manifest{}, map[string]int64{}
	if last == nil {
		return nil, nil
	}
	if err := p.loadManifests(ctx, &last.Cursor, last.ManifestFrom); err != nil {
		return nil, err
	}
	return &last.Cursor, nil
}

// ReadCursor returns the committed cursor of chain, or nil when there is
// none; tools and tests use it to see where a follower stands.
func ReadCursor(ctx context.Context, cfg Config, chain string) (*chaintap.Cursor, error) {
	c, err := readCursor(ctx, cfg, chain)
	if c == nil || err != nil {
		return nil, err
	}
	return &c.Cursor, nil
}

func readCursor(ctx context.Context, cfg Config, chain string) (*cursorRecord, error) {
	var last *cursorRecord
	err := ReadTopic(ctx, cfg, CursorsTopic, 0, func(r *kgo.Record) error {
		if string(r.Key) != chain {
			return nil
		}
		if r.Value == nil {
			last = nil
			return nil
		}
		var c cursorRecord
		if err := json.Unmarshal(r.Value, &c); err != nil {
			return fmt.Errorf("decoding the cursor of %s at offset %d: %w", chain, r.Offset, err)
		}
		last = &c
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loading the cursor of %s: %w", chain, err)
	}
	return last, nil
}

func (p *Publisher) loadManifests(ctx context.Context, c *chaintap.Cursor, from int64) error {
	inWindow := map[string]bool{}
	for _, h := range c.Window {
		inWindow[h.Hash] = true
	}
	return ReadTopic(ctx, p.cfg, ManifestsTopic, from, func(r *kgo.Record) error {
		if r.Value == nil {
			return nil
		}
		var m manifest
		if err := json.Unmarshal(r.Value, &m); err != nil {
			return fmt.Errorf("decoding manifest %s at offset %d: %w", r.Key, r.Offset, err)
		}
		if m.Chain == p.chain && inWindow[m.Hash] {
			p.manifests[m.Hash] = &m
			p.offsets[m.Hash] = r.Offset
		}
		return nil
	})
}

// Publish implements chaintap.Publisher: retractions, head-view upserts,
// manifests, confirmed-view records and the cursor, in one transaction.
func (p *Publisher) Publish(ctx context.Context, b chaintap.Batch) error {
	start := time.Now()
	recs, newManifests, err := p.encode(b)
	if err != nil {
		return err
	}
	if err := p.cl.BeginTransaction(); err != nil {
		return fmt.Errorf("beginning a transaction: %w", err)
	}
	manifestOffsets, err := p.produce(ctx, recs)
	if err == nil {
		err = p.writeCursor(ctx, b.Cursor, newManifests, manifestOffsets)
	}
	if err != nil {
		if aerr := p.cl.EndTransaction(context.WithoutCancel(ctx), kgo.TryAbort); aerr != nil {
			err = errors.Join(err, fmt.Errorf("aborting: %w", aerr))
		}
		p.metrics.txns.WithLabelValues(p.chain, "aborted").Inc()
		return fenced(err)
	}
	if err := p.cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		p.metrics.txns.WithLabelValues(p.chain, "failed").Inc()
		return fmt.Errorf("committing blocks up to %v: %w", headNumber(b.Cursor), fenced(err))
	}
	p.metrics.txns.WithLabelValues(p.chain, "committed").Inc()
	p.metrics.txnSeconds.WithLabelValues(p.chain).Observe(time.Since(start).Seconds())
	p.metrics.records.WithLabelValues(p.chain).Add(float64(len(recs)))
	p.remember(b, newManifests, manifestOffsets)
	return nil
}

// encode turns a batch into records; it returns the new blocks' manifests.
func (p *Publisher) encode(b chaintap.Batch) ([]*kgo.Record, []*manifest, error) {
	var recs []*kgo.Record
	for _, h := range b.Retract {
		m, ok := p.manifests[h.Hash]
		if !ok {
			return nil, nil, fmt.Errorf("retracting block %d %s: no manifest of what was published for it", h.Number, h.Hash)
		}
		recs = append(recs, retractions(m)...)
	}
	var ms []*manifest
	for _, blk := range b.Apply {
		m := &manifest{Chain: p.chain, Number: blk.Number, Hash: blk.Hash, Keys: map[string][]string{}}
		rs, err := upserts(p.topics, blk, false, b.Origin, m)
		if err != nil {
			return nil, nil, err
		}
		recs = append(recs, rs...)
		v, err := json.Marshal(m)
		if err != nil {
			return nil, nil, fmt.Errorf("encoding the manifest of block %d: %w", blk.Number, err)
		}
		recs = append(recs, &kgo.Record{Topic: ManifestsTopic, Key: []byte(manifestKey(p.chain, blk.Number)), Value: v})
		ms = append(ms, m)
	}
	for _, blk := range b.Confirm {
		rs, err := upserts(p.topics, blk, true, "", nil)
		if err != nil {
			return nil, nil, err
		}
		recs = append(recs, rs...)
	}
	return recs, ms, nil
}

// produce sends recs and waits for all of them; it returns the offsets the
// manifests were written at, by block hash.
func (p *Publisher) produce(ctx context.Context, recs []*kgo.Record) (map[string]int64, error) {
	var (
		mu       sync.Mutex
		firstErr error
		offsets  = map[string]int64{}
		wg       sync.WaitGroup
	)
	wg.Add(len(recs))
	for _, r := range recs {
		p.cl.Produce(ctx, r, func(r *kgo.Record, err error) {
			defer wg.Done()
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("producing to %s: %w", r.Topic, err)
			}
			if err == nil && r.Topic == ManifestsTopic {
				offsets[string(r.Key)] = r.Offset
			}
		})
	}
	wg.Wait()
	return offsets, firstErr
}

func (p *Publisher) writeCursor(ctx context.Context, c chaintap.Cursor, ms []*manifest, offsets map[string]int64) error {
	from := int64(-1)
	consider := func(o int64) {
		if from < 0 || o < from {
			from = o
		}
	}
	inWindow := map[string]bool{}
	for _, h := range c.Window {
		inWindow[h.Hash] = true
	}
	for hash, o := range p.offsets {
		if inWindow[hash] {
			consider(o)
		}
	}
	for _, m := range ms {
		if inWindow[m.Hash] {
			consider(offsets[manifestKey(m.Chain, m.Number)])
		}
	}
	if from < 0 {
		from = 0
	}
	v, err := json.Marshal(cursorRecord{Cursor: c, ManifestFrom: from})
	if err != nil {
		return fmt.Errorf("encoding the cursor: %w", err)
	}
	rec := &kgo.Record{Topic: CursorsTopic, Key: []byte(p.chain), Value: v}
	if err := p.cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return fmt.Errorf("writing the cursor: %w", err)
	}
	return nil
}

// remember keeps the manifests of the window's blocks after a commit.
func (p *Publisher) remember(b chaintap.Batch, ms []*manifest, offsets map[string]int64) {
	for _, m := range ms {
		p.manifests[m.Hash] = m
		p.offsets[m.Hash] = offsets[manifestKey(m.Chain, m.Number)]
	}
	inWindow := map[string]bool{}
	for _, h := range b.Cursor.Window {
		inWindow[h.Hash] = true
	}
	for hash := range p.manifests {
		if !inWindow[hash] {
			delete(p.manifests, hash)
			delete(p.offsets, hash)
		}
	}
}

func headNumber(c chaintap.Cursor) any {
	if h, ok := c.Head(); ok {
		return h.Number
	}
	return "start"
}

// fenced maps Kafka's fencing errors to chaintap.ErrFenced.
func fenced(err error) error {
	if errors.Is(err, kerr.ProducerFenced) || errors.Is(err, kerr.InvalidProducerEpoch) || errors.Is(err, kerr.TransactionalIDAuthorizationFailed) {
		return fmt.Errorf("%w: %w", chaintap.ErrFenced, err)
	}
	return err
}
