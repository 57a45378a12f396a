package engine

import (
	"fmt"
	"regexp"
)

// The Kafka names of a query. They derive from the query's ID alone (and
// the instance's, for the transactional ID), so that every instance and
// every restart of the same query meets in the same group and changelog.

// GroupID is the consumer group of query id: every instance running the
// query joins it, and its committed offsets are the query's progress.
func GroupID(id string) string { return "_chaintap.query." + id }

// ChangelogTopic is the compacted topic backing the state of query id,
// one partition per input partition (task p writes partition p).
func ChangelogTopic(id string) string { return "_chaintap.query." + id + ".changelog" }

// TransactionalID is the transactional ID of instance's producer for query
// id. It is per instance, not per task (Kafka's EOS v2, KIP-447): zombie
// instances are fenced by the group generation in the offset commit, and
// a restarted instance with the same ID aborts whatever transaction its
// previous life left open as soon as it starts.
func TransactionalID(id, instance string) string { return "_chaintap.query." + id + "." + instance }

// validName is what Kafka accepts in a topic name (less the length bound,
// checked by the broker).
var validName = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)

func checkName(what, name string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("%s %q: want letters, digits, '.', '_' or '-'", what, name)
	}
	return nil
}
