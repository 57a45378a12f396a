package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"math/big"
	"sort"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap/decode"
	"github.com/chaintap/chaintap/kafka"
)

// Config configures a gateway for one chain.
type Config struct {
	Chain string
	Kafka kafka.Config
	// Signers are the senders a request may name, by name.
	Signers map[string]Signer
	// Contracts a call may name, by name.
	Contracts []decode.Contract
	// Tokens are the REST API's clients; none means the API refuses all.
	Tokens []Token
	// ConsumeRequests reads <chain>.tx.requests (off: REST and Submit only).
	ConsumeRequests bool
	// MaxInFlight is the most transactions per sender sent and not yet
	// mined (default 16, geth's per-account pool slots); more wait.
	MaxInFlight int
	// MaxQueued is the most accepted, not yet sent requests per sender
	// (default 1000); beyond it REST answers 429, Kafka waits.
	MaxQueued int
	// GasMarginPercent is added to the gas estimate (default 25).
	GasMarginPercent int
	// ResubmitAfter is how long a transaction may stay unmined before the
	// gateway checks whether the node dropped it (then sends it again) or
	// it is stuck (then bumps its fees); default 30 s.
	ResubmitAfter time.Duration
	// PollInterval is how often each sender's transactions are checked
	// (default 500 ms).
	PollInterval time.Duration
	// Confirmations makes a mined request confirmed (default 6).
	Confirmations uint64
	// Hooks let tests stop the gateway between steps; nil in production.
	Hooks *Hooks
}

// Hooks are called between the steps of sending; an error returned stops
// the gateway there, as a crash would.
type Hooks struct {
	// AfterSigned runs when signed transactions are persisted, before any is sent.
	AfterSigned func([]State) error
	// AfterSent runs when they are sent, before that is persisted.
	AfterSent func([]State) error
	// Send replaces sending a transaction to the node (a test can drop one).
	Send func(ctx context.Context, st State, send func() error) error
	// Fees replaces the fees of a first signing (a test can sign too low).
	Fees func(tip, feeCap *big.Int) (*big.Int, *big.Int)
}

func (c *Config) defaults() {
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = 16
	}
	if c.MaxQueued <= 0 {
		c.MaxQueued = 1000
	}
	if c.GasMarginPercent <= 0 {
		c.GasMarginPercent = 25
	}
	if c.ResubmitAfter <= 0 {
		c.ResubmitAfter = 30 * time.Second
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 500 * time.Millisecond
	}
	if c.Confirmations == 0 {
		c.Confirmations = 6
	}
}

// Service is a running gateway: Run it, then Submit requests or serve its
// Handler.
type Service struct {
	cfg       Config
	node      *ethclient.Client
	chainID   *big.Int
	log       *slog.Logger
	metrics   *Metrics
	topics    Topics
	contracts map[string]decode.Contract

	writer  *writer
	ready   chan struct{} // closed once the state is loaded
	stopped chan struct{} // closed when Run returns

	mu      sync.Mutex
	states  map[string]*State
	pending map[string]*State // accepted in a transaction not yet committed
	senders map[string]*sender
	byFrom  map[string]*sender // by State.From (the checksummed address)
}

// sender is one signing key's queue. Its fields are guarded by Service.mu.
type sender struct {
	name   string
	signer Signer
	addr   common.Address
	from   string            // addr.Hex(), computed once: checksumming hashes
	next   uint64            // the next nonce to assign
	open   map[uint64]string // nonce → id of each request not final
	queued int               // requests accepted (or being accepted), not yet signed
	wake   chan struct{}
}

// New checks cfg and returns a gateway that sends through node. reg may be nil.
func New(cfg Config, node *ethclient.Client, log *slog.Logger, reg prometheus.Registerer) (*Service, error) {
	cfg.defaults()
	if cfg.Chain == "" {
		return nil, fmt.Errorf("gateway: no chain name")
	}
	if len(cfg.Signers) == 0 {
		return nil, fmt.Errorf("gateway for %s: no senders configured", cfg.Chain)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{cfg: cfg, node: node, log: log.With("chain", cfg.Chain), metrics: NewMetrics(reg),
		topics: TopicsFor(cfg.Kafka.Topics.Prefix, cfg.Chain), contracts: map[string]decode.Contract{},
		ready: make(chan struct{}), stopped: make(chan struct{}),
		states: map[string]*State{}, pending: map[string]*State{}, senders: map[string]*sender{}, byFrom: map[string]*sender{}}
	for _, c := range cfg.Contracts {
		if _, dup := s.contracts[c.Name]; dup {
			return nil, fmt.Errorf("gateway: contract %s configured twice", c.Name)
		}
		if c.Any {
			return nil, fmt.Errorf("gateway: contract %s needs an address to be called", c.Name)
		}
		s.contracts[c.Name] = c
	}
	for name, sg := range cfg.Signers {
		snd := &sender{name: name, signer: sg, addr: sg.Address(), from: sg.Address().Hex(), open: map[uint64]string{}, wake: make(chan struct{}, 1)}
		if other, dup := s.byFrom[snd.from]; dup {
			return nil, fmt.Errorf("gateway: senders %s and %s are the same key (%s)", other.name, name, snd.from)
		}
		s.senders[name], s.byFrom[snd.from] = snd, snd
	}
	if err := checkTokens(cfg.Tokens, s.senders, s.contracts); err != nil {
		return nil, err
	}
	registerSenderGauges(reg, &s.mu, s.senders, s.inFlight)
	return s, nil
}

// Topics names the gateway's topics.
func (s *Service) Topics() Topics { return s.topics }

// Run loads the persisted state, reconciles every sender's nonce with the
// node, and sends, watches and (if configured) consumes requests until
// ctx is done or something fails that needs a restart.
func (s *Service) Run(ctx context.Context) error {
	defer close(s.stopped)
	id, err := s.node.ChainID(ctx)
	if err != nil {
		return fmt.Errorf("gateway: asking the node for its chain id: %w", err)
	}
	s.chainID = id
	st, err := openStore(ctx, s.cfg.Kafka, s.cfg.Chain, s.topics)
	if err != nil {
		return err
	}
	defer st.close()
	if err := s.restore(ctx, st); err != nil {
		return err
	}
	s.writer = &writer{st: st, ops: make(chan *op)}
	close(s.ready)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.writer.run(ctx) })
	for _, snd := range s.senders {
		g.Go(func() error { return s.runSender(ctx, snd) })
	}
	if s.cfg.ConsumeRequests {
		g.Go(func() error { return s.consume(ctx) })
	}
	return g.Wait()
}

