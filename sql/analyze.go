package sql

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Analyze resolves and type-checks a parsed statement against the catalog
// and returns its plan. Errors are *Error naming line:column and the
// offending token. Analyze does not modify the catalog: the runtime
// registers CreateSourcePlan.Source / SinkSpec.Source after it has
// executed the statement.
func Analyze(st Statement, cat Catalog) (Plan, error) {
	a := &analyzer{cat: cat}
	switch s := st.(type) {
	case *CreateSource:
		return a.createSource(s)
	case *CreateAs:
		return a.createAs(s)
	case *InsertInto:
		return a.insertInto(s)
	case *InsertValues:
		return a.insertValues(s)
	case *QueryStatement:
		return a.transient(s)
	case *Drop:
		return a.drop(s)
	case *Describe:
		if s.Name.Name != "" && !s.Function && cat.Source(s.Name.Name) == nil {
			return nil, a.unknownSource(s.Name)
		}
		return &CommandPlan{Statement: st}, nil
	}
	return &CommandPlan{Statement: st}, nil
}

// AnalyzeAll analyzes statements in order against cat,
// registering each new source in a copy of cat so later statements can use
// it (as a script run against ksqlDB would). It returns the plans.
func AnalyzeAll(sts []Statement, cat Catalog) ([]Plan, error) {
	overlay := &overlayCatalog{base: cat, added: MapCatalog{}}
	var plans []Plan
	for i, st := range sts {
		p, err := Analyze(st, overlay)
		if err != nil {
			var e *Error
			if errors.As(err, &e) && len(sts) > 1 {
				e.Statement, e.StatementHead = i+1, headOf(st.Text())
			}
			return plans, err
		}
		switch p := p.(type) {
		case *CreateSourcePlan:
			overlay.added.Add(p.Source)
		case *QueryPlan:
			if p.Sink != nil && p.Sink.Create {
				overlay.added.Add(p.Sink.Source)
			}
		}
		plans = append(plans, p)
	}
	return plans, nil
}

func headOf(text string) string {
	toks, _ := tokenize(text)
	return statementHead(toks)
}

// overlayCatalog adds sources on top of a base catalog.
type overlayCatalog struct {
	base  Catalog
	added MapCatalog
}

func (o *overlayCatalog) Source(name string) *Source {
	if s := o.added.Source(name); s != nil {
		return s
	}
	return o.base.Source(name)
}

func (o *overlayCatalog) SourceNames() []string {
	return append(o.base.SourceNames(), o.added.SourceNames()...)
}

type analyzer struct {
	cat Catalog
}

func (a *analyzer) unknownSource(n Name) *Error {
	return errorf(n.At, n.Name, "unknown stream or table '%s'%s", n.Name, didYouMean(n.Name, a.cat.SourceNames()))
}

func (a *analyzer) lookup(n Name) (*Source, error) {
	if s := a.cat.Source(n.Name); s != nil {
		return s, nil
	}
	return nil, a.unknownSource(n)
}

// Known WITH properties (ksqlDB's names).
var sourceProps = []string{"KAFKA_TOPIC", "VALUE_FORMAT", "KEY_FORMAT", "FORMAT", "PARTITIONS",
	"REPLICAS", "TIMESTAMP", "TIMESTAMP_FORMAT", "WRAP_SINGLE_VALUE", "WINDOW_TYPE", "WINDOW_SIZE",
	"VALUE_DELIMITER", "KEY_DELIMITER", "RETENTION_MS"}

func checkProps(props Properties) error {
	for _, p := range props {
		known := false
		for _, k := range sourceProps {
			if p.Name == k {
				known = true
			}
		}
		if !known {
			return errorf(p.At, p.Name, "unknown property '%s' in the WITH clause%s", p.Name, didYouMean(p.Name, sourceProps))
		}
	}
	return nil
}

func propString(props Properties, name string) (string, Pos, bool, error) {
	p, ok := props.Get(name)
	if !ok {
		return "", Pos{}, false, nil
	}
	if p.Value.Kind != LitString {
		return "", p.At, true, errorf(p.Value.At, p.Value.String(), "property %s must be a quoted string, found %s", name, p.Value.String())
	}
	return p.Value.Value, p.At, true, nil
}

