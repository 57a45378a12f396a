package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/chaintap/chaintap"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TopicConfig is applied to topics chaintap creates. Existing topics are
// left as they are.
type TopicConfig struct {
	// Prefix is put before every data topic name ("" → "<chain>.blocks").
	Prefix string
	// Partitions of data topics (default 1: one partition keeps every
	// block's records in chain order for simple consumers; more partitions
	// keep order per key).
	Partitions int32
	// ReplicationFactor of created topics; -1 uses the broker's default.
	ReplicationFactor int16
	// Retention of data topics; 0 uses the broker's default.
	Retention time.Duration
	// Compact sets cleanup.policy=compact on the head-view topics, so that
	// they keep the latest record per key (what a ksqlDB TABLE needs).
	Compact bool
	// Sealed topics are created never compacted and kept forever,
	// whatever Compact and Retention say: a sealed record that compaction
	// or retention removes is, to verify, a deleted record.
	Sealed []string
}

// Internal topics.
const (
	CursorsTopic   = "_chaintap.cursors"
	ManifestsTopic = "_chaintap.manifests"
)

// Topics names the topics of one chain.
type Topics struct {
	prefix, chain string
	entities      []string // the chain family's, in publishing order
	// names caches the published entities' topic names: building them
	// per record showed in the publish profile.
	head, confirmed map[string]string
}

// TopicsFor returns the topic names of an EVM chain.
func TopicsFor(prefix, chain string) Topics {
	return TopicsOf(prefix, chain, chaintap.FamilyEVM)
}

// TopicsOf returns the topic names of chain, whose blocks have records of
// the family's entities.
func TopicsOf(prefix, chain string, family chaintap.Family) Topics {
	t := Topics{prefix: prefix, chain: chain, entities: family.Entities(), head: map[string]string{}, confirmed: map[string]string{}}
	for _, e := range t.entities {
		t.head[e] = prefix + chain + "." + e
		t.confirmed[e] = t.head[e] + ".confirmed"
	}
	return t
}

// Entities returns the entities the chain has topics of, in publishing
// order.
func (t Topics) Entities() []string { return t.entities }

// Head is the head-view topic of entity ("blocks", "transactions", …).
func (t Topics) Head(entity string) string {
	if n, ok := t.head[entity]; ok {
		return n
	}
	return t.prefix + t.chain + "." + entity
}

// Confirmed is the confirmed-view topic of entity.
func (t Topics) Confirmed(entity string) string {
	if n, ok := t.confirmed[entity]; ok {
		return n
	}
	return t.Head(entity) + ".confirmed"
}

// Reorgs is the topic of the chain's reorg records.
func (t Topics) Reorgs() string { return t.prefix + t.chain + "." + chaintap.EntityReorgs }

// All lists every data topic of the chain.
func (t Topics) All() []string {
	var ts []string
	for _, e := range t.entities {
		ts = append(ts, t.Head(e), t.Confirmed(e))
	}
	return ts
}

// EnsureTopics creates the chain's data topics and the internal topics
// when they are missing.
func EnsureTopics(ctx context.Context, cl *kgo.Client, cfg TopicConfig, t Topics) error {
	adm := kadm.NewClient(cl)
	parts := cfg.Partitions
	if parts <= 0 {
		parts = 1
	}
	rf := cfg.ReplicationFactor
	if rf == 0 {
		rf = -1
	}
	data := map[string]*string{}
	if cfg.Retention > 0 {
		data["retention.ms"] = kadm.StringPtr(strconv.FormatInt(cfg.Retention.Milliseconds(), 10))
	}
	head := map[string]*string{}
	for k, v := range data {
		head[k] = v
	}
	if cfg.Compact {
		head["cleanup.policy"] = kadm.StringPtr("compact")
	}
	compact := map[string]*string{"cleanup.policy": kadm.StringPtr("compact")}
	forever := map[string]*string{"retention.ms": kadm.StringPtr("-1"), "cleanup.policy": kadm.StringPtr("delete")}
	configs := func(topic string, cfgs map[string]*string) map[string]*string {
		if slices.Contains(cfg.Sealed, topic) {
			return forever
		}
		return cfgs
	}
	for _, e := range t.entities {
		if err := CreateTopic(ctx, adm, parts, rf, configs(t.Head(e), head), t.Head(e)); err != nil {
			return err
		}
		if err := CreateTopic(ctx, adm, parts, rf, configs(t.Confirmed(e), data), t.Confirmed(e)); err != nil {
			return err
		}
	}
	// One partition keeps a chain's reorgs in the order they happened.
	if err := CreateTopic(ctx, adm, 1, rf, configs(t.Reorgs(), data), t.Reorgs()); err != nil {
		return err
	}
	// Internal topics have one partition: the cursor and manifest readers
	// rely on their order.
	for _, topic := range []string{CursorsTopic, ManifestsTopic} {
		if err := CreateTopic(ctx, adm, 1, rf, compact, topic); err != nil {
			return err
		}
	}
	return nil
}

// CreateTopic creates topic unless it exists already (not an error).
func CreateTopic(ctx context.Context, adm *kadm.Client, parts int32, rf int16, configs map[string]*string, topic string) error {
	resp, err := adm.CreateTopic(ctx, parts, rf, configs, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("creating topic %s: %w", topic, err)
	}
	return nil
}
