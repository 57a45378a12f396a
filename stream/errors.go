package stream

import "encoding/json"

// errorRecord is the value written to a query's errors topic: the reason
// and where the record came from, and the record itself, so that a user
// can find, fix and replay it.
func errorRecord(query string, r Record, cause error) []byte {
	v, _ := json.Marshal(struct {
		Query     string `json:"query"`
		Topic     string `json:"topic"`
		Partition int32  `json:"partition"`
		Offset    int64  `json:"offset"`
		Error     string `json:"error"`
		Value     string `json:"value"`
	}{query, r.Topic, r.Partition, r.Offset, cause.Error(), string(r.Value)})
	return v
}
