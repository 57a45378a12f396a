package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap/catalog"
	"github.com/chaintap/chaintap/config"
	"github.com/chaintap/chaintap/pgsink"
	"github.com/chaintap/chaintap/pgsource"
	"github.com/chaintap/chaintap/sql"
	"github.com/chaintap/chaintap/stream"
)

// pgCmd is "chaintap pg": PostgreSQL in (CDC) and out (sink), the roles
// Kafka Connect's Debezium and JDBC connectors play elsewhere.
func (e *env) pgCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pg",
		Short: "PostgreSQL to Kafka (change data capture) and Kafka to PostgreSQL (sink), exactly-once",
		Long: `"chaintap pg source" publishes PostgreSQL tables to compacted Kafka topics by
logical replication: a snapshot, then every change. "chaintap pg sink" upserts a
topic (a stream or a table our SQL engine writes) into a PostgreSQL table.
Both are exactly-once across crashes. Details: docs/postgres.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(e.pgSourceCmd(), e.pgSinkCmd())
	return cmd
}

// pgFlags are the flags both directions take.
type pgFlags struct {
	dsn, name, metricsAddr string
	brokers                []string
}

func (f *pgFlags) register(cmd *cobra.Command, defName string) {
	cmd.Flags().StringVar(&f.dsn, "dsn", "", "PostgreSQL connection string (postgres://user:pass@host:5432/db?sslmode=disable, or key=value form)")
	cmd.Flags().StringVar(&f.name, "name", defName, "names this source or sink across restarts (a source's: lower-case letters, digits, _; its slot is chaintap_<name>)")
	cmd.Flags().StringSliceVar(&f.brokers, "brokers", nil, "Kafka bootstrap brokers (overrides kafka.brokers)")
	cmd.Flags().StringVar(&f.metricsAddr, "metrics-addr", "", "serve Prometheus /metrics and /healthz on host:port")
}

func (e *env) pgSourceCmd() *cobra.Command {
	var (
		f          pgFlags
		tables     []string
		topic      string
		resnapshot bool
		flush      time.Duration
	)
	cmd := &cobra.Command{
		Use:   "source",
		Short: "Publish PostgreSQL tables to compacted Kafka topics (logical replication)",
		Long: `Captures tables by logical replication (pgoutput): a publication and a
replication slot named chaintap_<name> are created when missing. The tables'
rows are published first (a snapshot consistent with the slot's start), then
every committed change: inserts and updates as upserts (a JSON object of the
row's columns), deletes as tombstones, keyed by the primary key as our SQL
engine encodes table keys. Each table's topic is compacted: read it as a TABLE.

The server needs wal_level=logical, and the user REPLICATION (or superuser)
and the right to create a publication on the tables.

Exactly-once: records and the position (LSN) go to Kafka in one transaction,
and the slot is told the LSN only after Kafka committed. Kill it any time and
start it again: nothing is lost or doubled. PostgreSQL or Kafka down: it
retries with backoff. A slot dropped by hand: it stops and says so (restart
with --resnapshot to publish every row again).`,
		Example: `  # one table into the topic "meters" (compacted), the embedded broker
  chaintap pg source --dsn postgres://postgres@127.0.0.1/app --tables meters --topic meters

  # several tables: topics <name>.<table> (inventory.orders, inventory.customers)
  chaintap pg source --dsn "$PG" --name inventory --tables public.orders,public.customers

  # read it: kcat -b 127.0.0.1:9092 -C -t meters -f '%k %h %s\n'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ts, err := sourceTables(f.name, tables, topic)
			if err != nil || f.dsn == "" {
				if err == nil {
					err = errors.New("--dsn is required")
				}
				return &usageError{cmd: cmd.CommandPath(), err: err}
			}
			cfg, err := e.load()
			if err != nil {
				return err
			}
			if len(f.brokers) > 0 {
				cfg.Kafka.Brokers = f.brokers
			}
			reg := newRegistry()
			src, err := pgsource.New(pgsource.Config{Name: f.name, DSN: f.dsn, Tables: ts, Kafka: kafkaConfig(cfg),
				Resnapshot: resnapshot, FlushInterval: flush, Log: e.logger(cfg.LogLevel), Metrics: reg})
			if err != nil {
				return err
			}
			return runWithOps(cmd.Context(), f.metricsAddr, reg, src.Run)
		},
	}
	f.register(cmd, "pg")
	cmd.Flags().StringSliceVar(&tables, "tables", nil, "tables to capture: name or schema.name, comma-separated (each needs a primary key)")
	cmd.Flags().StringSliceVar(&tables, "table", nil, "same as --tables")
	cmd.Flags().StringVar(&topic, "topic", "", "the topic of the one table given (default <name>.<table>)")
	cmd.Flags().BoolVar(&resnapshot, "resnapshot", false, "when the replication slot is missing (dropped by hand): create it again and publish every row again")
	cmd.Flags().DurationVar(&flush, "flush-interval", time.Millisecond, "how long committed changes may wait to share one Kafka transaction")
	return cmd
}

