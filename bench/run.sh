#!/usr/bin/env bash
# The benchmark harness: runs the ratio benchmarks (each side by side in one
# run) and the micro-benchmarks of the hot paths, and prints the results.
# Usage: bench/run.sh [count]   (count = pairs per ratio, default 11)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-11}
echo "== $(go version), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
go test ./bench/ -run '^$' -bench 'Ratio' -benchtime "${n}x" -timeout 30m
go test ./bench/ -run '^$' -bench 'BackfillCompression' -benchtime "${n}x" -timeout 10m
go test ./bench/ -run '^$' -bench 'LiveLatency' -benchtime 300x -timeout 10m
go test ./kafka/ -run '^$' -bench 'Encode' -timeout 10m
go test ./evm/ -run '^$' -bench 'Decode' -timeout 10m
CHAINTAP_SQL_EVENTS=${CHAINTAP_SQL_EVENTS:-1000000} go test ./bench/ -run '^$' -bench 'SQLRatio' -benchtime 3x -timeout 60m
go test ./sql/ -run '^$' -bench 'DecodeJSON|EvalFilterProject|AggregateAdd|Pipeline' -timeout 10m