func propInt(props Properties, name string) (int, error) {
	p, ok := props.Get(name)
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(p.Value.Value)
	if p.Value.Kind != LitInteger || err != nil || n <= 0 {
		return 0, errorf(p.Value.At, p.Value.String(), "property %s must be a positive integer, found %s", name, p.Value.String())
	}
	return n, nil
}

// formats resolves KEY_FORMAT/VALUE_FORMAT/FORMAT with defaults.
func formats(props Properties, defKey, defValue string) (key, value string, err error) {
	key, value = defKey, defValue
	if f, at, ok, err := propString(props, "FORMAT"); err != nil {
		return "", "", err
	} else if ok {
		if _, dup := props.Get("KEY_FORMAT"); dup {
			return "", "", errorf(at, "FORMAT", "FORMAT cannot be combined with KEY_FORMAT or VALUE_FORMAT")
		}
		if _, dup := props.Get("VALUE_FORMAT"); dup {
			return "", "", errorf(at, "FORMAT", "FORMAT cannot be combined with KEY_FORMAT or VALUE_FORMAT")
		}
		key, value = strings.ToUpper(f), strings.ToUpper(f)
	}
	if f, _, ok, err := propString(props, "KEY_FORMAT"); err != nil {
		return "", "", err
	} else if ok {
		key = strings.ToUpper(f)
	}
	if f, _, ok, err := propString(props, "VALUE_FORMAT"); err != nil {
		return "", "", err
	} else if ok {
		value = strings.ToUpper(f)
	}
	if value != FormatJSON {
		p, ok := props.Get("VALUE_FORMAT")
		if !ok {
			p, _ = props.Get("FORMAT")
		}
		return "", "", errorf(p.Value.At, p.Value.String(), "unsupported value format '%s': chaintap supports 'JSON'", value)
	}
	if key != FormatKafka && key != FormatJSON && key != FormatNone {
		p, ok := props.Get("KEY_FORMAT")
		if !ok {
			p, _ = props.Get("FORMAT")
		}
		return "", "", errorf(p.Value.At, p.Value.String(), "unsupported key format '%s': chaintap supports 'KAFKA', 'JSON' and 'NONE'", key)
	}
	return key, value, nil
}

func (a *analyzer) createSource(s *CreateSource) (Plan, error) {
	if existing := a.cat.Source(s.Name.Name); existing != nil && !s.OrReplace && !s.IfNotExists {
		return nil, errorf(s.Name.At, s.Name.Name, "cannot create %s '%s': a %s with that name already exists",
			strings.ToLower(kindWord(s.Table)), s.Name.Name, strings.ToLower(existing.Kind.String()))
	}
	if len(s.Elements) == 0 {
		return nil, errorf(s.Name.At, s.Name.Name, "CREATE %s %s declares no columns: chaintap needs the column list (no schema registry inference)", kindWord(s.Table), s.Name.Name)
	}
	if err := checkProps(s.Props); err != nil {
		return nil, err
	}
	schema, err := elementsSchema(s)
	if err != nil {
		return nil, err
	}
	src := &Source{Name: s.Name.Name, Kind: Stream, Schema: schema, Materialized: s.Source}
	if s.Table {
		src.Kind = Table
	}
	if err := a.sourceProps(s, src); err != nil {
		return nil, err
	}
	return &CreateSourcePlan{Source: src, OrReplace: s.OrReplace, IfNotExists: s.IfNotExists}, nil
}

func elementsSchema(s *CreateSource) (*Schema, error) {
	schema := &Schema{}
	seen := map[string]bool{}
	hasKey := false
	for _, el := range s.Elements {
		if seen[el.Name.Name] {
			return nil, errorf(el.Name.At, el.Name.Name, "duplicate column '%s'", el.Name.Name)
		}
		if isReservedColumn(el.Name.Name) {
			return nil, errorf(el.Name.At, el.Name.Name, "'%s' is a reserved column name (a pseudo-column)", el.Name.Name)
		}
		seen[el.Name.Name] = true
		key := el.Key || el.PrimaryKey
		hasKey = hasKey || key
		schema.Columns = append(schema.Columns, Column{Name: el.Name.Name, Type: el.Type, Key: key})
	}
	if s.Table && !hasKey {
		return nil, errorf(s.Name.At, s.Name.Name, "table '%s' has no PRIMARY KEY: tables require one (declare a column as PRIMARY KEY)", s.Name.Name)
	}
	return schema, nil
}

