package battery

import _ "embed"

// Statements is the demo's SQL (demo.sql): the battery_events stream, the
// battery_status table and per-minute block and transaction metrics, over
// the devchain's streams.
//
//go:embed demo.sql
var Statements string
