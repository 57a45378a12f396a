package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/battery"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/internal/testseed"
	"github.com/chaintap/chaintap/kafka"
)

// scalePartitions is the chain topics' partition count in the scale-out
// test: two tasks per query for each of two instances.
const scalePartitions = 4

// demoTables are the topics demo.sql writes: its stream and its tables.
var demoTables = []string{"BATTERY_EVENTS", battery.StatusTopic, "BLOCK_METRICS", "TRANSACTION_METRICS"}

// TestProcessScaleOutSurvivesAKill runs the demo's statements in two
// `chaintap process` instances sharing one broker, over chain topics of
// four partitions (the follower creates them so, as kafka.topics.partitions
// configures it): each instance owns two tasks of every query, as their
// /metrics say. While the chain grows and reorganises, one instance is
// killed (SIGKILL: it neither commits nor leaves its groups); once its
// session times out (--session-timeout 6s) the survivor owns every task,
// restores the dead one's state from the changelogs and carries on.
// In the end, read read_committed, battery_status equals the canonical
// chain, the metrics tables count its every block and transaction, and
// every demo topic equals a single instance's run over the same input key
// by key, with as many records per key: a duplicate or a lost record would
// change that.
func TestProcessScaleOutSurvivesAKill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three chaintap processes")
	}
	start := time.Now()
	seed := testseed.Seed(t)
	bin := binary(t)
	t.Logf("%s: built", since(start))
	d := ingesttest.DemoChainPartitioned(t, 30, 10, scalePartitions)
	t.Logf("%s: the demo chain is followed into %d partitions", since(start), scalePartitions)
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "chaintap.yaml")
	writeFile(t, cfgFile, "kafka:\n  brokers: [\""+d.Kafka.Brokers[0]+"\"]\n")
	sqlFile := filepath.Join(dir, "demo.sql")
	writeFile(t, sqlFile, battery.Statements)

	insts := []*processRun{
		startProcess(t, bin, dir, "a", cfgFile, sqlFile),
		startProcess(t, bin, dir, "b", cfgFile, sqlFile),
	}
	var queries []string
	waitUntil(t, 60*time.Second, "the instances to own half the tasks of every query each", func() string {
		pa, pb := insts[0].perQuery(t, "chaintap_engine_partitions_assigned"), insts[1].perQuery(t, "chaintap_engine_partitions_assigned")
		queries = slices.Sorted(maps.Keys(pa))
		if len(queries) < len(demoTables) || !slices.Equal(queries, slices.Sorted(maps.Keys(pb))) {
			return fmt.Sprintf("a owns %v, b %v", pa, pb)
		}
		for _, q := range queries {
			if pa[q] != scalePartitions/2 || pb[q] != scalePartitions/2 {
				return fmt.Sprintf("a owns %v, b %v", pa, pb)
			}
		}
		return ""
	})
	t.Logf("%s: %d queries split between a and b: %v", since(start), len(queries), queries)

	// The chain grows until told to stop: before, during and after the kill.
	g := startGrowing(t, d, 100*time.Millisecond, 12)

	// Both must be working on the new blocks when one dies, some rounds
	// into the growth (how many depends on the seed).
	before := []float64{insts[0].sum(t, "chaintap_engine_records_total"), insts[1].sum(t, "chaintap_engine_records_total")}
	killAt := 10 + int64(seed%30)
	waitUntil(t, 60*time.Second, "both instances to process records of the growing chain", func() string {
		var behind []string
		if n := g.rounds.Load(); n < killAt {
			behind = append(behind, fmt.Sprintf("the chain grew %d rounds of %d", n, killAt))
		}
		for i, p := range insts {
			if n := p.sum(t, "chaintap_engine_records_total"); n <= before[i] {
				behind = append(behind, fmt.Sprintf("%s still at %.0f records", p.name, n))
			}
		}
		return strings.Join(behind, "; ")
	})
	victim, survivor := insts[seed%2], insts[1-seed%2]
	restoredBefore := survivor.sum(t, "chaintap_engine_restore_records_total")
	t.Logf("%s: killing %s (%.0f records processed, %.0f transactions) %d rounds into the growth; %s survives",
		since(start), victim.name, victim.sum(t, "chaintap_engine_records_total"), victim.sum(t, "chaintap_engine_transactions_total"), g.rounds.Load(), survivor.name)
	victim.kill(t)
	killed := time.Now()

	waitUntil(t, 45*time.Second, survivor.name+" to own every task", func() string {
		got := survivor.perQuery(t, "chaintap_engine_partitions_assigned")
		for _, q := range queries {
			if got[q] != scalePartitions {
				return fmt.Sprintf("%s owns %v", survivor.name, got)
			}
		}
		return ""
	})
	t.Logf("%s: %s owns every task %s after the kill", since(start), survivor.name, since(killed))
	// More blocks for the survivor alone, then the chain stops.
	at := g.rounds.Load()
	waitUntil(t, 30*time.Second, "the chain to grow after the takeover", func() string {
		if n := g.rounds.Load(); n < at+30 {
			return fmt.Sprintf("%d rounds grown, waiting for %d", n, at+30)
		}
		return ""
	})
	g.stop(t)
	d.WaitCaughtUp(t)
	t.Logf("%s: the chain stopped after %d rounds of growth", since(start), g.rounds.Load())

	// The reference: one instance, its own queries (the same statements
	// under other names), over the same input from its start.
	singleSQL := filepath.Join(dir, "single.sql")
	writeFile(t, singleSQL, singleStatements(battery.Statements))
	single := startProcess(t, bin, dir, "single", cfgFile, singleSQL)

	// What the chain says the tables must add up to, so that two runs
	// that both stopped short cannot pass for each other.
	want := ingesttest.CanonicalBatteries(t, d.Kafka, "devchain")
	topics := kafka.TopicsFor("", "devchain")
	blocks := len(ingesttest.Fold(t, d.Kafka, topics.Head(chaintap.EntityBlocks)))
	txs := len(ingesttest.Fold(t, d.Kafka, topics.Head(chaintap.EntityTransactions)))
	waitUntil(t, 60*time.Second, "the scaled-out tables to equal the canonical chain and the single instance's", func() string {
		if diff := ingesttest.BatteryDiff(foldTable(t, d.Kafka, battery.StatusTopic), want); diff != "" {
			return "battery_status differs from the canonical chain:\n" + diff
		}
		if n := sumColumn(t, d.Kafka, "BLOCK_METRICS", "BLOCKS"); n != blocks {
			return fmt.Sprintf("BLOCK_METRICS counts %d blocks, the chain has %d", n, blocks)
		}
		if n := sumColumn(t, d.Kafka, "TRANSACTION_METRICS", "TRANSACTIONS"); n != txs {
			return fmt.Sprintf("TRANSACTION_METRICS counts %d transactions, the chain has %d", n, txs)
		}
		for _, topic := range demoTables {
			if diff := diffTopics(t, d.Kafka, topic, "SINGLE_"+topic); diff != "" {
				return diff
			}
		}
		return ""
	})
	t.Logf("%s: the tables agree: %d batteries, %d blocks, %d transactions", since(start), len(want), blocks, txs)
	if n := survivor.sum(t, "chaintap_engine_restore_records_total") - restoredBefore; n <= 0 {
		t.Errorf("%s restored no changelog record after taking over %s's tasks", survivor.name, victim.name)
	} else {
		t.Logf("%s restored %.0f changelog records after the kill", survivor.name, n)
	}
	survivor.stop(t)
	single.stop(t)
	checkEventsOnce(t, d.Kafka, "BATTERY_EVENTS")
	checkEventsOnce(t, d.Kafka, "SINGLE_BATTERY_EVENTS")
	t.Logf("%s: done", since(start))
}

