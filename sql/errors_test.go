package sql

import (
	"errors"
	"testing"
)

// errorCases are malformed statements (syntax and semantics) with the
// exact message each must produce; semantic ones are analyzed against
// demoCatalog (the chain streams plus the demo's sources).
var errorCases = []struct{ src, want string }{
	{"SELEC * FROM s",
		"line 1:1: syntax error at 'SELEC': expected a statement (CREATE, DESCRIBE, DROP, INSERT, LIST, SELECT, SET, SHOW, TERMINATE, UNSET); did you mean 'SELECT'?"},
	{"SELECT * FROM",
		"line 1:14: syntax error at end of input: expected a stream or table name"},
	{"SELECT * FROM s WHER x = 1",
		"line 1:17: syntax error at 'WHER'; did you mean 'WHERE'?"},
	{"SELECT FROM s",
		"line 1:8: syntax error at 'FROM': expected an expression; 'FROM' is a reserved word (quote it as `FROM` to use it as a name)"},
	{"CREATE STREAM s (id VARCHAR PRIMARY KEY) WITH (KAFKA_TOPIC='t')",
		"line 1:29: column 'ID' is a 'PRIMARY KEY' column: please use 'KEY' for streams (tables have PRIMARY KEYs, which are unique and non-null; streams have KEYs)"},
	{"CREATE TABLE t (id VARCHAR KEY) WITH (KAFKA_TOPIC='t')",
		"line 1:28: column 'ID' is a 'KEY' column: please use 'PRIMARY KEY' for tables (tables have PRIMARY KEYs, which are unique and non-null; streams have KEYs)"},
	{"CREATE STREAM s (id STIRNG) WITH (KAFKA_TOPIC='t')",
		"line 1:21: unknown type 'STIRNG'; did you mean 'STRING'?"},
	{"CREATE STREAM s (d DECIMAL(1001, 0)) WITH (KAFKA_TOPIC='t')",
		"line 1:28: DECIMAL precision must be between 1 and 1000: 1001"},
	{"CREATE STREAM s (d DECIMAL(10, 11)) WITH (KAFKA_TOPIC='t')",
		"line 1:32: DECIMAL scale must not exceed precision 10: 11"},
	{"CREATE STREAM s (m MAP<INT, STRING>) WITH (KAFKA_TOPIC='t')",
		"line 1:24: MAP keys must be STRING in chaintap, found INTEGER"},
	{"SELECT 'unterminated FROM s",
		"line 1:8: unterminated string 'unterminated FROM s"},
	{"SELECT * FROM s /* never closed",
		"line 1:17: unterminated comment '/*'"},
	{"SELECT * FROM s WINDOW TUMBLING (SIZE 1 HOURZ) GROUP BY x",
		"line 1:41: unknown time unit 'HOURZ'; did you mean 'HOUR'?"},
	{"SELECT * FROM s WINDOW SLIDING (SIZE 1 HOUR) GROUP BY x",
		"line 1:24: unknown window type 'SLIDING'"},
	{"SELECT COUNT(DISTINCT x) FROM s GROUP BY y",
		"line 1:14: DISTINCT is not supported in a function call; use COUNT_DISTINCT(x) or COLLECT_SET(x)"},
	{"SELECT x FROM s WHERE x LIKE 'a' ESCAPE 'ab'",
		"line 1:41: ESCAPE must be a single character, found 'ab'"},
	{"SET auto.offset.reset = 'earliest'",
		"line 1:5: syntax error at 'auto': expected a quoted property name"},
	{"SHOW STREEMS",
		"line 1:6: syntax error at 'STREEMS': expected STREAMS, TABLES, QUERIES, TOPICS, PROPERTIES or FUNCTIONS"},
	{"CREATE STREAM s (a INT, b INT,) WITH (KAFKA_TOPIC='t')",
		"line 1:31: syntax error at ')': expected a column name"},
	{"SELECT a FROM s LIMIT x",
		"line 1:23: syntax error at 'x': expected a row count"},
	{"SELECT x FROM s WHERE a = 1 = 2",
		"line 1:29: syntax error at '=': expected ';' or end of input"},
	{"SELECT # FROM s",
		"line 1:8: unexpected character '#'"},
	{"CREATE STREAM s (a INT) WITH (KAFKA_TOPIC='t', KAFKA_TOPIC='u')",
		"line 1:48: duplicate property 'KAFKA_TOPIC'"},
	{"SELECT * FROM nosuch EMIT CHANGES",
		"line 1:15: unknown stream or table 'NOSUCH'"},
	{"SELECT * FROM battery_event EMIT CHANGES",
		"line 1:15: unknown stream or table 'BATTERY_EVENT'; did you mean 'BATTERY_EVENTS'?"},
	{"SELECT bateryid FROM battery_events EMIT CHANGES",
		"line 1:8: unknown column 'BATERYID' in BATTERY_EVENTS"},
	{"SELECT t.accountt FROM battery_transactions t EMIT CHANGES",
		"line 1:10: unknown column 'ACCOUNTT' in T; did you mean 'ACCOUNT'?"},
	{"SELECT x.account FROM battery_transactions t EMIT CHANGES",
		"line 1:8: unknown source 'X'"},
	{"SELECT UCASEE(account) FROM battery_events EMIT CHANGES",
		"line 1:8: unknown function 'UCASEE'; did you mean 'UCASE'?"},
	{"SELECT SUBSTRING(account) FROM battery_events EMIT CHANGES",
		"line 1:8: wrong number of arguments for SUBSTRING: got 1, expected SUBSTRING(STRING, INTEGER [, INTEGER])"},
	{"SELECT SUBSTRING(account, 'x') FROM battery_events EMIT CHANGES",
		"line 1:27: SUBSTRING: argument 2 must be INTEGER or BIGINT, found STRING (expected SUBSTRING(STRING, INTEGER [, INTEGER]))"},
	{"SELECT account FROM battery_events WHERE account = 1 EMIT CHANGES",
		"line 1:50: cannot compare ACCOUNT (STRING) with 1 (INTEGER) using '='"},
	{"SELECT account + 1 FROM battery_events EMIT CHANGES",
		"line 1:16: operator '+' cannot be applied to STRING and INTEGER (ACCOUNT + 1)"},
	{"SELECT account FROM battery_events WHERE charge_cycles EMIT CHANGES",
		"line 1:42: WHERE clause must be BOOLEAN, found INTEGER: CHARGE_CYCLES"},
	{"SELECT account FROM battery_events WHERE COUNT(*) > 1 GROUP BY account EMIT CHANGES",
		"line 1:42: aggregate function COUNT is not allowed in WHERE"},
	{"SELECT account, COUNT(*) FROM battery_events EMIT CHANGES",
		"line 1:17: use of aggregate function COUNT requires a GROUP BY clause"},
	{"SELECT account, year_built, COUNT(*) FROM battery_events GROUP BY account EMIT CHANGES",
		"line 1:17: column 'YEAR_BUILT' must be in GROUP BY or inside an aggregate function"},
	{"SELECT account FROM battery_events WINDOW TUMBLING (SIZE 1 HOUR) EMIT CHANGES",
		"line 1:36: WINDOW requires an aggregation: add GROUP BY and aggregate functions"},
	{"SELECT t.session_id FROM battery_transactions t JOIN charging_stations s ON t.station_id = s.name EMIT CHANGES",
		"line 1:77: invalid join condition: STREAM-TABLE joins require the table's PRIMARY KEY: S.NAME is not the primary key of CHARGING_STATIONS (STATION_ID is)"},
	{"SELECT t.session_id FROM battery_transactions t JOIN battery_events e ON t.account = e.account EMIT CHANGES",
		"line 1:49: stream-stream joins must have a WITHIN clause (e.g. WITHIN 1 HOUR) bounding how far apart joined records may be"},
	{"SELECT s.name FROM charging_stations s JOIN battery_transactions t ON s.station_id = t.station_id EMIT CHANGES",
		"line 1:40: invalid join order: table-stream joins are not supported, only stream-table joins; put the stream first (got S INNER JOIN T)"},
	{"SELECT account FROM battery_events EMIT FINAL",
		"line 1:36: EMIT FINAL is only supported for windowed aggregations (add a WINDOW clause or use EMIT CHANGES)"},
	{"CREATE TABLE x AS SELECT account, charge_cycles FROM battery_events EMIT CHANGES",
		"line 1:19: invalid result type: the SELECT produces a STREAM; use CREATE STREAM AS SELECT"},
	{"CREATE STREAM x AS SELECT account, COUNT(*) AS n FROM battery_events GROUP BY account EMIT CHANGES",
		"line 1:20: invalid result type: the SELECT produces a TABLE; use CREATE TABLE AS SELECT"},
	{"INSERT INTO battery_events SELECT session_id FROM battery_transactions EMIT CHANGES",
		"line 1:28: incompatible schema for INSERT INTO BATTERY_EVENTS: the query's column 1 is 'SESSION_ID STRING KEY' but BATTERY_EVENTS has 'ACCOUNT STRING KEY'"},
	{"SELECT * FROM battery_events WHERE account = 'a'",
		"line 1:15: pull queries are not supported on streams: BATTERY_EVENTS is a STREAM (add EMIT CHANGES for a push query)"},
	{"CREATE TABLE x AS SELECT COUNT(*) AS n FROM battery_events GROUP BY account EMIT CHANGES",
		"line 1:19: key missing from projection: the query used to build X must include the grouping expression ACCOUNT in its projection (e.g. SELECT ACCOUNT, …)"},
	{"CREATE STREAM s2 (a INT) WITH (VALUE_FORMAT='JSON')",
		"line 1:15: missing required property KAFKA_TOPIC in the WITH clause of S2"},
	{"CREATE STREAM s2 (a INT) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='AVRO')",
		"line 1:62: unsupported value format 'AVRO': chaintap supports 'JSON'"},
	{"CREATE STREAM s2 (a INT) WITH (KAFKA_TOPC='t')",
		"line 1:32: unknown property 'KAFKA_TOPC' in the WITH clause; did you mean 'KAFKA_TOPIC'?"},
	{"CREATE STREAM s2 (a INT, rowtime BIGINT) WITH (KAFKA_TOPIC='t')",
		"line 1:26: 'ROWTIME' is a reserved column name (a pseudo-column)"},
	{"CREATE TABLE s2 (a INT) WITH (KAFKA_TOPIC='t')",
		"line 1:14: table 'S2' has no PRIMARY KEY: tables require one (declare a column as PRIMARY KEY)"},
	{"CREATE STREAM battery_events (a INT) WITH (KAFKA_TOPIC='t')",
		"line 1:15: cannot create stream 'BATTERY_EVENTS': a stream with that name already exists"},
	{"SELECT args->batery FROM devchain_events EMIT CHANGES",
		"line 1:14: unknown field 'BATERY' in ARGS; did you mean 'BATTERY'?"},
	{"SELECT account->x FROM battery_events EMIT CHANGES",
		"line 1:15: cannot access field 'X' of ACCOUNT (type STRING): '->' needs a STRUCT"},
	{"SELECT t.session_id FROM battery_transactions t JOIN battery_transactions u WITHIN 1 HOUR ON t.session_id = t.account EMIT CHANGES",
		"line 1:107: join condition T.SESSION_ID = T.ACCOUNT must compare the left side with U"},
	{"SELECT CAST(blocked AS DECIMAL(5, 2)) FROM battery_events EMIT CHANGES",
		"line 1:8: cannot cast BLOCKED (BOOLEAN) to DECIMAL(5, 2)"},
	{"SELECT account FROM battery_events t JOIN battery_events t WITHIN 1 HOUR ON t.account = t.account EMIT CHANGES",
		"line 1:58: duplicate source alias 'T': give each side of the join its own alias"},
	{"INSERT INTO battery_events (account, year_buil) VALUES ('a', 1)",
		"line 1:38: unknown column 'YEAR_BUIL' in BATTERY_EVENTS; did you mean 'YEAR_BUILT'?"},
	{"INSERT INTO battery_events (account, year_built) VALUES ('a')",
		"line 1:58: expected 2 values for BATTERY_EVENTS, found 1"},
	{"INSERT INTO battery_events (account, year_built) VALUES ('a', 'old')",
		"line 1:63: cannot assign 'old' (STRING) to column 'YEAR_BUILT' of type INTEGER"},
	{"DROP TABLE battery_events",
		"line 1:12: 'BATTERY_EVENTS' is a STREAM, not a TABLE: use DROP STREAM"},
	{"CREATE STREAM s2 (a INT) WITH (KAFKA_TOPIC='t', TIMESTAMP='b')",
		"line 1:49: the TIMESTAMP column 'b' set in the WITH clause does not exist in S2"},
	{"SELECT SUM(account) FROM battery_events GROUP BY account EMIT CHANGES",
		"line 1:12: SUM: argument must be numeric, found STRING"},
	{"SELECT account, COUNT(*) AS n, year_built AS n FROM battery_events GROUP BY account, year_built EMIT CHANGES",
		"line 1:32: duplicate output column 'N': give one of them an alias (AS …)"},
	{"SELECT CASE WHEN blocked THEN 1 ELSE 'x' END FROM battery_events EMIT CHANGES",
		"line 1:38: CASE branches have different types: INTEGER and STRING ('x')"},
	{"SELECT account FROM battery_events PARTITION BY account EMIT CHANGES LIMIT 1 x",
		"line 1:78: syntax error at 'x': expected ';' or end of input"},
	{"SELECT year_biult FROM battery_events EMIT CHANGES",
		"line 1:8: unknown column 'YEAR_BIULT' in BATTERY_EVENTS; did you mean 'YEAR_BUILT'?"},
	{"SELECT station_id FROM battery_transactions t JOIN charging_stations s ON t.station_id = s.station_id EMIT CHANGES",
		"line 1:8: ambiguous column 'STATION_ID': it is in T and S; qualify it (e.g. T.STATION_ID)"},
	{"SELECT t.session_id FROM battery_transactions t JOIN charging_stations s WITHIN 1 HOUR ON t.station_id = s.station_id EMIT CHANGES",
		"line 1:74: WITHIN is only valid for stream-stream joins; this is a STREAM-TABLE join"},
	{"SELECT t.session_id FROM battery_transactions t LEFT JOIN charging_stations s ON t.station_id <> s.station_id EMIT CHANGES",
		"line 1:82: join condition must be one equality between the two sides (a.x = b.y), found T.STATION_ID <> S.STATION_ID"},
	{"SELECT t.session_id FROM battery_transactions t RIGHT JOIN charging_stations s ON t.station_id = s.station_id EMIT CHANGES",
		"line 1:49: RIGHT JOIN is not supported for stream-table joins: use INNER or LEFT"},
	{"SELECT * FROM charging_stations WHERE station_id = 'x'",
		"line 1:15: table CHARGING_STATIONS is not queryable: only tables a query materializes answer pull queries (CREATE TABLE QUERYABLE_CHARGING_STATIONS AS SELECT * FROM CHARGING_STATIONS)"},
	{"INSERT INTO batterystatus_table SELECT * FROM batterystatus_table EMIT CHANGES",
		"line 1:13: INSERT INTO can only write to a stream: BATTERYSTATUS_TABLE is a TABLE"},
	{"SELECT account, COUNT(*) FROM battery_events GROUP BY account HAVING year_built > 1 EMIT CHANGES",
		"line 1:70: column 'YEAR_BUILT' must be in GROUP BY or inside an aggregate function"},
	{"SELECT account, COUNT(*) FROM battery_events GROUP BY account HAVING COUNT(*) EMIT CHANGES",
		"line 1:70: HAVING clause must be BOOLEAN, found BIGINT: COUNT(*)"},
	{"SELECT LATEST_BY_OFFSET(*) FROM battery_events GROUP BY account EMIT CHANGES",
		"line 1:8: LATEST_BY_OFFSET(*) is not supported: '*' is only allowed in COUNT(*)"},
	{"SELECT account, SUM(COUNT(*)) FROM battery_events GROUP BY account EMIT CHANGES",
		"line 1:21: aggregate function COUNT is not allowed in an aggregate function's argument"},
	{"SELECT * FROM battery_events PARTITION BY account WINDOW TUMBLING (SIZE 1 HOUR) EMIT CHANGES",
		"line 1:51: syntax error at 'WINDOW': expected ';' or end of input"},
	{"CREATE TABLE x AS SELECT account, COUNT(*) AS n FROM battery_events WINDOW HOPPING (SIZE 1 HOUR, ADVANCE BY 2 HOURS) GROUP BY account EMIT CHANGES",
		"line 1:69: ADVANCE BY must be positive and at most the window SIZE, found 2 HOURS for SIZE 1 HOUR"},
	{"SELECT account FROM batterystatus_table PARTITION BY year_built EMIT CHANGES",
		"line 1:54: PARTITION BY is not supported on tables: BATTERYSTATUS_TABLE is a TABLE"},
	{"SELECT TIMESTAMPTOSTRING(ROWTIME, 'yyyy-qq') FROM battery_events EMIT CHANGES",
		"line 1:35: TIMESTAMPTOSTRING: unknown pattern letter 'q' in 'yyyy-qq' (expected TIMESTAMPTOSTRING(BIGINT, STRING [, STRING]))"},
	{"SELECT TIMESTAMPTOSTRING(ROWTIME, 'yyyy', 'Mars/Olympus') FROM battery_events EMIT CHANGES",
		"line 1:43: TIMESTAMPTOSTRING: unknown time zone 'Mars/Olympus' (expected TIMESTAMPTOSTRING(BIGINT, STRING [, STRING]))"},
	{"CREATE STREAM s2 (a INT KEY, b INT KEY) WITH (KAFKA_TOPIC='t')",
		"line 1:15: the KAFKA key format supports a single key column, found 2 (A, B); use KEY_FORMAT='JSON'"},
}

