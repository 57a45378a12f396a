package follow_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/kafka"
)

var addressLike = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)

// TestOneAddressCasingInEveryTopic: every address in every topic, in
// values and headers, is 0x and lower-case hex, so that a join on an
// address between two topics matches. Decoded events were checksummed
// while logs, transactions and transfers were lower-case.
func TestOneAddressCasingInEveryTopic(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, reorgConfig(), false)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5 {
		if err := h.traffic.Send(ctx, rng, 4); err != nil {
			t.Fatal(err)
		}
		h.chain.Commit()
	}
	h.start()
	h.waitCaughtUp()
	topics := kafka.TopicsFor("", chainName)
	for _, entity := range []string{"transactions", "logs", "token_transfers", "events"} {
		addresses := 0
		err := kafka.ReadTopic(ctx, h.kcfg, topics.Head(entity), 0, func(r *kgo.Record) error {
			for _, hd := range r.Headers {
				if addressLike.MatchString(string(hd.Value)) {
					addresses++
					checkLower(t, entity+" header "+hd.Key, string(hd.Value))
				}
			}
			if r.Value == nil {
				return nil
			}
			var v any
			if err := json.Unmarshal(r.Value, &v); err != nil {
				return err
			}
			walkStrings(v, entity, func(path, s string) {
				if addressLike.MatchString(s) {
					addresses++
					checkLower(t, path, s)
				}
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if addresses == 0 {
			t.Fatalf("no address in %s: the check proved nothing", entity)
		}
	}
}

func checkLower(t *testing.T, where, s string) {
	t.Helper()
	if s != strings.ToLower(s) {
		t.Errorf("%s: address %s is not lower-case", where, s)
	}
}

// walkStrings calls fn with every string in a decoded JSON value.
func walkStrings(v any, path string, fn func(path, s string)) {
	switch v := v.(type) {
	case string:
		fn(path, v)
	case map[string]any:
		for k, x := range v {
			walkStrings(x, path+"."+k, fn)
		}
	case []any:
		for _, x := range v {
			walkStrings(x, path+"[]", fn)
		}
	}
}
