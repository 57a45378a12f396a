package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/internal/ksqltest"
)

// sqlRun runs `chaintap sql --server url args…` in this process.
func sqlRun(t *testing.T, url string, args ...string) (int, string, string) {
	t.Helper()
	return runCLI(t, append([]string{"sql", "--server", url}, args...)...)
}

// insertAndWait inserts a reading through the shell and waits until the
// table counts it.
func insertAndWait(t *testing.T, url, id string, kwh string) {
	t.Helper()
	if code, _, errOut := sqlRun(t, url, "-e", "INSERT INTO readings (id, kwh, station) VALUES ('"+id+"', "+kwh+", 's1');"); code != 0 {
		t.Fatalf("insert: %d %s", code, errOut)
	}
	ingesttest.WaitFor(t, 30*time.Second, "the table to count "+id, func() bool {
		_, out, _ := sqlRun(t, url, "-e", "SELECT * FROM totals WHERE id = '"+id+"';")
		return strings.Contains(out, "|"+id+" ")
	})
}

func TestSQLExecute(t *testing.T) {
	url := ksqltest.Start(t, ksqltest.Readings, map[string]int32{"readings": 2}).URL
	code, out, errOut := sqlRun(t, url, "-e", "SHOW STREAMS; show tables;\nDESCRIBE readings; SHOW QUERIES; SHOW TOPICS;")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		" Stream Name                        | Kafka Topic                        | Key Format | Value Format | Windowed\n",
		" DEVCHAIN_BLOCKS                    | devchain.blocks                    | KAFKA      | JSON         | false\n",
		" READINGS                           | readings                           | KAFKA      | JSON         | false\n",
		" Table Name | Kafka Topic | Key Format | Value Format | Windowed\n",
		" TOTALS     | TOTALS      | KAFKA      | JSON         | false\n",
		"Name                 : READINGS\n",
		" Field   | Type\n",
		" ID      | STRING  (key)\n",
		" KWH     | DOUBLE\n",
		"Queries that read from this STREAM\n",
		" CTAS_TOTALS | PERSISTENT | RUNNING:1 | TOTALS    | TOTALS           | CREATE TABLE totals AS SELECT",
		" Kafka Topic        | Partitions | Partition Replicas\n",
		" readings           | 2          | 1\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}

	insertAndWait(t, url, "a", "1.5")
	code, out, errOut = sqlRun(t, url, "-e", "SELECT id, n, kwh FROM totals WHERE id = 'a';")
	want := `+--+-+---+
|ID|N|KWH|
+--+-+---+
|a |1|1.5|
+--+-+---+
Query terminated
`
	if code != 0 || out != want {
		t.Errorf("pull query: exit %d, stderr %q, output\n%s\nwant\n%s", code, errOut, out, want)
	}
}

// TestSQLFile runs a file with SET, a push query from the start with a
// LIMIT, and JSON output.
func TestSQLFile(t *testing.T) {
	url := ksqltest.Start(t, ksqltest.Readings, map[string]int32{"readings": 2}).URL
	insertAndWait(t, url, "b", "2")
	file := filepath.Join(t.TempDir(), "q.sql")
	src := "-- from the start\nSET 'auto.offset.reset' = 'earliest';\nSELECT id, kwh\n  FROM readings\n  EMIT CHANGES LIMIT 1;\nSHOW PROPERTIES"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := sqlRun(t, url, "-f", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Successfully changed local property 'auto.offset.reset' to 'earliest'",
		"|ID", "|b ", "Limit Reached\nQuery terminated\n", " auto.offset.reset | KSQL  | earliest\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	// RUN SCRIPT runs it as well, and refuses a script that runs itself.
	code, out, errOut = sqlRun(t, url, "-e", "RUN SCRIPT '"+file+"';")
	if code != 0 || !strings.Contains(out, "Limit Reached") {
		t.Errorf("RUN SCRIPT: exit %d, %s\n%s", code, errOut, out)
	}
	loop := filepath.Join(t.TempDir(), "loop.sql")
	if err := os.WriteFile(loop, []byte("SHOW TOPICS;\nRUN SCRIPT '"+loop+"';\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = sqlRun(t, url, "-f", loop)
	t.Logf("loop: %s", errOut)
	if code != 1 || !strings.Contains(errOut, "runs itself") || !strings.Contains(out, " readings ") {
		t.Errorf("RUN SCRIPT of itself: exit %d, %s\n%s", code, errOut, out)
	}
	code, out, errOut = sqlRun(t, url, "-f", file, "--output", "json")
	if code != 0 || !strings.Contains(out, `{"ID":"b","KWH":2.0}`+"\n") || !strings.Contains(out, `"@type": "properties"`) {
		t.Errorf("json: exit %d, %s\n%s", code, errOut, out)
	}
}

// TestSQLErrors: a statement that fails stops the script with exit code
// 1 and its line:column in the script; the statements before it ran.
func TestSQLErrors(t *testing.T) {
	url := ksqltest.Start(t, ksqltest.Readings, map[string]int32{"readings": 2}).URL
	code, out, errOut := sqlRun(t, url, "-e", "SHOW STREAMS;\n\n  SELEC * FROM readings; SHOW TABLES;")
	t.Logf("-e: %s", errOut)
	if code != 1 || !strings.Contains(errOut, "line 3:3: ") || !strings.Contains(out, "READINGS") || strings.Contains(out, "Table Name") {
		t.Errorf("exit %d, stderr %q, stdout\n%s", code, errOut, out)
	}
	file := filepath.Join(t.TempDir(), "bad.sql")
	if err := os.WriteFile(file, []byte("SHOW STREAMS;\nDESCRIBE redings;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = sqlRun(t, url, "-f", file)
	t.Logf("-f: %s", errOut)
	if code != 1 || !strings.Contains(errOut, file+": line 2") || !strings.Contains(errOut, "did you mean 'READINGS'") {
		t.Errorf("-f: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = sqlRun(t, url, "-e", "SELECT * FROM totals WHERE id = 'a';", "--output", "xml")
	if code != 2 || !strings.Contains(errOut, "--output") {
		t.Errorf("--output xml: exit %d, stderr %q", code, errOut)
	}
}

func TestSQLServerUnreachable(t *testing.T) {
	code, _, errOut := sqlRun(t, "http://127.0.0.1:1", "-e", "SHOW STREAMS;")
	t.Log(errOut)
	if code != 1 || !strings.Contains(errOut, "http://127.0.0.1:1") || !strings.Contains(errOut, "chaintap up") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
