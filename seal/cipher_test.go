package seal_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap/internal/testseed"
	"github.com/chaintap/chaintap/seal"
)

// TestSealEncrypted seals a topic with encrypted values: it verifies with
// no decryption key (the seal is over the ciphertext), no plaintext value
// is in the sealed topic, the key's holder reads every value back, another
// key reads none, and a changed ciphertext fails verify at its offset.
func TestSealEncrypted(t *testing.T) {
	rng := rand.New(rand.NewPCG(testseed.Seed(t), 7))
	s, keys, _ := testKeys(t, "enc-test")
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(rng.IntN(256))
	}
	c, err := seal.NewCipher("payments-2026", key)
	if err != nil {
		t.Fatal(err)
	}
	_, kcfg := startBroker(t, "127.0.0.1:0", "")
	createTopic(t, kcfg, "raw", 1)
	raw := rawRecords(rng, "raw", 1, 100, 0)
	produce(t, kcfg, raw)
	ctx, cancel := context.WithCancel(context.Background())
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return seal.Pass(gctx, seal.PassConfig{Kafka: kcfg, From: "raw", To: "secret", Signer: s, Cipher: c, Every: 30, Interval: time.Second})
	})
	for countRecords(t, kcfg, "secret") < len(raw) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	verifyOK(t, kcfg, keys, "secret", int64(len(raw)))

	sealed := readAll(t, kcfg, "secret")[0]
	other, _ := seal.NewCipher("payments-2026", make([]byte, 32))
	for i, r := range sealed {
		want := raw[i].Value
		if len(want) > 4 && bytes.Contains(r.Value, want) {
			t.Fatalf("offset %d holds its plaintext", r.Offset)
		}
		got, err := seal.Decrypt(r, map[string]*seal.Cipher{"payments-2026": c})
		if err != nil || !bytes.Equal(got, want) || (got == nil) != (want == nil) {
			t.Fatalf("offset %d decrypts to %q, %v; want %q", r.Offset, got, err, want)
		}
		if want != nil {
			if _, err := seal.Decrypt(r, map[string]*seal.Cipher{"payments-2026": other}); err == nil {
				t.Fatalf("offset %d decrypts under another key", r.Offset)
			}
		}
	}

	m := &memTopic{topic: "secret", recs: sealed}
	raws, err := seal.ReadCheckpoints(context.Background(), kcfg, "secret")
	if err != nil {
		t.Fatal(err)
	}
	m.cps = raws
	k := slicesIndexEncrypted(sealed)
	m.recs[k].Value[len(m.recs[k].Value)-1] ^= 1
	var te *seal.TamperError
	if _, err := m.verify(keys, false); !errors.As(err, &te) || te.Offset != int64(k) || te.Kind != seal.Modified {
		t.Fatalf("a changed ciphertext at %d: %v", k, err)
	}
}

// slicesIndexEncrypted returns the position of the first record with an
// encrypted value.
func slicesIndexEncrypted(recs []*kgo.Record) int {
	for i, r := range recs {
		for _, h := range r.Headers {
			if h.Key == seal.HeaderCipher && r.Value != nil {
				return i
			}
		}
	}
	return -1
}
