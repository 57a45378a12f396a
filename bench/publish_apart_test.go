package bench

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/kafka"
)

// publishChildEnv tells a test process started by publishRatioApart to run
// one side: "raw|ours encoding|prepared blocks-file".
const publishChildEnv = "CHAINTAP_PUBLISH_SIDE"

// BenchmarkPublishRatioApart is BenchmarkPublishRatio with each side in a
// process of its own, started anew for every measurement (sides
// alternating which goes first). In one process the side that runs second
// inherits the first one's heap and the garbage collector's pacing: the
// raw side alone produced 633 k records/s, after ours up to 1,129 k, so
// the side-by-side ratio moved by ±0.1 between runs.
func BenchmarkPublishRatioApart(b *testing.B) {
	publishRatioApart(b, fetchAll(b, nodeForBench(b), Blocks))
}

// BenchmarkPublishRatioApartMainnet is the same on the mainnet-shaped
// chain's blocks.
func BenchmarkPublishRatioApartMainnet(b *testing.B) {
	publishRatioApart(b, fetchAll(b, pinnedNode(b, "mainnet").addr, MainnetBlocks))
}

func publishRatioApart(b *testing.B, blocks []*chaintap.EVMBlock) {
	file := filepath.Join(b.TempDir(), "blocks.gob")
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(blocks); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	n := float64(len(rawRecords(b, kafka.TopicsFor("", "bench"), blocks)))
	for _, mode := range []string{"encoding", "prepared"} {
		b.Run(mode, func(b *testing.B) {
			pairs := publishPairs{records: n}
			for pair := 0; b.Loop(); pair++ {
				var raw, our spent
				sideBySide(pair,
					func() { raw = runPublishSide(b, "raw", mode, file) },
					func() { our = runPublishSide(b, "ours", mode, file) })
				pairs.add(raw, our)
			}
			pairs.report(b)
		})
	}
}

// runPublishSide runs one side in a new test process and reads back what
// it spent.
func runPublishSide(b *testing.B, side, mode, file string) spent {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestPublishSideChild$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), publishChildEnv+"="+side+" "+mode+" "+file)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("%s side: %v\n%s", side, err, out)
	}
	for line := range strings.Lines(string(out)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "publish-side "); ok {
			f := strings.Fields(rest)
			wall, err1 := strconv.ParseInt(f[0], 10, 64)
			self, err2 := strconv.ParseInt(f[1], 10, 64)
			if len(f) == 2 && err1 == nil && err2 == nil {
				return spent{wall: time.Duration(wall), self: time.Duration(self)}
			}
		}
	}
	b.Fatalf("%s side printed no measure:\n%s", side, out)
	return spent{}
}

// TestPublishSideChild is one side of BenchmarkPublishRatioApart, run in
// a process of its own; without publishChildEnv it does nothing.
func TestPublishSideChild(t *testing.T) {
	arg := os.Getenv(publishChildEnv)
	if arg == "" {
		t.Skip("runs only as a side of BenchmarkPublishRatioApart")
	}
	f := strings.Fields(arg)
	raw, err := os.ReadFile(f[2])
	if err != nil {
		t.Fatal(err)
	}
	var blocks []*chaintap.EVMBlock
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&blocks); err != nil {
		t.Fatal(err)
	}
	topics := kafka.TopicsFor("", "bench")
	var recs []*kgo.Record
	if f[0] == "raw" {
		recs = rawRecords(t, topics, blocks)
	}
	// The first round warms the process up (its heap grown, its pools
	// filled, as in a process that has run for a while) and is not
	// counted; the second, on a new broker, is.
	var s spent
	for range 2 {
		cfg, stop := freshBroker(t, topics)
		runtime.GC()
		if f[0] == "raw" {
			s = rawProduce(t, cfg, recs)
		} else {
			s = ourPublish(t, cfg, blocks, f[1] == "encoding", catchUpRule())
		}
		stop()
	}
	fmt.Printf("publish-side %d %d\n", s.wall.Nanoseconds(), s.self.Nanoseconds())
}