// sourceTables maps the table flags to tables and topics.
func sourceTables(name string, tables []string, topic string) ([]pgsource.Table, error) {
	if len(tables) == 0 {
		return nil, errors.New("--tables is required")
	}
	if topic != "" && len(tables) > 1 {
		return nil, errors.New("--topic names the topic of a single table; with several, each goes to <name>.<table>")
	}
	var out []pgsource.Table
	for _, s := range tables {
		t, err := pgsource.ParseTable(s)
		if err != nil {
			return nil, err
		}
		t.Topic = topic
		if t.Topic == "" {
			t.Topic = name + "." + t.Name
			if t.Schema != "public" {
				t.Topic = name + "." + t.Schema + "." + t.Name
			}
		}
		out = append(out, t)
	}
	return out, nil
}

func (e *env) pgSinkCmd() *cobra.Command {
	var (
		f                                       pgFlags
		table, topic, columns, fromSQL, srcName string
		keyFormat                               string
		batch                                   int
		noCreate                                bool
	)
	cmd := &cobra.Command{
		Use:   "sink",
		Short: "Upsert a Kafka topic into a PostgreSQL table, exactly-once",
		Long: `Applies a topic to a table: each record upserts its key's row (the last
write per key in a batch wins), a tombstone (null value, or header op=retract)
deletes it. A topic without key columns (a stream) is appended. The consumed
offsets are stored in the table chaintap_sink_offsets in the same transaction
as the rows, and the sink starts from them (read_committed): a crash at any
point neither loses nor doubles a record.

The sink needs the topic's columns, in one of two ways:
  --columns 'id STRING KEY, kwh DECIMAL(10,2)'   our SQL's column list, as in CREATE STREAM
  --from-sql statements.sql --source NAME        a stream or table the statements declare or create
The table is created from them when missing (DECIMAL(p,s) → numeric(p,s), BIGINT → bigint,
STRING → text, BOOLEAN → boolean, DOUBLE → double precision, TIMESTAMP → timestamptz,
ARRAY/MAP/STRUCT → jsonb; column names in lower case; the key columns are the primary key).
Keys are decoded as our SQL engine encodes them: --key-format KAFKA or JSON (default: KAFKA
for one key column of type INT, BIGINT, DOUBLE, STRING or BYTES, JSON otherwise — what
"chaintap pg source" and ksqlDB write).`,
		Example: `  # the demo's battery table into PostgreSQL (table battery_status, key id)
  chaintap pg sink --dsn postgres://postgres@127.0.0.1/app --from-sql battery/demo.sql --source battery_status

  # any topic, its columns given
  chaintap pg sink --dsn "$PG" --topic meters --table meters_copy \
      --columns 'id STRING KEY, kwh DECIMAL(10,2), read_at STRING'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			usage := func(err error) error { return &usageError{cmd: cmd.CommandPath(), err: err} }
			if f.dsn == "" {
				return usage(errors.New("--dsn is required"))
			}
			cfg, err := e.load()
			if err != nil {
				return err
			}
			if len(f.brokers) > 0 {
				cfg.Kafka.Brokers = f.brokers
			}
			kcfg := kafkaConfig(cfg)
			src, err := sinkSource(kcfg.Topics.Prefix, cfg, columns, fromSQL, srcName, topic, keyFormat)
			if err != nil {
				return usage(err)
			}
			if topic == "" {
				topic = src.Topic
			}
			if table == "" {
				table = strings.ToLower(src.Name)
				if columns != "" {
					table = strings.ReplaceAll(topic, ".", "_")
				}
			}
			t, err := pgsink.ParseTable(table)
			if err != nil {
				return usage(err)
			}
			if f.name == "" {
				f.name = t.String()
			}
			reg := newRegistry()
			sink, err := pgsink.New(pgsink.Config{Name: f.name, DSN: f.dsn, Table: t, Topic: topic, Source: src, Kafka: kcfg,
				CreateTable: !noCreate, BatchSize: batch, Log: e.logger(cfg.LogLevel), Metrics: reg})
			if err != nil {
				return err
			}
			return runWithOps(cmd.Context(), f.metricsAddr, reg, sink.Run)
		},
	}
	f.register(cmd, "")
	cmd.Flags().StringVar(&table, "table", "", "the PostgreSQL table, name or schema.name (default: the source's name, or the topic's)")
	cmd.Flags().StringVar(&topic, "topic", "", "the topic to apply (default: the --source's topic)")
	cmd.Flags().StringVar(&columns, "columns", "", "the topic's columns in our SQL: 'id STRING KEY, kwh DECIMAL(10,2)'")
	cmd.Flags().StringVar(&fromSQL, "from-sql", "", "a statements file declaring the --source (compiled as chaintap process does)")
	cmd.Flags().StringVar(&srcName, "source", "", "with --from-sql: the stream or table whose topic and columns to use")
	cmd.Flags().StringVar(&keyFormat, "key-format", "", "KAFKA or JSON (default: as described above)")
	cmd.Flags().IntVar(&batch, "batch-size", 100000, "records applied in one PostgreSQL transaction at most (batches are smaller while PostgreSQL keeps up)")
	cmd.Flags().BoolVar(&noCreate, "no-create", false, "fail instead of creating the table when it is missing")
	cmd.Flags().Lookup("name").Usage = "names this sink in chaintap_sink_offsets and its lock (default: the table)"
	return cmd
}

// sinkSource describes the sink's topic from --columns or --from-sql.
func sinkSource(prefix string, cfg config.Config, columns, fromSQL, name, topic, keyFormat string) (*sql.Source, error) {
	switch {
	case columns != "" && fromSQL != "":
		return nil, errors.New("give the columns with --columns or --from-sql, not both")
	case columns != "":
		if topic == "" {
			return nil, errors.New("--columns needs --topic")
		}
		return pgsink.SourceFromColumns(columns, topic, keyFormat)
	case fromSQL != "":
		if name == "" {
			return nil, errors.New("--from-sql needs --source NAME (a stream or table of the file)")
		}
		return sourceFromSQL(prefix, cfg, fromSQL, name)
	}
	return nil, errors.New("the sink needs the topic's columns: --columns '…' or --from-sql FILE --source NAME")
}

// sourceFromSQL compiles the file against the chains' streams, as
// process does, and returns the named source.
func sourceFromSQL(prefix string, cfg config.Config, file, name string) (*sql.Source, error) {
	text, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading the statements: %w", err)
	}
	chains, err := sqlChains(cfg.Chains)
	if err != nil {
		return nil, err
	}
	cat, err := catalog.New(prefix, chains...)
	if err != nil {
		return nil, err
	}
	bad := prometheus.NewCounter(prometheus.CounterOpts{Name: "unused"})
	if _, err := cat.Compile(string(text), stream.Options{Errors: bad}); err != nil {
		return nil, err
	}
	src := cat.Source(strings.ToUpper(name))
	if src == nil {
		src = cat.Source(name)
	}
	if src == nil {
		return nil, fmt.Errorf("%s declares no stream or table %s", file, name)
	}
	return src, nil
}

// runWithOps runs fn, serving /metrics and /healthz beside it when addr is
// given. An interrupt (ctx done) is a clean stop.
func runWithOps(ctx context.Context, addr string, reg *prometheus.Registry, fn func(context.Context) error) error {
	ops, err := listenOps(addr)
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	if ops != nil {
		defer ops.Close()
		serveHTTP(ctx, g, ops, opsHandler(reg))
	}
	g.Go(func() error {
		err := fn(ctx)
		if ctx.Err() != nil && err == nil {
			return context.Canceled // stops the ops server
		}
		return err
	})
	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
