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
	// bufs are encoding buffers given back by Release.
	bufs sync.Pool
	// manifestEnd is past the newest manifest this publisher knows of.
	manifestEnd int64
	// broken is set when a transaction failed; LoadCursor then reconnects.
	broken bool
	// seal, when set, seals the records of some topics (WithSealer).
	seal *sealing
}

var (
	_ chaintap.Publisher = (*Publisher)(nil)
	_ chaintap.Preparer  = (*Publisher)(nil)
)

// TransactionalID is the transactional ID of chain's follower.
func TransactionalID(chain string) string { return "chaintap-follower-" + chain }

// NewPublisher creates the chain's topics if missing and initialises the
// transactional producer, which aborts whatever transaction a previous
// instance left open.
func NewPublisher(ctx context.Context, cfg Config, chain string, log *slog.Logger, m *Metrics, opts ...PublisherOption) (*Publisher, error) {
	return NewFamilyPublisher(ctx, cfg, chain, chaintap.FamilyEVM, log, m, opts...)
}

// NewFamilyPublisher is NewPublisher for a chain of any family: the
// family decides which topics the chain has (TopicsOf).
func NewFamilyPublisher(ctx context.Context, cfg Config, chain string, family chaintap.Family, log *slog.Logger, m *Metrics, opts ...PublisherOption) (*Publisher, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	p := &Publisher{cfg: cfg, chain: chain, topics: TopicsOf(cfg.Topics.Prefix, chain, family), log: log, metrics: m,
		manifests: map[string]*manifest{}, offsets: map[string]int64{}}
	for _, o := range opts {
		o(p)
	}
	if err := p.connect(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// connect creates the transactional client, the topics if missing, and
// initialises the producer ID, which aborts whatever transaction an
// earlier client with this transactional ID left open; then the seal is
// restored from what was committed.
func (p *Publisher) connect(ctx context.Context) error {
	var opts []kgo.Opt
	if p.seal != nil {
		opts = append(opts, kgo.RecordPartitioner(newSealPartitioner(p.seal.s.Topics())))
	}
	cl, err := p.cfg.NewClient(append(opts,
		kgo.TransactionalID(TransactionalID(p.chain)),
		// A follower's transaction takes milliseconds to seconds; if the
		// follower dies inside one, read_committed consumers wait for the
		// broker to abort it, so keep that wait short (Kafka's default is
		// a minute). A restarted follower aborts it at once anyway.
		kgo.TransactionTimeout(20*time.Second),
		kgo.ProducerBatchMaxBytes(1<<20),
		kgo.MaxBufferedRecords(1<<20),
		// Records linger (kgo's default 10 ms) to fill batches while a
		// transaction is being produced; Publish flushes at its end, so
		// lingering never delays a commit.
	)...)
	if err != nil {
		return err
	}
	if err := EnsureTopics(ctx, cl, p.cfg.Topics, p.topics); err != nil {
		cl.Close()
		return err
	}
	if _, _, err := cl.ProducerID(ctx); err != nil {
		cl.Close()
		return fmt.Errorf("initialising the transactional producer %s: %w", TransactionalID(p.chain), fenced(err))
	}
	if p.seal != nil {
		if err := p.seal.restore(ctx, p.cfg); err != nil {
			cl.Close()
			return err
		}
	}
	p.cl = cl
	return nil
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
	if p.broken {
		// After a failed transaction (a broker outage, say) the client's
		// state is unknown: start from a fresh one, as a restart would.
		p.Close()
		if err := p.connect(ctx); err != nil {
			return nil, err
		}
		p.broken = false
	}
	last, err := readCursor(ctx, p.cfg, chain)
	if err != nil {
		return nil, err
	}
	p.manifests, p.offsets = map[string]*manifest{}, map[string]int64{}
	p.manifestEnd = 0
	if last == nil {
		return nil, nil
	}
	p.manifestEnd = last.ManifestFrom
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
	for _, h := range c.Retractable() {
		inWindow[h.Hash] = true
	}
	return ReadTopic(ctx, p.cfg, ManifestsTopic, from, func(r *kgo.Record) error {
		if r.Value == nil {
			return nil
		}
		m, err := decodeManifest(r.Value)
		if err != nil {
			return fmt.Errorf("decoding manifest %s at offset %d: %w", r.Key, r.Offset, err)
		}
		if m.Chain == p.chain && inWindow[m.Hash] {
			p.manifests[m.Hash] = m
			p.offsets[m.Hash] = r.Offset
		}
		p.manifestEnd = max(p.manifestEnd, r.Offset+1)
		return nil
	})
}

// Publish implements chaintap.Publisher: retractions, head-view upserts,
// manifests, confirmed-view records and the cursor, in one transaction.
func (p *Publisher) Publish(ctx context.Context, b chaintap.Batch) error {
	start := time.Now()
	if err := p.canRetract(b); err != nil {
		return err
	}
	if err := p.sealReady(); err != nil {
		return err
	}
	if err := p.cl.BeginTransaction(); err != nil {
		p.broken = true
		p.sealDone(ctx, false)
		return fmt.Errorf("beginning a transaction: %w", err)
	}
	w := newTxnWriter(ctx, p.cl)
	send, err := p.sealBegin(w.send)
	var newManifests []*manifest
	if err == nil {
		newManifests, err = p.emit(b, send)
	}
	if err == nil {
		// The cursor goes with the data, not after it: one flush, one wait.
		var cursor *kgo.Record
		if cursor, err = p.cursorRecord(b.Cursor); err == nil {
			w.send(cursor)
		}
	}
	manifestOffsets, werr := w.wait()
	if err = errors.Join(err, werr, p.sealErr()); err != nil {
		p.broken = true
		p.sealDone(ctx, false)
		if aerr := p.cl.EndTransaction(context.WithoutCancel(ctx), kgo.TryAbort); aerr != nil {
			err = errors.Join(err, fmt.Errorf("aborting: %w", aerr))
		}
		p.metrics.txns.WithLabelValues(p.chain, "aborted").Inc()
		return fenced(err)
	}
	if err := p.cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		p.broken = true
		p.sealDone(ctx, false)
		p.metrics.txns.WithLabelValues(p.chain, "failed").Inc()
		return fmt.Errorf("committing blocks up to %v: %w", headNumber(b.Cursor), fenced(err))
	}
	p.metrics.txns.WithLabelValues(p.chain, "committed").Inc()
	p.sealDone(ctx, true)
	p.metrics.txnSeconds.WithLabelValues(p.chain).Observe(time.Since(start).Seconds())
	p.metrics.records.WithLabelValues(p.chain).Add(float64(w.n))
	p.remember(b, newManifests, manifestOffsets)
	return nil
}

// canRetract checks that every block b retracts from either view has a
// manifest.
func (p *Publisher) canRetract(b chaintap.Batch) error {
	hs := append([]chaintap.Header(nil), b.Retract...)
	for _, c := range b.Correct {
		hs = append(hs, c.Block)
	}
	for _, h := range hs {
		if _, ok := p.manifests[h.Hash]; !ok {
			return fmt.Errorf("retracting block %d %s: %w: no manifest of what was published for it in %s", h.Number, h.Hash, chaintap.ErrCannotRetract, ManifestsTopic)
		}
	}
	return nil
}

// emit encodes the batch block by block and hands each record to send at
// once, so that producing one block overlaps with encoding the next: the
// reorgs' records, the head view's retractions, the confirmed view's
// corrections, then the new blocks. It returns the new blocks' manifests.
func (p *Publisher) emit(b chaintap.Batch, send func(r *kgo.Record, prehash []byte)) ([]*manifest, error) {
	for i := range b.Reorgs {
		r, err := reorgRecord(p.topics, &b.Reorgs[i])
		if err != nil {
			return nil, err
		}
		send(r, nil)
	}
	for _, h := range b.Retract {
		for _, r := range retractions(p.manifests[h.Hash]) {
			send(r, nil)
		}
	}
	for _, c := range b.Correct {
		for _, r := range corrections(p.topics, p.manifests[c.Block.Hash], c.Reorg) {
			send(r, nil)
		}
	}
	var ms []*manifest
	for _, blk := range b.Apply {
		e, err := p.sendView(blk, false, b.Origin, send)
		if err != nil {
			return nil, err
		}
		send(&kgo.Record{Topic: ManifestsTopic, Key: []byte(manifestKey(p.chain, blk.Header().Number)), Value: e.manifestValue}, nil)
		ms = append(ms, e.manifest)
	}
	for _, blk := range b.Confirm {
		if _, err := p.sendView(blk, true, "", send); err != nil {
			return nil, err
		}
	}
	return ms, nil
}

// sendView hands blk's records of one view (upserts, origin in their
// headers) to send, with their content prehashes when sealing, and
// returns the block's encoding.
func (p *Publisher) sendView(blk chaintap.Block, confirmed bool, origin chaintap.Origin, send func(*kgo.Record, []byte)) (*encoded, error) {
	e, err := p.encodedOf(blk)
	if err != nil {
		return nil, err
	}
	h := blk.Header()
	rs := e.view(p.topics, h, confirmed, blockHeaders(p.chain, h.Number, h.Hash, OpUpsert, origin))
	pre := e.prehashes(confirmed)
	for i := range rs {
		if pre != nil {
			send(&rs[i], pre[i])
		} else {
			send(&rs[i], nil)
		}
	}
	return e, nil
}

// txnWriter produces records into the open transaction as they come and
// collects the outcome: the first error and the manifests' offsets. Its
// promise is one method value for all records (a closure per record was
// an allocation per record), and only manifests take the lock.
type txnWriter struct {
	cl       *kgo.Client
	ctx      context.Context
	wg       sync.WaitGroup
	promise  func(*kgo.Record, error)
	mu       sync.Mutex
	firstErr error
	offsets  map[string]int64 // manifest key → offset
	n        int
}

func newTxnWriter(ctx context.Context, cl *kgo.Client) *txnWriter {
	w := &txnWriter{cl: cl, ctx: ctx, offsets: map[string]int64{}}
	w.promise = w.done
	return w
}

func (w *txnWriter) send(r *kgo.Record) {
	w.n++
	w.wg.Add(1)
	w.cl.Produce(w.ctx, r, w.promise)
}

func (w *txnWriter) done(r *kgo.Record, err error) {
	defer w.wg.Done()
	if err == nil && r.Topic != ManifestsTopic {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil && w.firstErr == nil {
		w.firstErr = fmt.Errorf("producing to %s: %w", r.Topic, err)
	}
	if err == nil {
		w.offsets[string(r.Key)] = r.Offset
	}
}

// wait flushes and waits for every record sent.
func (w *txnWriter) wait() (map[string]int64, error) {
	flushErr := w.cl.Flush(w.ctx)
	w.wg.Wait()
	if w.firstErr == nil && flushErr != nil {
		w.firstErr = fmt.Errorf("flushing: %w", flushErr)
	}
	return w.offsets, w.firstErr
}

// cursorRecord encodes the cursor. Its ManifestFrom must be at or below
// the offset of the oldest window block's manifest; for blocks of this
// batch, whose offsets are not known yet, the end of the manifests written
// so far is such a bound (reading from a lower offset only reads more).
func (p *Publisher) cursorRecord(c chaintap.Cursor) (*kgo.Record, error) {
	from := p.manifestEnd
	for _, h := range c.Retractable() {
		if o, ok := p.offsets[h.Hash]; ok && o < from {
			from = o
		}
	}
	v, err := json.Marshal(cursorRecord{Cursor: c, ManifestFrom: from})
	if err != nil {
		return nil, fmt.Errorf("encoding the cursor: %w", err)
	}
	return &kgo.Record{Topic: CursorsTopic, Key: []byte(p.chain), Value: v}, nil
}

// remember keeps the manifests of the window's blocks after a commit.
func (p *Publisher) remember(b chaintap.Batch, ms []*manifest, offsets map[string]int64) {
	for _, m := range ms {
		o := offsets[manifestKey(m.Chain, m.Number)]
		p.manifests[m.Hash] = m
		p.offsets[m.Hash] = o
		p.manifestEnd = max(p.manifestEnd, o+1)
	}
	inWindow := map[string]bool{}
	for _, h := range b.Cursor.Retractable() {
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