// grower grows the demo chain at a steady pace, a round of traffic per
// tick with a reorg every reorgEvery rounds, until stopped.
type grower struct {
	rounds atomic.Int64
	quit   chan struct{}
	done   chan error
	once   sync.Once
}

func startGrowing(t *testing.T, d *ingesttest.Demo, tick time.Duration, reorgEvery int) *grower {
	t.Helper()
	g := &grower{quit: make(chan struct{}), done: make(chan error, 1)}
	go func() {
		tk := time.NewTicker(tick)
		defer tk.Stop()
		for {
			select {
			case <-g.quit:
				g.done <- nil
				return
			case <-tk.C:
			}
			reorg := 0 // Grow reorganises after its reorgEvery-th round
			if g.rounds.Load()%int64(reorgEvery) == int64(reorgEvery-1) {
				reorg = 1
			}
			if err := d.Grow(context.Background(), 1, reorg); err != nil {
				g.done <- err
				return
			}
			g.rounds.Add(1)
		}
	}()
	t.Cleanup(func() { g.stop(t) })
	return g
}

// stop stops the growth and fails if growing failed. It is idempotent.
func (g *grower) stop(t *testing.T) {
	t.Helper()
	g.once.Do(func() {
		close(g.quit)
		if err := <-g.done; err != nil {
			t.Errorf("growing the chain: %v", err)
		}
	})
}

