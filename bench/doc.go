// Package bench holds chaintap's ratio benchmarks: each measures our rate
// and the raw limit side by side in one run and reports the ratio
// (docs/benchmarks.md has the commands and the latest numbers).
package bench
