package query

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/chaintap/chaintap/sql"
)

// Pull answers a pull query: the rows of its table committed when it
// arrived that pass its WHERE, projected, at most LIMIT of them, in key
// order. It reads the table's topic up to its committed end and keeps the
// latest value per key (a tombstone removes the key).
func (s *Service) Pull(ctx context.Context, p *sql.QueryPlan) ([]sql.Row, error) {
	src := p.From.Source
	r, err := newReader(ctx, s.kafka, []string{src.Topic}, true)
	if err != nil {
		return nil, fmt.Errorf("pull query on %s: %w", src.Name, err)
	}
	defer r.close()
	latest := map[string]pulled{}
	for !r.caughtUp() {
		recs, err := r.poll(ctx)
		if err != nil {
			return nil, fmt.Errorf("pull query on %s: %w", src.Name, err)
		}
		for _, rec := range recs {
			if rec.Value == nil {
				delete(latest, string(rec.Key))
				continue
			}
			latest[string(rec.Key)] = pulled{key: rec.Key, value: rec.Value, partition: rec.Partition, offset: rec.Offset,
				ts: rec.Timestamp.UnixMilli()}
		}
	}
	return answer(p, latest)
}

// pulled is the latest record of one key.
type pulled struct {
	key, value []byte
	partition  int32
	offset     int64
	ts         int64
}

// answer runs WHERE and the projection over the table's rows, in key
// order, up to LIMIT.
func answer(p *sql.QueryPlan, latest map[string]pulled) ([]sql.Row, error) {
	src := p.From.Source
	dec := sql.NewRowDecoder(src.Schema)
	var out []sql.Row
	for _, k := range slices.Sorted(maps.Keys(latest)) {
		if p.Limit >= 0 && int64(len(out)) >= p.Limit {
			break
		}
		rec := latest[k]
		value, err := dec.Decode(rec.value)
		if err != nil {
			return nil, fmt.Errorf("table %s at partition %d offset %d: %w", src.Name, rec.partition, rec.offset, err)
		}
		keyBytes, meta := splitWindow(src, rec.key)
		key, err := sql.DecodeKey(src.KeyFormat, src.KeyColumns(), keyBytes)
		if err != nil {
			return nil, fmt.Errorf("table %s at partition %d offset %d: %w", src.Name, rec.partition, rec.offset, err)
		}
		meta.Timestamp, meta.Partition, meta.Offset = rec.ts, rec.partition, rec.offset
		row := p.From.Assemble(key, value, meta)
		if p.Where != nil {
			ok, err := p.Where.Eval(row)
			if err != nil {
				return nil, err
			}
			if ok != true {
				continue
			}
		}
		res := make(sql.Row, len(p.Project))
		for i, e := range p.Project {
			if res[i], err = e.Eval(row); err != nil {
				return nil, err
			}
		}
		out = append(out, res)
	}
	return out, nil
}

// splitWindow strips the window from a windowed table's key and returns
// it as WINDOWSTART and WINDOWEND (a tumbling or hopping window ends its
// size after its start; a session window's key carries its end).
func splitWindow(src *sql.Source, key []byte) ([]byte, sql.RecordMeta) {
	switch src.Window {
	case 0:
		return key, sql.RecordMeta{}
	case sql.WindowSession:
		if k, start, end, err := sql.SplitSessionWindowedKey(key); err == nil {
			return k, sql.RecordMeta{Windowed: true, WindowStart: start, WindowEnd: end}
		}
	default:
		if k, start, err := sql.SplitTimeWindowedKey(key); err == nil {
			return k, sql.RecordMeta{Windowed: true, WindowStart: start, WindowEnd: start + src.WindowSize}
		}
	}
	return key, sql.RecordMeta{}
}