func TestErrorMessages(t *testing.T) {
	if len(errorCases) < 40 {
		t.Fatalf("only %d error cases", len(errorCases))
	}
	cat := demoCatalog(t)
	for _, tc := range errorCases {
		sts, err := Parse(tc.src)
		if err == nil {
			if len(sts) != 1 {
				t.Fatalf("%q: %d statements", tc.src, len(sts))
			}
			_, err = Analyze(sts[0], cat)
		}
		if err == nil {
			t.Errorf("%q: no error, want %q", tc.src, tc.want)
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%q: error %T is not *sql.Error: %v", tc.src, err, err)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("%q:\n got: %s\nwant: %s", tc.src, err.Error(), tc.want)
		}
	}
}

func TestErrorNamesStatementInFile(t *testing.T) {
	src := "SET 'a'='b';\nSHOW STREAMS;\nCREATE TABLE battery_status (\n  id VARCHAR PRIMARY KEY,\n  n INT\n) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='JSON', KEY_FORMAT='KAFKA')\nEMIT;"
	_, err := Parse(src)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v", err)
	}
	want := "statement 3 (CREATE TABLE BATTERY_STATUS …): line 7:1: syntax error at 'EMIT': expected ';' or end of input"
	if err.Error() != want || e.Line != 7 || e.Col != 1 || e.Statement != 3 {
		t.Errorf("got %q (%+v), want %q", err.Error(), e, want)
	}
}

func TestAnalyzeAllNamesStatement(t *testing.T) {
	src := "CREATE STREAM battery_events2 (account VARCHAR KEY, batteryid VARCHAR) WITH (KAFKA_TOPIC='b');\n" +
		"CREATE TABLE batt AS SELECT account, LATEST_BY_OFFSET(bateryid) AS b\n  FROM battery_events2 GROUP BY account;"
	sts, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	_, err = AnalyzeAll(sts, chainCatalog(t))
	want := "statement 2 (CREATE TABLE BATT …): line 2:55: unknown column 'BATERYID' in BATTERY_EVENTS2; did you mean 'BATTERYID'?"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
