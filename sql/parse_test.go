package sql

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// goldenStatements maps each statement form to its canonical rendering.
var goldenStatements = []struct{ in, want string }{
	{"create stream s (id varchar key, n int, b boolean, d double, big bigint) with (kafka_topic='t', value_format='JSON', key_format='KAFKA', partitions=3, timestamp='big')",
		"CREATE STREAM S (ID STRING KEY, N INTEGER, B BOOLEAN, D DOUBLE, BIG BIGINT) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='JSON', KEY_FORMAT='KAFKA', PARTITIONS=3, TIMESTAMP='big')"},
	{"CREATE OR REPLACE TABLE IF NOT EXISTS t (k STRING PRIMARY KEY, v DECIMAL(78, 0)) WITH (KAFKA_TOPIC='t', KEY_FORMAT='JSON')",
		"CREATE OR REPLACE TABLE IF NOT EXISTS T (K STRING PRIMARY KEY, V DECIMAL(78, 0)) WITH (KAFKA_TOPIC='t', KEY_FORMAT='JSON')"},
	{"CREATE SOURCE TABLE t (k INT PRIMARY KEY) WITH (KAFKA_TOPIC='t')",
		"CREATE SOURCE TABLE T (K INTEGER PRIMARY KEY) WITH (KAFKA_TOPIC='t')"},
	{"CREATE STREAM `Mixed Case` (`lower` VARCHAR, a ARRAY<INT>, m MAP<STRING, DOUBLE>, s STRUCT<x INT, `y z` STRUCT<q BYTES>>, ts TIMESTAMP, dt DATE, tm TIME) WITH (KAFKA_TOPIC='x')",
		"CREATE STREAM `Mixed Case` (`lower` STRING, A ARRAY<INTEGER>, M MAP<STRING, DOUBLE>, S STRUCT<X INTEGER, `y z` STRUCT<Q BYTES>>, TS TIMESTAMP, DT DATE, TM TIME) WITH (KAFKA_TOPIC='x')"},
	{"CREATE STREAM s2 WITH (kafka_topic='out') AS SELECT * FROM s EMIT CHANGES",
		"CREATE STREAM S2 WITH (KAFKA_TOPIC='out') AS SELECT * FROM S EMIT CHANGES"},
	{"CREATE TABLE agg AS SELECT id, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 1 HOUR, RETENTION 7 DAYS, GRACE PERIOD 10 MINUTES) GROUP BY id EMIT FINAL",
		"CREATE TABLE AGG AS SELECT ID, COUNT(*) AS N FROM S WINDOW TUMBLING (SIZE 1 HOUR, RETENTION 7 DAYS, GRACE PERIOD 10 MINUTES) GROUP BY ID EMIT FINAL"},
	{"CREATE TABLE h AS SELECT id, SUM(n) FROM s WINDOW HOPPING (SIZE 1 HOUR, ADVANCE BY 10 MINUTES) GROUP BY id",
		"CREATE TABLE H AS SELECT ID, SUM(N) FROM S WINDOW HOPPING (SIZE 1 HOUR, ADVANCE BY 10 MINUTES) GROUP BY ID"},
	{"CREATE TABLE h AS SELECT id, MAX(n) FROM s WINDOW SESSION (30 MINUTES, GRACE PERIOD 1 MINUTE) GROUP BY id",
		"CREATE TABLE H AS SELECT ID, MAX(N) FROM S WINDOW SESSION (30 MINUTES, GRACE PERIOD 1 MINUTE) GROUP BY ID"},
	{"INSERT INTO s2 SELECT * FROM s", "INSERT INTO S2 SELECT * FROM S"},
	{"INSERT INTO s (id, n) VALUES ('a', -1)", "INSERT INTO S (ID, N) VALUES ('a', -1)"},
	{"INSERT INTO s VALUES ('it''s', 1.50, 2e3, NULL, TRUE)", "INSERT INTO S VALUES ('it''s', 1.50, 2E3, NULL, TRUE)"},
	{"DROP STREAM IF EXISTS s DELETE TOPIC", "DROP STREAM IF EXISTS S DELETE TOPIC"},
	{"drop table t", "DROP TABLE T"},
	{"SHOW STREAMS", "SHOW STREAMS"},
	{"LIST TABLES EXTENDED", "SHOW TABLES EXTENDED"},
	{"show queries", "SHOW QUERIES"},
	{"SHOW ALL TOPICS EXTENDED", "SHOW ALL TOPICS EXTENDED"},
	{"list topics", "SHOW TOPICS"},
	{"SHOW PROPERTIES", "SHOW PROPERTIES"},
	{"SHOW FUNCTIONS", "SHOW FUNCTIONS"},
	{"DESCRIBE s EXTENDED", "DESCRIBE S EXTENDED"},
	{"describe streams", "DESCRIBE STREAMS"},
	{"DESCRIBE TABLES EXTENDED", "DESCRIBE TABLES EXTENDED"},
	{"DESCRIBE FUNCTION substring", "DESCRIBE FUNCTION SUBSTRING"},
	{"TERMINATE CTAS_T_1", "TERMINATE CTAS_T_1"},
	{"terminate all", "TERMINATE ALL"},
	{"SET 'auto.offset.reset' = 'earliest'", "SET 'auto.offset.reset'='earliest'"},
	{"UNSET 'auto.offset.reset'", "UNSET 'auto.offset.reset'"},
	{"SELECT a.x, b.y AS z, a.* FROM s a JOIN t b ON a.k = b.k EMIT CHANGES LIMIT 10",
		"SELECT A.X, B.Y AS Z, A.* FROM S A INNER JOIN T B ON A.K = B.K EMIT CHANGES LIMIT 10"},
	{"SELECT * FROM s AS a LEFT OUTER JOIN t AS b WITHIN 1 HOUR ON a.k = b.k RIGHT JOIN u c WITHIN (1 SECOND, 2 MINUTES) GRACE PERIOD 5 SECONDS ON a.k = c.k FULL OUTER JOIN v ON a.k = v.k EMIT CHANGES",
		"SELECT * FROM S A LEFT JOIN T B WITHIN 1 HOUR ON A.K = B.K RIGHT JOIN U C WITHIN (1 SECOND, 2 MINUTES) GRACE PERIOD 5 SECONDS ON A.K = C.K FULL OUTER JOIN V ON A.K = V.K EMIT CHANGES"},
	{"SELECT x FROM s WHERE a = 1 AND (b <> 2 OR c != 3) AND NOT d PARTITION BY x EMIT CHANGES",
		"SELECT X FROM S WHERE A = 1 AND (B <> 2 OR C <> 3) AND NOT D PARTITION BY X EMIT CHANGES"},
	{"SELECT k, COUNT(*) FROM s GROUP BY k HAVING COUNT(*) > 1 EMIT CHANGES",
		"SELECT K, COUNT(*) FROM S GROUP BY K HAVING COUNT(*) > 1 EMIT CHANGES"},
	{"SELECT k FROM s GROUP BY (k, j) EMIT CHANGES", "SELECT K FROM S GROUP BY K, J EMIT CHANGES"},
	{"SELECT a + b * c, (a + b) * c, a - (b - c), -a, - -a, -(1), a || 'x' || b, a % 2 / 3 FROM s",
		"SELECT A + B * C, (A + B) * C, A - (B - C), -A, - -A, -1, A || 'x' || B, A % 2 / 3 FROM S"},
	{"SELECT x IS NULL, x IS NOT NULL, x IS DISTINCT FROM y, x IS NOT DISTINCT FROM y FROM s",
		"SELECT X IS NULL, X IS NOT NULL, X IS DISTINCT FROM Y, X IS NOT DISTINCT FROM Y FROM S"},
	{"SELECT x BETWEEN 1 AND 2, x NOT BETWEEN 1 AND 2, x IN (1, 2), x NOT IN ('a'), x LIKE 'a%', x NOT LIKE 'a!%' ESCAPE '!' FROM s",
		"SELECT X BETWEEN 1 AND 2, X NOT BETWEEN 1 AND 2, X IN (1, 2), X NOT IN ('a'), X LIKE 'a%', X NOT LIKE 'a!%' ESCAPE '!' FROM S"},
	{"SELECT CASE WHEN a > 1 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'none' END, CASE a WHEN 1 THEN 'one' END FROM s",
		"SELECT CASE WHEN A > 1 THEN 'big' WHEN A > 0 THEN 'small' ELSE 'none' END, CASE A WHEN 1 THEN 'one' END FROM S"},
	{"SELECT CAST(a AS DECIMAL(78, 0)), CAST(b AS VARCHAR), COUNT(DISTINCT_X), args->battery, a[1], m['k'], s->inner->x, t.args->battery FROM s t",
		"SELECT CAST(A AS DECIMAL(78, 0)), CAST(B AS STRING), COUNT(DISTINCT_X), ARGS->BATTERY, A[1], M['k'], S->`INNER`->X, T.ARGS->BATTERY FROM S T"},
	{"SELECT WINDOWSTART, WINDOWEND, ROWTIME, ROWPARTITION, ROWOFFSET FROM s EMIT CHANGES",
		"SELECT WINDOWSTART, WINDOWEND, ROWTIME, ROWPARTITION, ROWOFFSET FROM S EMIT CHANGES"},
	{"SELECT 1.5e-3, .5, 007, 123456789012345678901234567890, ARRAY[1, 2], STRUCT(a := 1, b := 'x') FROM s",
		"SELECT 1.5E-3, .5, 007, 123456789012345678901234567890, ARRAY[1, 2], STRUCT(A := 1, B := 'x') FROM S"},
	{"select `from`, \"Quoted\" from `select` -- comment\n /* block\ncomment */ emit changes",
		"SELECT `from`, `Quoted` FROM `select` EMIT CHANGES"},
	{"SELECT x AS `emit` FROM s AS `where`", "SELECT X AS `emit` FROM S `where`"},
	{"SELECT x FROM s AS emit EMIT CHANGES", "SELECT X FROM S AS EMIT EMIT CHANGES"},
}

