package follow

import (
	"context"

	"github.com/chaintap/chaintap"
)

// Enriched returns src whose EVM blocks are enriched (decoded events, token
// transfers) as they are fetched. Fetching runs in parallel, so enrichment
// does too, off the publishing path. Blocks of other families pass
// unchanged: enrichers derive records from EVM logs.
func Enriched(src chaintap.BlockSource, enrichers ...chaintap.Enricher) chaintap.BlockSource {
	if len(enrichers) == 0 {
		return src
	}
	return &enriched{BlockSource: src, enrichers: enrichers}
}

type enriched struct {
	chaintap.BlockSource
	enrichers []chaintap.Enricher
}

func (e *enriched) BlockByNumber(ctx context.Context, n uint64) (chaintap.Block, error) {
	return e.enrich(e.BlockSource.BlockByNumber(ctx, n))
}

func (e *enriched) BlockByHash(ctx context.Context, hash string) (chaintap.Block, error) {
	return e.enrich(e.BlockSource.BlockByHash(ctx, hash))
}

func (e *enriched) enrich(b chaintap.Block, err error) (chaintap.Block, error) {
	if err != nil {
		return nil, err
	}
	if eb, ok := b.(*chaintap.EVMBlock); ok {
		for _, en := range e.enrichers {
			en.Enrich(eb)
		}
	}
	return b, nil
}
