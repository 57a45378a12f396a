package catalog

import (
	"fmt"
	"strings"

	"github.com/chaintap/chaintap/sql"
)

// Catalog is the sources chaintap's statements run against: every
// chain's streams, declared at start, and what statements create. It
// knows which topics carry retractions: the chains' head views (and
// confirmed views the follower corrects), and the streams and tables
// derived from them. Not safe for concurrent
// mutation: the statement runner owns it.
type Catalog struct {
	sources    sql.MapCatalog
	retracting map[string]bool // by topic
	chain      map[string]bool // topics the follower writes
	window     map[string]int  // head-view topics: their chain's reorg window
}

// New declares the chains' streams.
func New(topicPrefix string, chains ...Chain) (*Catalog, error) {
	c := &Catalog{sources: sql.MapCatalog{}, retracting: map[string]bool{}, chain: map[string]bool{}, window: map[string]int{}}
	for _, ch := range chains {
		sts, err := sql.Parse(DDL(topicPrefix, ch))
		if err != nil {
			return nil, fmt.Errorf("declaring chain %s's streams: %w", ch.Name, err)
		}
		plans, err := sql.AnalyzeAll(sts, c.sources)
		if err != nil {
			return nil, fmt.Errorf("declaring chain %s's streams: %w", ch.Name, err)
		}
		for _, p := range plans {
			src := p.(*sql.CreateSourcePlan).Source
			src.Partitions = 0 // as the topic has; the engine asks Kafka
			c.sources.Add(src)
			c.chain[src.Topic] = true
			if !strings.HasSuffix(src.Name, "_CONFIRMED") || ch.CorrectsConfirmed {
				c.retracting[src.Topic] = true
				c.window[src.Topic] = ch.ReorgWindow
			}
		}
	}
	return c, nil
}

// Source implements sql.Catalog.
func (c *Catalog) Source(name string) *sql.Source { return c.sources.Source(name) }

// SourceNames implements sql.Catalog.
func (c *Catalog) SourceNames() []string { return c.sources.SourceNames() }

// Add registers a source a statement created; derived says it is the
// output of a query over inputs, which make it retracting when any of
// them is.
func (c *Catalog) Add(src *sql.Source, inputs ...string) {
	c.sources.Add(src)
	for _, in := range inputs {
		if c.retracting[in] {
			c.retracting[src.Topic] = true
		}
	}
}

// Retracting reports whether records of topic can be retracted.
func (c *Catalog) Retracting(topic string) bool { return c.retracting[topic] }

// ReorgWindow is how many blocks below the newest one a retraction of
// topic's records can reach: its chain's reorg window for a head-view
// topic, 0 (unbounded, or never retracted) for any other.
func (c *Catalog) ReorgWindow(topic string) int64 { return int64(c.window[topic]) }

// SecondsTimestamp reports whether topic's TIMESTAMP column counts
// seconds: the chain topics' block timestamps.
func (c *Catalog) SecondsTimestamp(topic string) bool { return c.chain[topic] }

// ChainPosition names the columns that order a chain topic's records as
// the chain does: the block number and the index in the block.
func (c *Catalog) ChainPosition(topic string) (block, index string, ok bool) {
	if !c.chain[topic] {
		return "", "", false
	}
	switch src := c.byTopic(topic); {
	case src == nil:
		return "", "", false
	case src.Schema.Index("LOG_INDEX") >= 0:
		return "BLOCK_NUMBER", "LOG_INDEX", true
	case src.Schema.Index("TRANSACTION_INDEX") >= 0:
		return "BLOCK_NUMBER", "TRANSACTION_INDEX", true
	case src.Schema.Index("NUMBER") >= 0:
		return "NUMBER", "", true // a block: its number alone
	}
	return "", "", false
}

func (c *Catalog) byTopic(topic string) *sql.Source {
	for _, s := range c.sources {
		if s.Topic == topic {
			return s
		}
	}
	return nil
}

// FromChain reports whether topic is one the follower writes: only it may.
func (c *Catalog) FromChain(topic string) bool { return c.chain[topic] }
