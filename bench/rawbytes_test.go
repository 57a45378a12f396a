package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"golang.org/x/sync/errgroup"
)

// rawBytesFetch is the node's serving limit: every block with its
// transactions and its receipts, one JSON-RPC batch per block (the same
// two calls as rawFetch and our source), fetchConcurrency batches in
// flight, over plain net/http, and the answers read to the last byte but
// not decoded at all. It returns the time and the bytes of the answers.
// Like our source on loopback it asks for uncompressed answers.
func rawBytesFetch(ctx context.Context, url string, to uint64) (time.Duration, int64, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = fetchConcurrency
	transport.DisableCompression = true
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	start := time.Now()
	var next atomic.Uint64
	var total atomic.Int64
	g, ctx := errgroup.WithContext(ctx)
	for range fetchConcurrency {
		g.Go(func() error {
			var body []byte
			for n := next.Add(1) - 1; n <= to; n = next.Add(1) - 1 {
				id := hexutil.EncodeUint64(n)
				body = fmt.Appendf(body[:0], `[{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":[%q,true]},`+
					`{"jsonrpc":"2.0","id":2,"method":"eth_getBlockReceipts","params":[%q]}]`, id, id)
				read, err := postDiscard(ctx, client, url, body)
				if err != nil {
					return fmt.Errorf("block %d: %w", n, err)
				}
				// Not decoding is the point, but an error answer must not
				// pass for a fast one: a block and its receipts are never
				// this short.
				if read < 600 {
					return fmt.Errorf("block %d: an answer of only %d bytes", n, read)
				}
				total.Add(read)
			}
			return nil
		})
	}
	err := g.Wait()
	return time.Since(start), total.Load(), err
}

// postDiscard posts body and reads the answer into io.Discard.
func postDiscard(ctx context.Context, client *http.Client, url string, body []byte) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return n, err
	}
	if resp.StatusCode != http.StatusOK {
		return n, fmt.Errorf("HTTP %s", resp.Status)
	}
	return n, nil
}