// sumColumn sums an integer column over a table's rows.
func sumColumn(t *testing.T, kcfg kafka.Config, topic, column string) int {
	t.Helper()
	rows := foldTable(t, kcfg, topic)
	n := 0
	for k, v := range rows {
		var row map[string]any
		dec := json.NewDecoder(strings.NewReader(v))
		dec.UseNumber()
		if err := dec.Decode(&row); err != nil {
			t.Fatalf("%s key %q: %v", topic, k, err)
		}
		num, _ := row[column].(json.Number)
		c, err := num.Int64()
		if err != nil {
			t.Fatalf("%s key %q: column %s is %v, not an integer", topic, k, column, row[column])
		}
		n += int(c)
	}
	return n
}

// singleStatements renames demo.sql's streams and tables (and so its
// queries, their groups and output topics) with a SINGLE_ prefix.
func singleStatements(text string) string {
	var pairs []string
	for _, name := range demoTables {
		lower := strings.ToLower(name)
		pairs = append(pairs, lower, "single_"+lower)
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// diffTopics compares two output topics of the same query under two
// names, read read_committed: the same rows (latest value per key, a
// tombstone deleting) and the same number of records per key. How many
// records a key gets does not depend on how the tasks were shared or
// batched, only on the input: one per input record that touches it.
func diffTopics(t *testing.T, kcfg kafka.Config, got, want string) string {
	t.Helper()
	gRows, gCounts := readTable(t, kcfg, got)
	wRows, wCounts := readTable(t, kcfg, want)
	if len(wRows) == 0 {
		return want + " is empty"
	}
	var diffs []string
	for _, k := range slices.Sorted(maps.Keys(wCounts)) {
		switch {
		case gRows[k] != wRows[k]:
			diffs = append(diffs, fmt.Sprintf("key %q: %s has %q, %s %q", k, got, gRows[k], want, wRows[k]))
		case gCounts[k] != wCounts[k]:
			diffs = append(diffs, fmt.Sprintf("key %q: %d records in %s, %d in %s", k, gCounts[k], got, wCounts[k], want))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(gCounts)) {
		if _, ok := wCounts[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("key %q: %d records in %s, none in %s", k, gCounts[k], got, want))
		}
	}
	if len(diffs) > 5 {
		diffs = append(diffs[:5], fmt.Sprintf("… %d more", len(diffs)-5))
	}
	return strings.Join(diffs, "\n")
}

// readTable reads topic read_committed: its rows (the latest value per
// key; a tombstone deletes) and its number of records per key.
func readTable(t *testing.T, kcfg kafka.Config, topic string) (map[string]string, map[string]int) {
	t.Helper()
	rows, counts := map[string]string{}, map[string]int{}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := kafka.ReadTopic(ctx, kcfg, topic, 0, func(r *kgo.Record) error {
		counts[string(r.Key)]++
		if r.Value == nil {
			delete(rows, string(r.Key))
		} else {
			rows[string(r.Key)] = string(r.Value)
		}
		return nil
	})
	if err != nil {
		t.Logf("reading %s: %v", topic, err)
	}
	return rows, counts
}

// processRun is a `chaintap process` subprocess with its metrics served
// on a free port and its log in a file, printed if the test fails.
type processRun struct {
	name, ops, logFile string
	cmd                *exec.Cmd
	done               chan struct{} // closed when it has exited
	err                error         // its exit, once done
}

// startProcess starts an instance named name (its --instance and its data
// directory under dir) running the statements in sqlFile.
func startProcess(t *testing.T, bin, dir, name, cfgFile, sqlFile string) *processRun {
	t.Helper()
	p := &processRun{name: name, ops: freeAddr(t), logFile: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	log, err := os.Create(p.logFile)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(bin, "process", "-c", cfgFile, "-f", sqlFile, "--data-dir", filepath.Join(dir, name),
		"--instance", name, "--metrics-addr", p.ops, "--session-timeout", "6s", "--log-level", "info")
	p.cmd.Stdout, p.cmd.Stderr = log, log
	dieWithTest(p.cmd)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		log.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			p.printLog(t)
		}
	})
	return p
}

