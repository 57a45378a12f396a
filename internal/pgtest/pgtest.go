// Package pgtest runs a real PostgreSQL (Debian's package) for tests: a
// throwaway cluster on loopback with logical replication enabled.
//
// Tests run as root on CI and postgres refuses to run as root, so initdb
// and postgres run as the unprivileged "postgres" user the Debian package
// creates, in a data directory chowned to it.
package pgtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/chaintap/chaintap/internal/aptget"
	"github.com/chaintap/chaintap/internal/freeport"
)

// Server is one running (or stopped) PostgreSQL cluster. Stop and Start
// may be called any number of times (a stopped server is unreachable, as
// a crashed one is); the cluster keeps its data and port across them.
type Server struct {
	t    testing.TB
	bin  string // /usr/lib/postgresql/<ver>/bin
	dir  string // the temp dir: data/ and the unix sockets
	port int
	cred *syscall.Credential

	mu  sync.Mutex
	cmd *exec.Cmd // nil while stopped
}

// Start initialises a cluster in a temp dir and starts it. It is stopped
// and the dir removed in t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, bin: binDir(t), port: freeport.Port(t), cred: postgresUser(t)}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	s.dir = dir
	t.Cleanup(func() {
		s.Stop()
		_ = os.RemoveAll(dir)
	})
	if err := os.Chown(dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
		t.Fatalf("chown %s to postgres: %v", dir, err)
	}
	s.run("initdb", "-D", s.dataDir(), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	s.Restart()
	return s
}

// binDir finds the newest installed PostgreSQL's binaries, installing the
// postgresql package when there is none.
func binDir(t testing.TB) string {
	t.Helper()
	if dir := newestBinDir(); dir != "" {
		return dir
	}
	aptget.Ensure(t, "pg_config", "postgresql") // pulls the versioned server package
	dir := newestBinDir()
	if dir == "" {
		t.Fatal("apt-get installed postgresql but no /usr/lib/postgresql/<ver>/bin/postgres exists")
	}
	return dir
}

func newestBinDir() string {
	ms, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	sort.Slice(ms, func(i, j int) bool { return version(ms[i]) < version(ms[j]) })
	if len(ms) == 0 {
		return ""
	}
	return filepath.Dir(ms[len(ms)-1])
}

func version(path string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return v
}

func postgresUser(t testing.TB) *syscall.Credential {
	t.Helper()
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("the postgres user (created by Debian's postgresql package): %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

func (s *Server) dataDir() string { return filepath.Join(s.dir, "data") }

// command builds a PostgreSQL program's command running as postgres.
func (s *Server) command(prog string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, prog), args...)
	cmd.SysProcAttr = sysProcAttr(s.cred)
	cmd.Dir = s.dir
	cmd.Env = []string{"LC_ALL=C", "PATH=/usr/bin:/bin"}
	return cmd
}

func (s *Server) run(prog string, args ...string) {
	s.t.Helper()
	if out, err := s.command(prog, args...).CombinedOutput(); err != nil {
		s.t.Fatalf("%s %s: %v\n%s", prog, strings.Join(args, " "), err, out)
	}
}

// DSN is a connection string for the postgres database as the postgres
// superuser over TCP.
func (s *Server) DSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

// Restart starts the server when it is stopped and waits until it
// accepts connections.
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return
	}
	cmd := s.command("postgres", "-D", s.dataDir(), "-p", strconv.Itoa(s.port), "-k", s.dir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "wal_level=logical",
		"-c", "max_replication_slots=20",
		"-c", "max_wal_senders=20",
		"-c", "max_connections=100",
		// Test speed: a crash of the machine loses the test anyway. Commits
		// stay synchronous: an immediate Stop must not lose them.
		"-c", "fsync=off", "-c", "full_page_writes=off",
		"-c", "shared_buffers=64MB",
		// A dead client's walsender must let its slot go quickly, so
		// that a restarted chaintap finds it free.
		"-c", "wal_sender_timeout=5s",
		"-c", "tcp_keepalives_idle=2",
		"-c", "tcp_keepalives_interval=1",
		"-c", "tcp_keepalives_count=2",
	)
	logf, err := os.OpenFile(filepath.Join(s.dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("starting postgres: %v", err)
	}
	s.cmd = cmd
	s.waitReady()
}

// waitReady polls until a connection succeeds (30 s at most).
func (s *Server) waitReady() {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgconn.Connect(ctx, s.DSN())
		cancel()
		if err == nil {
			_ = conn.Close(context.Background())
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(s.dir, "postgres.log"))
			s.t.Fatalf("postgres did not accept connections within 30s: %v\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop shuts the server down at once (immediate mode: SIGQUIT, no
// checkpoint, as a crash would leave it) and waits for it to exit. It is
// idempotent.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGQUIT)
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Exec runs SQL statements (simple protocol, several allowed) and fails
// the test on error.
func (s *Server) Exec(sql string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgconn.Connect(ctx, s.DSN())
	if err != nil {
		s.t.Fatalf("connecting to postgres: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql).ReadAll(); err != nil {
		s.t.Fatalf("%s: %v", sql, err)
	}
}

// Rows runs q, a query of one text column, on the server: nil when it
// fails (a table not created yet), each row's value otherwise.
func (s *Server) Rows(t testing.TB, q string) []string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, s.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	rows, err := c.Query(ctx, q)
	if err != nil {
		return nil
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}