func (a *analyzer) sourceProps(s *CreateSource, src *Source) error {
	topic, _, ok, err := propString(s.Props, "KAFKA_TOPIC")
	if err != nil {
		return err
	}
	if !ok {
		return errorf(s.Name.At, s.Name.Name, "missing required property KAFKA_TOPIC in the WITH clause of %s", s.Name.Name)
	}
	src.Topic = topic
	if src.KeyFormat, src.ValueFormat, err = formats(s.Props, FormatKafka, FormatJSON); err != nil {
		return err
	}
	if src.Partitions, err = propInt(s.Props, "PARTITIONS"); err != nil {
		return err
	}
	if err := checkKeyFormat(src.KeyFormat, src.Schema.KeyColumns(), s.Props, s.Name); err != nil {
		return err
	}
	if err := timestampProp(s.Props, src); err != nil {
		return err
	}
	return windowTypeProp(s.Props, src)
}

// checkKeyFormat applies the key format's limits to the key columns.
func checkKeyFormat(format string, keys []Column, props Properties, at Name) error {
	pos, tok := at.At, at.Name
	if p, ok := props.Get("KEY_FORMAT"); ok {
		pos, tok = p.Value.At, p.Value.String()
	}
	switch format {
	case FormatKafka:
		if len(keys) > 1 {
			return errorf(pos, tok, "the KAFKA key format supports a single key column, found %d (%s); use KEY_FORMAT='JSON'", len(keys), columnNames(keys))
		}
		for _, k := range keys {
			if err := checkKafkaKeyType(k.Type); err != nil {
				return errorf(pos, tok, "key column '%s': %v", k.Name, err)
			}
		}
	case FormatNone:
		if len(keys) > 0 {
			return errorf(pos, tok, "KEY_FORMAT='NONE' cannot have key columns (%s)", columnNames(keys))
		}
	}
	return nil
}