// restore loads the persisted states and sets each sender's next nonce
// past both what it assigned and what the node has seen from its key.
func (s *Service) restore(ctx context.Context, st *store) error {
	states, err := st.load(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.states = states
	assigned := map[*sender]uint64{}
	for id, r := range states {
		snd := s.byFrom[r.From]
		if snd == nil {
			continue // a sender no longer configured: kept for idempotency only
		}
		assigned[snd] = max(assigned[snd], r.Nonce+1)
		if !r.Status.Final() {
			snd.open[r.Nonce] = id
		}
		if r.Status == StatusAccepted {
			snd.queued++
		}
	}
	for _, snd := range s.senders {
		pending, err := s.node.PendingNonceAt(ctx, snd.addr)
		if err != nil {
			return fmt.Errorf("gateway: pending nonce of %s (%s): %w", snd.name, snd.addr.Hex(), err)
		}
		snd.next = max(assigned[snd], pending)
		if pending > assigned[snd] && assigned[snd] > 0 {
			s.log.Warn("gateway: the node has seen more transactions from this key than the gateway sent; something else signs with it",
				"sender", snd.name, "node_pending_nonce", pending, "gateway_next_nonce", assigned[snd])
		}
		s.log.Info("gateway sender ready", "sender", snd.name, "address", snd.addr.Hex(), "next_nonce", snd.next, "open", len(snd.open))
	}
	return nil
}

// Get returns the state of request id. Before Run has loaded the state it
// answers ErrStarting: not knowing a request yet is not "no such request".
func (s *Service) Get(id string) (State, error) {
	select {
	case <-s.ready:
	default:
		return State{}, ErrStarting
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.states[id]
	if !ok {
		return State{}, ErrUnknownRequest
	}
	return st.Public(), nil
}

// inFlight counts snd's requests signed or sent; s.mu is held.
func (s *Service) inFlight(snd *sender) int {
	n := 0
	for _, id := range snd.open {
		if st := s.states[id]; st != nil && (st.Status == StatusSigned || st.Status == StatusSent) {
			n++
		}
	}
	return n
}

// openOf returns snd's open requests in nonce order, copied.
func (s *Service) openOf(snd *sender) []State {
	s.mu.Lock()
	defer s.mu.Unlock()
	nonces := make([]uint64, 0, len(snd.open))
	for n := range snd.open {
		nonces = append(nonces, n)
	}
	sort.Slice(nonces, func(i, j int) bool { return nonces[i] < nonces[j] })
	out := make([]State, 0, len(nonces))
	for _, n := range nonces {
		st := *s.states[snd.open[n]]
		st.Hashes = append([]string(nil), st.Hashes...)
		out = append(out, st)
	}
	return out
}

// save persists new states of existing requests (and their receipts when
// publish is set) and applies them in memory once committed.
func (s *Service) save(ctx context.Context, states []State, publish bool) error {
	if len(states) == 0 {
		return nil
	}
	ptrs := make([]*State, len(states))
	var receipts []Receipt
	for i := range states {
		ptrs[i] = &states[i]
		if publish {
			receipts = append(receipts, receiptOf(s.cfg.Chain, ptrs[i]))
		}
	}
	o := &op{
		prepare: func() ([]*State, []Receipt, error) { return ptrs, receipts, nil },
		done: func(err error) {
			if err != nil {
				return
			}
			s.apply(ptrs)
		},
	}
	return s.writer.do(ctx, s.stopped, o)
}

func (s *Service) apply(states []*State) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range states {
		old := s.states[st.ID]
		s.states[st.ID] = st
		snd := s.byFrom[st.From]
		if snd == nil {
			continue
		}
		if old != nil && old.Status == StatusAccepted && st.Status != StatusAccepted {
			snd.queued--
		}
		if st.Status.Final() {
			delete(snd.open, st.Nonce)
		} else {
			snd.open[st.Nonce] = st.ID
		}
	}
}
