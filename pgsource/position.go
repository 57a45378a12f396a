package pgsource

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pglogrepl"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/kafka"
)

// position is how far a source has published, stored in Kafka in the same
// transaction as the records it covers. Every PostgreSQL transaction that
// committed before LSN is in Kafka; nothing after it is.
type position struct {
	LSN pglogrepl.LSN
	// SnapshotDone: the snapshot of the tables, consistent with LSN or an
	// earlier one, is published.
	SnapshotDone bool
}

type positionJSON struct {
	LSN          string `json:"lsn"`
	SnapshotDone bool   `json:"snapshot_done"`
}

// PositionTopic is the compacted topic holding source name's position.
func PositionTopic(name string) string { return "_chaintap.pgsource." + name + ".position" }

func (p position) record(name string) *kgo.Record {
	v, _ := json.Marshal(positionJSON{LSN: p.LSN.String(), SnapshotDone: p.SnapshotDone})
	return &kgo.Record{Topic: PositionTopic(name), Key: []byte(name), Value: v, Partition: 0}
}

// readPosition reads the newest committed position; found is false for a
// source that never committed one. The caller must have initialised its
// transactional producer first, which aborts a transaction a killed
// predecessor left open (until then it holds the stable offset back).
func readPosition(ctx context.Context, kcfg kafka.Config, name string) (pos position, found bool, err error) {
	err = kafka.ReadTopic(ctx, kcfg, PositionTopic(name), 0, func(r *kgo.Record) error {
		if string(r.Key) != name || r.Value == nil {
			return nil
		}
		var j positionJSON
		if err := json.Unmarshal(r.Value, &j); err != nil {
			return fmt.Errorf("position record at offset %d: %w", r.Offset, err)
		}
		lsn, err := pglogrepl.ParseLSN(j.LSN)
		if err != nil {
			return fmt.Errorf("position record at offset %d: %w", r.Offset, err)
		}
		pos, found = position{LSN: lsn, SnapshotDone: j.SnapshotDone}, true
		return nil
	})
	if err != nil {
		return position{}, false, fmt.Errorf("reading the position of pgsource %s: %w", name, err)
	}
	return pos, found, nil
}
