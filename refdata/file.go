package refdata

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/sql"
)

// Report is what a load did: rows written, and the rows skipped with why.
type Report struct {
	Written int
	Skipped []*RowError
}

// LoadFile writes the rows of a CSV file (a header row naming the
// columns) or a JSON file (an array of objects, or one object per line)
// to the table's topic, chosen by the file's extension.
func (t *Table) LoadFile(ctx context.Context, cl *kgo.Client, path string) (Report, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Report{}, fmt.Errorf("reference data for %s: %w", t.src.Name, err)
	}
	if err := t.ensureTopic(ctx, cl); err != nil {
		return Report{}, err
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return t.LoadCSV(ctx, cl, bytes.NewReader(raw))
	case ".json", ".jsonl", ".ndjson":
		return t.LoadJSON(ctx, cl, raw)
	}
	return Report{}, fmt.Errorf("reference data %s: a .csv, .json or .jsonl file, please", path)
}

// LoadCSV reads a header row naming the columns (case-insensitive), then
// one row per record. An empty cell is NULL; numbers and booleans are
// read as their columns' types.
func (t *Table) LoadCSV(ctx context.Context, cl *kgo.Client, r io.Reader) (Report, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // rows of the wrong width are reported, not fatal
	header, err := cr.Read()
	if err != nil {
		return Report{}, fmt.Errorf("reference data for %s: reading the header row: %w", t.src.Name, err)
	}
	cols, err := t.headerColumns(header)
	if err != nil {
		return Report{}, err
	}
	var rep Report
	var recs []*kgo.Record
	for {
		cells, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			rep.Skipped = append(rep.Skipped, &RowError{Line: pe.Line, Err: pe.Err})
			continue
		}
		if err != nil {
			return rep, err
		}
		rec, err := t.csvRecord(cols, cells)
		if err != nil {
			rep.Skipped = append(rep.Skipped, &RowError{Line: line, Err: err})
			continue
		}
		recs = append(recs, rec)
	}
	return rep, t.write(ctx, cl, recs, &rep)
}

// headerColumns maps each CSV column to the table's column.
func (t *Table) headerColumns(header []string) ([]sql.Column, error) {
	var cols []sql.Column
	for _, h := range header {
		i := t.all.Index(strings.ToUpper(strings.TrimSpace(h)))
		if i < 0 {
			return nil, fmt.Errorf("reference data for %s: the header names %q, which is not a column (%s)", t.src.Name, h,
				strings.Join(t.all.Names(), ", "))
		}
		cols = append(cols, t.all.Columns[i])
	}
	return cols, nil
}

// csvRecord turns one row of cells into the record that sets it.
func (t *Table) csvRecord(cols []sql.Column, cells []string) (*kgo.Record, error) {
	if len(cells) != len(cols) {
		return nil, fmt.Errorf("%d cells, the header has %d", len(cells), len(cols))
	}
	obj := map[string]any{}
	for i, c := range cols {
		cell := strings.TrimSpace(cells[i])
		switch {
		case cell == "":
			obj[c.Name] = nil
		case c.Type.Kind == sql.KindBoolean:
			obj[c.Name] = strings.EqualFold(cell, "true")
			if !strings.EqualFold(cell, "true") && !strings.EqualFold(cell, "false") {
				return nil, fmt.Errorf("column %s: %q is not true or false", c.Name, cell)
			}
		default: // numbers as strings: the decoder reads them exactly as their column's type
			obj[c.Name] = cell
		}
	}
	raw, _ := json.Marshal(obj)
	return t.Upsert(raw)
}

// LoadJSON reads an array of objects, or one object per line.
func (t *Table) LoadJSON(ctx context.Context, cl *kgo.Client, raw []byte) (Report, error) {
	var rows []json.RawMessage
	lines := map[int]int{} // row → line
	if trimmed := bytes.TrimSpace(raw); len(trimmed) > 0 && trimmed[0] == '[' {
		if err := json.Unmarshal(trimmed, &rows); err != nil {
			return Report{}, fmt.Errorf("reference data for %s: %w", t.src.Name, err)
		}
	} else {
		for i, l := range bytes.Split(raw, []byte("\n")) {
			if len(bytes.TrimSpace(l)) > 0 {
				lines[len(rows)] = i + 1
				rows = append(rows, l)
			}
		}
	}
	var rep Report
	var recs []*kgo.Record
	for i, row := range rows {
		rec, err := t.Upsert(row)
		if err != nil {
			line := lines[i]
			if line == 0 {
				err = fmt.Errorf("row %d: %w", i+1, err)
			}
			rep.Skipped = append(rep.Skipped, &RowError{Line: line, Err: err})
			continue
		}
		recs = append(recs, rec)
	}
	return rep, t.write(ctx, cl, recs, &rep)
}

// write produces the good rows and counts them in rep.
func (t *Table) write(ctx context.Context, cl *kgo.Client, recs []*kgo.Record, rep *Report) error {
	if err := produce(ctx, cl, recs); err != nil {
		return fmt.Errorf("writing %s: %w", t.src.Topic, err)
	}
	rep.Written = len(recs)
	return nil
}
