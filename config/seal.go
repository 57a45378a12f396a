package config

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/chaintap/chaintap"
)

// Seal makes a chain's topics tamper-evident (docs/seal.md): the follower
// seals every record it publishes to them and writes signed checkpoints
// to _chaintap.seal.checkpoints, in the same Kafka transactions.
type Seal struct {
	// KeyFile holds the signing key (`chaintap seal keygen` writes one);
	// or KeyEnv names the environment variable holding it. One of them.
	KeyFile string `yaml:"key_file"`
	KeyEnv  string `yaml:"key_env"`
	// Entities whose topics are sealed: the family's (blocks,
	// transactions, …) and reorgs (<chain>.reorgs). Default: all of them.
	Entities []string `yaml:"entities"`
	// Views sealed of each entity: head, confirmed. Default: both.
	Views []string `yaml:"views"`
	// Every and Interval: a partition is checkpointed once Every records
	// were sealed since its last checkpoint, or Interval after the first
	// of them, at the end of a transaction (defaults 1000 and 5s).
	Every    int64    `yaml:"every"`
	Interval Duration `yaml:"interval"`
}

// Seal views.
const (
	ViewHead      = "head"
	ViewConfirmed = "confirmed"
)

// SealEntities are the entities a chain of family may seal, in
// publishing order: its records' and reorgs.
func SealEntities(family string) []string {
	return append(chaintap.Family(family).Entities(), chaintap.EntityReorgs)
}

func (s *Seal) defaults(family string) {
	if s.Entities == nil {
		s.Entities = SealEntities(family)
	}
	if s.Views == nil {
		s.Views = []string{ViewHead, ViewConfirmed}
	}
	if s.Every == 0 {
		s.Every = 1000
	}
	if s.Interval == 0 {
		s.Interval = Duration(5 * time.Second)
	}
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// validate checks the seal section of a chain of family; compact says
// whether kafka.topics.compact compacts the head-view topics.
func (s *Seal) validate(family string, compact bool, add func(field, msg string)) {
	switch {
	case s.KeyFile == "" && s.KeyEnv == "":
		add("seal", "give key_file (a key `chaintap seal keygen` wrote) or key_env (the environment variable holding it)")
	case s.KeyFile != "" && s.KeyEnv != "":
		add("seal.key_env", "give key_file or key_env, not both")
	case s.KeyFile != "":
		if _, err := os.Stat(s.KeyFile); err != nil {
			add("seal.key_file", fmt.Sprintf("%s: %v", s.KeyFile, errors.Unwrap(err)))
		}
	case !envName.MatchString(s.KeyEnv):
		add("seal.key_env", fmt.Sprintf("%q is not an environment variable name (e.g. CHAINTAP_SEAL_KEY)", s.KeyEnv))
	}
	known := SealEntities(family)
	checkList("seal.entities", s.Entities, known, add)
	checkList("seal.views", s.Views, []string{ViewHead, ViewConfirmed}, add)
	if compact && slices.Contains(s.Views, ViewHead) && slices.ContainsFunc(s.Entities, func(e string) bool { return e != chaintap.EntityReorgs }) {
		add("seal.views", "kafka.topics.compact compacts the head-view topics, and a sealed record compaction removes is, to verify, a deleted one: seal only the confirmed view (views: [confirmed])")
	}
	if s.Every < 0 {
		add("seal.every", fmt.Sprintf("%d: want a positive number of records (default 1000)", s.Every))
	}
	if s.Interval < 0 {
		add("seal.interval", fmt.Sprintf("%s: want a positive duration (default 5s)", time.Duration(s.Interval)))
	}
}

// checkList checks a list of names against the known ones: none unknown,
// none twice, not empty.
func checkList(field string, got, known []string, add func(field, msg string)) {
	if len(got) == 0 {
		add(field, fmt.Sprintf("empty: list some of %s, or leave it out for all (or remove seal: to seal nothing)", strings.Join(known, ", ")))
	}
	for i, v := range got {
		switch {
		case !slices.Contains(known, v):
			add(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("%q: want one of %s", v, strings.Join(known, ", ")))
		case slices.Index(got, v) < i:
			add(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("%q is listed twice", v))
		}
	}
}
