package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/config"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/seal"
)

// sealOptions returns the publisher options that seal ch's topics as its
// seal: section says (none without one). The key comes from key_file or
// the environment variable key_env names.
func sealOptions(ch config.Chain, kcfg kafka.Config, getenv func(string) (string, bool), log *slog.Logger) ([]kafka.PublisherOption, error) {
	sc := ch.Seal
	if sc == nil {
		return nil, nil
	}
	if v, ok := getenv(sc.KeyEnv); sc.KeyFile == "" && (!ok || v == "") {
		return nil, fmt.Errorf("chain %s: seal.key_env: $%s is not set (it must hold the key `chaintap seal keygen` wrote)", ch.Name, sc.KeyEnv)
	}
	signer, err := seal.LoadSigner(sc.KeyFile, getenv, sc.KeyEnv)
	if err != nil {
		return nil, fmt.Errorf("chain %s: %w", ch.Name, err)
	}
	topics := sealedTopics(kafka.TopicsOf(kcfg.Topics.Prefix, ch.Name, chaintap.Family(ch.Family)), sc)
	s, err := seal.NewPublishing(seal.PublishConfig{Topics: topics, Signer: signer, Every: sc.Every,
		Interval: time.Duration(sc.Interval), Log: log.With("chain", ch.Name)})
	if err != nil {
		return nil, fmt.Errorf("chain %s: %w", ch.Name, err)
	}
	log.Info("sealing", "chain", ch.Name, "topics", topics, "key", fmt.Sprintf("%s+%08x", signer.Name(), signer.KeyHash()), "checkpoints", seal.CheckpointsTopic)
	return []kafka.PublisherOption{kafka.WithSealer(s)}, nil
}

// sealedTopics names the topics of t that sc seals.
func sealedTopics(t kafka.Topics, sc *config.Seal) []string {
	var out []string
	for _, e := range sc.Entities {
		if e == chaintap.EntityReorgs {
			out = append(out, t.Reorgs())
			continue
		}
		for _, v := range sc.Views {
			if v == config.ViewHead {
				out = append(out, t.Head(e))
			} else {
				out = append(out, t.Confirmed(e))
			}
		}
	}
	return out
}

// lastCheckpointWait bounds the last checkpoints' transaction at a stop.
const lastCheckpointWait = 30 * time.Second

// checkpointAndClose closes pub after checkpointing what its sealed
// topics hold unchecked, so that a clean stop leaves none of its records
// unchecked; call it only once no follower publishes with it.
func checkpointAndClose(pub *kafka.Publisher, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), lastCheckpointWait)
	defer cancel()
	if err := pub.Checkpoint(ctx); err != nil {
		log.Warn("the last seal checkpoints were not written; the next start writes them", "err", err)
	}
	pub.Close()
}
