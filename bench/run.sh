#!/usr/bin/env bash
# The benchmark harness: runs the ratio benchmarks (each side by side in one
# run) and the micro-benchmarks of the hot paths, and prints the results.
# Usage: bench/run.sh [count]   (count = pairs per ratio, default 11)
# CHAINTAP_RSS_BLOCKS sets the length of the RSS backfill (default 100000).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-11}
echo "== $(go version), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), load: $(uptime | sed 's/.*load/load/')"
go test ./bench/ -run '^$' -bench 'Ratio' -benchtime "${n}x" -timeout 30m
go test ./bench/ -run '^$' -bench 'BackfillCompression' -benchtime "${n}x" -timeout 10m
go test ./bench/ -run '^$' -bench 'LiveLatency' -benchtime 300x -timeout 10m
go test ./kafka/ -run '^$' -bench 'Encode' -timeout 10m
go test ./evm/ -run '^$' -bench 'Decode' -timeout 10m
CHAINTAP_SQL_EVENTS=${CHAINTAP_SQL_EVENTS:-1000000} go test ./bench/ -run '^$' -bench 'SQLRatio' -benchtime 3x -timeout 60m
go test ./sql/ -run '^$' -bench 'DecodeJSON|EvalFilterProject|AggregateAdd|Pipeline' -timeout 10m
go test ./pgsink/ -run '^$' -bench 'DecodeBatch' -timeout 10m
# Issue 14: sealed ÷ unsealed produce and pass-through, and the floor any
# seal costs (docs/benchmarks.md, "Sealed topics").
go test ./seal/ -run '^$' -bench 'SealFloor|SealedProduce$|PassThrough|Verify' -benchtime 15x -timeout 30m
# Issue 16: the node on core 0, us on core 1 (pinned ratios and CPU per
# 1,000 blocks on both chains, the transaction size's effect), then the
# follower's RSS over a long backfill of mainnet-shaped blocks. The
# publish ratio on mainnet-shaped blocks (PublishRatioMainnet) runs in the
# 'Ratio' line above.
echo "== pinned, load: $(uptime | sed 's/.*load/load/')"
go test ./bench/ -run '^$' -bench 'PinnedBackfill|PinnedTxSize' -benchtime "${n}x" -timeout 60m
echo "== RSS, load: $(uptime | sed 's/.*load/load/')"
CHAINTAP_RSS_BLOCKS=${CHAINTAP_RSS_BLOCKS:-100000} go test ./bench/ -run '^$' -bench 'BackfillRSS' -benchtime 1x -timeout 120m
