package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/chaintap/chaintap/refdata"
)

func (e *env) refCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ref",
		Short: "Reference data (master data without a database) into a table's topic",
	}
	cmd.AddCommand(e.refLoadCmd())
	return cmd
}

func (e *env) refLoadCmd() *cobra.Command {
	var file, table string
	cmd := &cobra.Command{
		Use:   "load DATA_FILE --table NAME",
		Short: "Write a CSV or JSON file's rows to a table's compacted topic",
		Long: `Writes the rows of DATA_FILE to the topic of the table NAME, as the
table's statement declares it (CREATE TABLE … (… PRIMARY KEY) WITH
(KAFKA_TOPIC=…)): a .csv file with a header row naming the columns, or a
.json file (an array of objects) or .jsonl file (one object per line).
Every column is checked against its declared type first; a bad row is
reported with its line and skipped, the others are written. Loading again
overwrites rows by key (the topic is a table: the latest row per key).

The table comes from the statements saved by the last "chaintap process -f"
or "chaintap up", or from the file given with -f. Rows can also be written
one at a time while chaintap up runs: PUT or DELETE /api/ref/<table>/<key>.`,
		Example: `  chaintap ref load battery/charging_stations.csv --table charging_stations
  chaintap ref load stations.jsonl --table charging_stations -f battery/demo.sql -c chaintap.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if table == "" {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--table is required")}
			}
			cfg, err := e.load()
			if err != nil {
				return err
			}
			kcfg := kafkaConfig(cfg)
			text, err := statementsToRun(cmd.Context(), kcfg, file, false)
			if err != nil {
				return err
			}
			cat, _, err := compileStatements(cfg, kcfg, text, newRegistry())
			if err != nil {
				return err
			}
			src := cat.Source(strings.ToUpper(table))
			if src == nil {
				src = cat.Source(table)
			}
			if src == nil {
				return fmt.Errorf("no table %s in the statements", table)
			}
			tab, err := refdata.NewTable(src)
			if err != nil {
				return err
			}
			cl, err := kcfg.NewClient()
			if err != nil {
				return err
			}
			defer cl.Close()
			rep, err := tab.LoadFile(cmd.Context(), cl, args[0])
			for _, bad := range rep.Skipped {
				fmt.Fprintf(e.stderr, "%s: skipped %v\n", args[0], bad)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s: %d rows written to %s (topic %s), %d skipped\n", args[0], rep.Written, src.Name, src.Topic, len(rep.Skipped))
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "the statements that declare the table (default: those saved last)")
	cmd.Flags().StringVar(&table, "table", "", "the table to load (as named in the statements)")
	return cmd
}