func columnNames(cols []Column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

func timestampProp(props Properties, src *Source) error {
	col, at, ok, err := propString(props, "TIMESTAMP")
	if err != nil || !ok {
		return err
	}
	name := strings.ToUpper(col)
	i := src.Schema.Index(name)
	if i < 0 {
		i = src.Schema.Index(col)
		name = col
	}
	if i < 0 {
		return errorf(at, col, "the TIMESTAMP column '%s' set in the WITH clause does not exist in %s%s", col, src.Name, didYouMean(col, src.Schema.Names()))
	}
	t := src.Schema.Columns[i].Type
	_, hasFormat := props.Get("TIMESTAMP_FORMAT")
	if t.Kind != KindBigint && t.Kind != KindTimestamp && !(t.Kind == KindString && hasFormat) {
		return errorf(at, col, "the TIMESTAMP column '%s' must be BIGINT or TIMESTAMP (or STRING with TIMESTAMP_FORMAT), found %s", name, t)
	}
	src.Timestamp = name
	return nil
}

func windowTypeProp(props Properties, src *Source) error {
	w, at, ok, err := propString(props, "WINDOW_TYPE")
	if err != nil || !ok {
		return err
	}
	switch strings.ToUpper(w) {
	case "TUMBLING":
		src.Window = WindowTumbling
	case "HOPPING":
		src.Window = WindowHopping
	case "SESSION":
		src.Window = WindowSession
	default:
		return errorf(at, w, "unknown WINDOW_TYPE '%s'%s", w, didYouMean(strings.ToUpper(w), []string{"TUMBLING", "HOPPING", "SESSION"}))
	}
	if size, sat, ok, err := propString(props, "WINDOW_SIZE"); err != nil {
		return err
	} else if ok {
		toks, lexErr := tokenize(size)
		if lexErr != nil || len(toks) != 3 {
			return errorf(sat, size, "WINDOW_SIZE must look like '1 HOUR', found '%s'", size)
		}
		p := &parser{toks: toks}
		d, err := p.duration()
		if err != nil {
			return errorf(sat, size, "WINDOW_SIZE must look like '1 HOUR', found '%s'", size)
		}
		src.WindowSize = d.Millis()
	}
	return nil
}

func (a *analyzer) drop(s *Drop) (Plan, error) {
	src := a.cat.Source(s.Name.Name)
	kind := Stream
	if s.Table {
		kind = Table
	}
	if src == nil && !s.IfExists {
		return nil, a.unknownSource(s.Name)
	}
	if src != nil && src.Kind != kind {
		return nil, errorf(s.Name.At, s.Name.Name, "'%s' is a %s, not a %s: use DROP %s", s.Name.Name, src.Kind, kind, src.Kind)
	}
	return &DropPlan{Name: s.Name.Name, Kind: kind, IfExists: s.IfExists, DeleteTopic: s.DeleteTopic, Exists: src != nil}, nil
}

func (a *analyzer) insertValues(s *InsertValues) (Plan, error) {
	src, err := a.lookup(s.Name)
	if err != nil {
		return nil, err
	}
	cols := src.Schema.Columns
	targets := make([]int, 0, len(cols))
	if len(s.Columns) == 0 {
		for i := range cols {
			targets = append(targets, i)
		}
	} else {
		for _, c := range s.Columns {
			i := src.Schema.Index(c.Name)
			if i < 0 {
				return nil, errorf(c.At, c.Name, "unknown column '%s' in %s%s", c.Name, src.Name, didYouMean(c.Name, src.Schema.Names()))
			}
			targets = append(targets, i)
		}
	}
	if len(s.Values) != len(targets) {
		pos := s.Name.At
		if len(s.Values) > 0 {
			pos = s.Values[0].Pos()
		}
		return nil, errorf(pos, "VALUES", "expected %d values for %s, found %d", len(targets), src.Name, len(s.Values))
	}
	row := make(Row, len(cols))
	empty := &compiler{sc: &scope{}, clause: "VALUES"}
	for k, v := range s.Values {
		col := cols[targets[k]]
		ce, err := empty.compile(v)
		if err != nil {
			return nil, err
		}
		val, err := assignValue(ce, col)
		if err != nil {
			return nil, errorf(v.Pos(), v.String(), "%v", err)
		}
		row[targets[k]] = val
	}
	var key Row
	for i, c := range cols {
		if c.Key {
			key = append(key, row[i])
		}
	}
	return &InsertValuesPlan{Target: src, Row: row, Key: key}, nil
}

// assignValue evaluates a constant for a column, converting numbers.
func assignValue(ce *CompiledExpr, col Column) (Value, error) {
	if _, ok := commonType(col.Type, ce.Type); !ok || (ce.Type.IsNumeric() && !col.Type.IsNumeric()) {
		if !(col.Type.Kind == KindTimestamp && ce.Type.Kind == KindBigint) {
			return nil, fmt.Errorf("cannot assign %s (%s) to column '%s' of type %s", ce.Text, ce.Type, col.Name, col.Type)
		}
	}
	v, err := ce.Eval(nil)
	if err != nil || v == nil {
		return nil, err
	}
	switch col.Type.Kind {
	case KindTimestamp:
		if n, ok := v.(int64); ok {
			return Timestamp(n), nil
		}
		if n, ok := v.(int32); ok {
			return Timestamp(n), nil
		}
	case KindDecimal:
		return toDecimal(v).Fit(col.Type.Precision, col.Type.Scale)
	case KindInt, KindBigint, KindDouble:
		if col.Type.Kind == KindInt && ce.Type.Kind != KindInt {
			return nil, fmt.Errorf("cannot assign %s (%s) to column '%s' of type %s", ce.Text, ce.Type, col.Name, col.Type)
		}
		return numericConverter(col.Type)(v), nil
	}
	return v, nil
}
