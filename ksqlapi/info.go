package ksqlapi

import (
	"context"
	"net/http"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
)

// ksqlServiceID is what /info reports as the service: one chaintap
// cluster is one ksqlDB service.
const ksqlServiceID = "chaintap"

func (s *Server) info(w http.ResponseWriter, r *http.Request) {
	status := "RUNNING"
	clusterID := ""
	if id, err := s.clusterID(r.Context()); err == nil {
		clusterID = id
	} else {
		status = "ERROR"
	}
	writeJSON(w, http.StatusOK, map[string]any{"KsqlServerInfo": map[string]any{
		"version": s.cfg.Version, "kafkaClusterId": clusterID, "ksqlServiceId": ksqlServiceID, "serverStatus": status,
	}})
}

func (s *Server) healthcheck(w http.ResponseWriter, r *http.Request) {
	_, err := s.clusterID(r.Context())
	kafkaOK := err == nil
	status := http.StatusOK
	if !kafkaOK {
		status = http.StatusServiceUnavailable
	}
	healthy := func(ok bool) map[string]bool { return map[string]bool{"isHealthy": ok} }
	writeJSON(w, status, map[string]any{"isHealthy": kafkaOK, "details": map[string]any{
		"metastore": healthy(true), "kafka": healthy(kafkaOK), "commandRunner": healthy(true),
	}})
}

// clusterID asks the brokers for their cluster's ID, within 5 s.
func (s *Server) clusterID(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cl, err := s.cfg.Kafka.NewClient()
	if err != nil {
		return "", err
	}
	defer cl.Close()
	md, err := kadm.NewClient(cl).BrokerMetadata(ctx)
	if err != nil {
		return "", err
	}
	return md.Cluster, nil
}