func TestParseGolden(t *testing.T) {
	for _, tc := range goldenStatements {
		st, err := ParseOne(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := st.String(); got != tc.want {
			t.Errorf("Parse(%q).String()\n got: %s\nwant: %s", tc.in, got, tc.want)
		}
		if st.Text() != tc.in {
			t.Errorf("Text() = %q, want the source %q", st.Text(), tc.in)
		}
		assertRoundTrip(t, st)
	}
}

// assertRoundTrip re-parses the rendering and compares the ASTs (positions
// and source text aside).
func assertRoundTrip(t *testing.T, st Statement) {
	t.Helper()
	again, err := ParseOne(st.String())
	if err != nil {
		t.Errorf("re-parsing %q: %v", st.String(), err)
		return
	}
	if !reflect.DeepEqual(stripPositions(st), stripPositions(again)) {
		t.Errorf("round trip changed the AST of %q:\n%s\n%s", st.String(), stripPositions(st), stripPositions(again))
	}
}

// stripPositions dumps an AST without positions and source text, so two
// parses of equivalent text compare equal.
func stripPositions(st Statement) string {
	var b strings.Builder
	dumpAST(&b, reflect.ValueOf(st))
	return b.String()
}

var posType = reflect.TypeOf(Pos{})

func dumpAST(b *strings.Builder, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		dumpAST(b, v.Elem())
	case reflect.Struct:
		if v.Type() == posType {
			return
		}
		b.WriteString(v.Type().Name() + "{")
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).Name == "Src" {
				continue
			}
			b.WriteString(v.Type().Field(i).Name + ":")
			dumpAST(b, v.Field(i))
			b.WriteString(" ")
		}
		b.WriteString("}")
	case reflect.Slice:
		b.WriteString("[")
		for i := 0; i < v.Len(); i++ {
			dumpAST(b, v.Index(i))
			b.WriteString(",")
		}
		b.WriteString("]")
	case reflect.String:
		b.WriteString(strconv.Quote(v.String()))
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int64, reflect.Int32:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint8:
		b.WriteString(strconv.FormatUint(v.Uint(), 10))
	default:
		b.WriteString(v.Kind().String())
	}
}

func TestParseMultiStatementTextAndPositions(t *testing.T) {
	src := "SET 'a'='b';\n\n  SHOW STREAMS ;\nDROP TABLE t"
	sts, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		text      string
		line, col int
	}{{"SET 'a'='b';", 1, 1}, {"SHOW STREAMS ;", 3, 3}, {"DROP TABLE t", 4, 1}}
	if len(sts) != len(want) {
		t.Fatalf("got %d statements", len(sts))
	}
	for i, w := range want {
		if sts[i].Text() != w.text || sts[i].Pos().Line != w.line || sts[i].Pos().Col != w.col {
			t.Errorf("statement %d: text %q at %v, want %q at %d:%d", i+1, sts[i].Text(), sts[i].Pos(), w.text, w.line, w.col)
		}
	}
}

func TestParseErrorIsTyped(t *testing.T) {
	_, err := Parse("SELECT * FROM")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not *sql.Error", err)
	}
	if e.Line != 1 || e.Col != 14 || !strings.Contains(e.Msg, "end of input") {
		t.Errorf("got %+v", e)
	}
}
