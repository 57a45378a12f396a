package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chaintap/chaintap/internal/aptget"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/internal/npmci"
)

// TestPageInChromium opens the live page of `chaintap up` in headless
// Debian Chromium driven by playwright-core (e2e/page.mjs): a click on a
// row opens the battery with its recent events; Lock makes it blocked, a
// live BatteryLocked event appears and the button becomes Unlock; refused
// charges reach the events; no request fails and the console stays clean;
// bad input shows clear messages. Screenshots are kept in .artifacts/page/.
func TestPageInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("runs chaintap up and Chromium")
	}
	chromium := aptget.Ensure(t, "chromium", "chromium")
	e2e, err := filepath.Abs(filepath.Join("..", "..", "e2e"))
	if err != nil {
		t.Fatal(err)
	}
	npmci.Ensure(t, e2e, "playwright-core")
	artifacts, err := filepath.Abs(filepath.Join("..", "..", ".artifacts", "page"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	u := newUpRun(t)
	u.start()
	ingesttest.WaitFor(t, 30*time.Second, "the page", func() bool {
		_, err := httpGet("http://" + u.httpAddr + "/")
		return err == nil
	})
	cmd := exec.Command("node", "page.mjs", "http://"+u.httpAddr, artifacts)
	cmd.Dir = e2e
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok:") {
		t.Fatalf("browser test: %v\n%s", err, out)
	}
	t.Logf("%s(screenshots in %s)", out, artifacts)
}