// printLog logs the instance's last 150 log lines.
func (p *processRun) printLog(t *testing.T) {
	t.Helper()
	raw, err := os.ReadFile(p.logFile)
	if err != nil {
		t.Logf("%s's log: %v", p.name, err)
		return
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(lines) > 150 {
		lines = lines[len(lines)-150:]
	}
	t.Logf("%s's log (%s), last %d lines:\n%s", p.name, p.logFile, len(lines), strings.Join(lines, "\n"))
}

// exited fails the test if the instance is not running any more.
func (p *processRun) exited(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
		t.Fatalf("%s exited: %v", p.name, p.err)
	default:
	}
}

// kill SIGKILLs the instance and waits for it to be gone.
func (p *processRun) kill(t *testing.T) {
	t.Helper()
	p.exited(t)
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
}

// stop interrupts the instance and fails unless it exits cleanly in time.
func (p *processRun) stop(t *testing.T) {
	t.Helper()
	p.exited(t)
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
		if p.err != nil {
			t.Errorf("%s exited with %v after an interrupt", p.name, p.err)
		}
	case <-time.After(45 * time.Second):
		t.Fatalf("%s did not exit within 45s of an interrupt", p.name)
	}
}

// metrics scrapes the instance's /metrics: value by series
// (`name{labels}`). Until it serves them, it returns nil.
func (p *processRun) metrics(t *testing.T) map[string]float64 {
	t.Helper()
	p.exited(t)
	r, err := http.Get("http://" + p.ops + "/metrics")
	if err != nil {
		return nil
	}
	defer r.Body.Close()
	if r.StatusCode != http.StatusOK {
		return nil
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		series, value, ok := strings.Cut(line, " ")
		v, err := strconv.ParseFloat(value, 64)
		if !ok || err != nil {
			t.Fatalf("%s /metrics: line %q", p.name, line)
		}
		out[series] = v
	}
	if sc.Err() != nil {
		return nil // it stopped serving: the caller looks again
	}
	return out
}

// sum is the sum of a metric's series on the instance.
func (p *processRun) sum(t *testing.T, name string) float64 {
	t.Helper()
	n := 0.0
	for series, v := range p.metrics(t) {
		if series == name || strings.HasPrefix(series, name+"{") {
			n += v
		}
	}
	return n
}

// perQuery is a metric's value per query label on the instance.
func (p *processRun) perQuery(t *testing.T, name string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for series, v := range p.metrics(t) {
		labels, ok := strings.CutPrefix(series, name+"{")
		if !ok {
			continue
		}
		_, q, ok := strings.Cut(labels, `query="`)
		if q, _, ok = strings.Cut(q, `"`); ok {
			out[q] += v
		}
	}
	return out
}

// waitUntil polls cond until it returns "" (holds) or d passes; it then
// fails with what cond returned last: what was still missing.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		missing := cond()
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s: %s", d, what, missing)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// since is the time since start, in whole tenths of a second.
func since(start time.Time) time.Duration { return time.Since(start).Round(100 * time.Millisecond) }
