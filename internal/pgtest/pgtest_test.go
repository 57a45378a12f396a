package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestStartStopRestart: the server answers, is unreachable while stopped,
// and keeps its data across a stop.
func TestStartStopRestart(t *testing.T) {
	s := Start(t)
	s.Exec("CREATE TABLE t (id int primary key); INSERT INTO t VALUES (1)")
	s.Stop()
	ctx := context.Background()
	if c, err := pgx.Connect(ctx, s.DSN()); err == nil {
		c.Close(ctx)
		t.Fatal("connected to a stopped server")
	}
	s.Restart()
	c, err := pgx.Connect(ctx, s.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var wal string
	if err := c.QueryRow(ctx, "SHOW wal_level").Scan(&wal); err != nil || wal != "logical" {
		t.Fatalf("wal_level = %q, %v; want logical", wal, err)
	}
	var n int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Fatalf("rows after restart = %d, %v", n, err)
	}
}
