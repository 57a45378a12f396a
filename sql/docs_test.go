package sql

import (
	"os"
	"strings"
	"testing"
)

// TestDocsExamplesParse parses every ```sql block of docs/sql.md.
func TestDocsExamplesParse(t *testing.T) {
	doc, err := os.ReadFile("../docs/sql.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := 0
	rest := string(doc)
	for {
		start := strings.Index(rest, "```sql\n")
		if start < 0 {
			break
		}
		rest = rest[start+len("```sql\n"):]
		end := strings.Index(rest, "```")
		if end < 0 {
			t.Fatal("unterminated ```sql block")
		}
		blocks++
		sts, err := Parse(rest[:end])
		if err != nil {
			t.Errorf("docs/sql.md block %d: %v", blocks, err)
		} else if len(sts) == 0 {
			t.Errorf("docs/sql.md block %d has no statement", blocks)
		}
		rest = rest[end+3:]
	}
	if blocks < 4 {
		t.Fatalf("found only %d sql blocks", blocks)
	}
}
