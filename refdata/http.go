package refdata

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Handler serves reference data over HTTP, on the client's cluster:
//
//	PUT    /api/ref/{table}/{key}  body: the row as a JSON object (the key field may be left out)
//	DELETE /api/ref/{table}/{key}
//
// Both answer 204 once Kafka has the record; a bad row is 400 with why,
// an unknown table 404. Tables are named as in SQL (case-insensitive).
func Handler(cl *kgo.Client, tables ...*Table) http.Handler {
	byName := map[string]*Table{}
	for _, t := range tables {
		byName[strings.ToUpper(t.Name())] = t
	}
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /api/ref/{table}/{key}", func(w http.ResponseWriter, r *http.Request) {
		t, ok := byName[strings.ToUpper(r.PathValue("table"))]
		if !ok {
			refError(w, http.StatusNotFound, "no reference table "+r.PathValue("table"))
			return
		}
		rec, err := t.fromRequest(r)
		if err != nil {
			refError(w, http.StatusBadRequest, err.Error())
			return
		}
		write(w, r, cl, rec)
	})
	mux.HandleFunc("DELETE /api/ref/{table}/{key}", func(w http.ResponseWriter, r *http.Request) {
		t, ok := byName[strings.ToUpper(r.PathValue("table"))]
		if !ok {
			refError(w, http.StatusNotFound, "no reference table "+r.PathValue("table"))
			return
		}
		rec, err := t.Delete(r.PathValue("key"))
		if err != nil {
			refError(w, http.StatusBadRequest, err.Error())
			return
		}
		write(w, r, cl, rec)
	})
	return mux
}

// fromRequest is the upsert a PUT asks for: the body's row with the key
// from the path.
func (t *Table) fromRequest(r *http.Request) (*kgo.Record, error) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, errors.New("the body must be the row as a JSON object")
	}
	kc := t.src.KeyColumns()
	if len(kc) != 1 {
		return nil, errors.New("PUT by key needs a table with one key column")
	}
	for k := range obj {
		if strings.EqualFold(k, kc[0].Name) {
			delete(obj, k)
		}
	}
	obj[kc[0].Name] = r.PathValue("key")
	raw, _ = json.Marshal(obj)
	return t.Upsert(raw)
}

func write(w http.ResponseWriter, r *http.Request, cl *kgo.Client, rec *kgo.Record) {
	if err := produce(r.Context(), cl, []*kgo.Record{rec}); err != nil {
		refError(w, http.StatusServiceUnavailable, "writing to Kafka: "+err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func refError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
