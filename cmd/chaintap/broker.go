package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/chaintap/chaintap/kafka"
)

func (e *env) brokerCmd() *cobra.Command {
	var addr, dataDir string
	cmd := &cobra.Command{
		Use:   "broker",
		Short: "Run only the embedded Kafka-protocol broker",
		Long: `Runs franz-go's kfake broker in-process, persisted under <data-dir>/kafka, so
that "chaintap ingest" and any Kafka tool (kcat, kafka-console-consumer) can use it.`,
		Example: `  chaintap broker --addr 127.0.0.1:9092
  kcat -b 127.0.0.1:9092 -L`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := e.load()
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("addr") {
				addr = cfg.Kafka.Embedded.Addr
			}
			if !cmd.Flags().Changed("data-dir") {
				dataDir = cfg.DataDir
			}
			b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: addr, DataDir: filepath.Join(dataDir, "kafka")})
			if err != nil {
				return err
			}
			defer b.Close()
			fmt.Fprintf(e.stdout, "Kafka bootstrap: %s (data in %s)\n", b.Addr(), filepath.Join(dataDir, "kafka"))
			<-cmd.Context().Done()
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:9092", "host:port to listen on (overrides kafka.embedded.addr)")
	cmd.Flags().StringVar(&dataDir, "data-dir", ".chaintap", "where the broker keeps its data (overrides data_dir)")
	return cmd
}
