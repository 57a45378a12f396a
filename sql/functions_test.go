package sql

import (
	"errors"
	"testing"
)

// exprCatalog has one stream T whose row exprRow the expressions see.
func exprCatalog(t testing.TB) Catalog {
	t.Helper()
	p := analyzeOne(t, MapCatalog{}, `CREATE STREAM t (k VARCHAR KEY, i INT, l BIGINT, d DOUBLE, dec DECIMAL(78, 0), d2 DECIMAL(10, 2),
		s VARCHAR, n VARCHAR, ni INT, ts BIGINT, b BOOLEAN, arr ARRAY<VARCHAR>, m MAP<VARCHAR, INT>,
		st STRUCT<a INT, b STRUCT<c VARCHAR>>) WITH (KAFKA_TOPIC='t')`)
	return MapCatalog{"T": p.(*CreateSourcePlan).Source}
}

const uint256Max = "115792089237316195423570985008687907853269984665640564039457584007913129639935"

func exprRow() Row {
	row := Row{"key", int32(7), int64(-3), 2.5, MustDecimal(uint256Max), MustDecimal("-12.35"),
		"Hello World", nil, nil, int64(1700000000123), true, []Value{"x", "y", "z"},
		map[string]Value{"one": int32(1)}, Struct{int32(4), Struct{"deep"}}}
	return append(row, int64(1000), int32(0), int64(42), nil, nil)
}

// evalSQL compiles expr as the single select item over T and evaluates it.
func evalSQL(t testing.TB, cat Catalog, expr string) (Value, *Type, error) {
	t.Helper()
	st, err := ParseOne("SELECT " + expr + " FROM t EMIT CHANGES")
	if err != nil {
		return nil, nil, err
	}
	p, err := Analyze(st, cat)
	if err != nil {
		return nil, nil, err
	}
	ce := p.(*QueryPlan).Project[0]
	v, err := ce.Eval(exprRow())
	return v, ce.Type, err
}

func TestScalarFunctionsAndOperators(t *testing.T) {
	cat := exprCatalog(t)
	cases := []struct {
		expr, want, typ string
	}{
		{"COALESCE(n, s)", "Hello World", "STRING"},
		{"COALESCE(n, NULL)", "null", "STRING"},
		{"COALESCE(ni, l, 5)", "-3", "BIGINT"},
		{"IFNULL(ni, 9)", "9", "INTEGER"},
		{"IFNULL(i, 9)", "7", "INTEGER"},
		{"CONCAT(s, '!', n, k)", "Hello World!key", "STRING"},
		{"CONCAT(n)", "", "STRING"},
		{"s || '-' || k", "Hello World-key", "STRING"},
		{"s || n", "null", "STRING"},
		{"LCASE(s)", "hello world", "STRING"},
		{"UCASE(s)", "HELLO WORLD", "STRING"},
		{"UCASE(n)", "null", "STRING"},
		{"SUBSTRING(s, 1, 5)", "Hello", "STRING"},
		{"SUBSTRING(s, 7)", "World", "STRING"},
		{"SUBSTRING(s, -5, 3)", "Wor", "STRING"},
		{"SUBSTRING(s, 0, 2)", "He", "STRING"},
		{"SUBSTRING(s, 50)", "", "STRING"},
		{"SUBSTRING(s, 3, -1)", "", "STRING"},
		{"SUBSTRING(n, 1)", "null", "STRING"},
		{"SUBSTRING(s, ni)", "null", "STRING"},
		{"LEN(s)", "11", "INTEGER"},
		{"LEN('héllo')", "5", "INTEGER"},
		{"TRIM('  a b  ')", "a b", "STRING"},
		{"REPLACE(s, 'o', '0')", "Hell0 W0rld", "STRING"},
		{"ROUND(2.5)", "3", "DECIMAL(2, 0)"},
		{"ROUND(-2.5)", "-2", "DECIMAL(2, 0)"},
		{"ROUND(d)", "3", "BIGINT"},
		{"ROUND(-d)", "-2", "BIGINT"},
		{"ROUND(d2)", "-12", "DECIMAL(9, 0)"},
		{"ROUND(d2, 1)", "-12.30", "DECIMAL(10, 2)"},
		{"ROUND(CAST(12.345 AS DOUBLE), 2)", "12.35", "DOUBLE"},
		{"ROUND(1234, -2)", "1200.0", "DOUBLE"},
		{"ROUND(CAST(1250 AS DECIMAL(4, 0)), -2)", "1300", "DECIMAL(4, 0)"},
		{"ROUND(i)", "7", "BIGINT"},
		{"ROUND(ni)", "null", "BIGINT"},
		{"ABS(l)", "3", "BIGINT"},
		{"ABS(d2)", "12.35", "DECIMAL(10, 2)"},
		{"ABS(-d)", "2.5", "DOUBLE"},
		{"TIMESTAMPTOSTRING(ts, 'yyyy-MM-dd''T''HH:mm:ss.SSSX')", "2023-11-14T22:13:20.123Z", "STRING"},
		{"TIMESTAMPTOSTRING(ts, 'yyyy-MM-dd HH:mm:ss XXX', 'Europe/Berlin')", "2023-11-14 23:13:20 +01:00", "STRING"},
		{"TIMESTAMPTOSTRING(ts, 'dd/MM/yy h:mm a Z', 'America/New_York')", "14/11/23 5:13 PM -0500", "STRING"},
		{"TIMESTAMPTOSTRING(ROWTIME, 'HH:mm:ss.SSS')", "00:00:01.000", "STRING"},
		{"TIMESTAMPTOSTRING(ni, 'yyyy')", "null", "STRING"},
		{"FROM_UNIXTIME(ts)", "2023-11-14T22:13:20.123", "TIMESTAMP"},
		{"CAST(FROM_UNIXTIME(ts) AS STRING)", "2023-11-14T22:13:20.123", "STRING"},
		{"dec + 1", "115792089237316195423570985008687907853269984665640564039457584007913129639936", "DECIMAL(79, 0)"},
		{"dec - dec", "0", "DECIMAL(79, 0)"},
		{"dec * 2", "231584178474632390847141970017375815706539969331281128078915168015826259279870", "DECIMAL(89, 0)"},
		{"dec / 1000000000000000000", "115792089237316195423570985008687907853269984665640564039457.58400791312963993500", "DECIMAL(98, 20)"},
		{"dec % 10", "5", "DECIMAL(10, 0)"},
		{"dec > 115792089237316195423570985008687907853269984665640564039457584007913129639934", "true", "BOOLEAN"},
		{"CAST(dec AS STRING)", uint256Max, "STRING"},
		{"CAST('" + uint256Max + "' AS DECIMAL(78, 0)) = dec", "true", "BOOLEAN"},
		{"d2 + 1", "-11.35", "DECIMAL(13, 2)"},
		{"d2 * d2", "152.5225", "DECIMAL(21, 4)"},
		{"d2 / 0", "null", "DECIMAL(21, 13)"},
		{"i / 2", "3", "INTEGER"},
		{"i / 0", "null", "INTEGER"},
		{"i % 4", "3", "INTEGER"},
		{"i + l", "4", "BIGINT"},
		{"i * d", "17.5", "DOUBLE"},
		{"d / 0", "Infinity", "DOUBLE"},
		{"2147483647 + i", "-2147483642", "INTEGER"},
		{"-i", "-7", "INTEGER"},
		{"i + ni", "null", "INTEGER"},
		{"i = 7 AND b", "true", "BOOLEAN"},
		{"ni = 1 AND FALSE", "false", "BOOLEAN"},
		{"ni = 1 OR TRUE", "true", "BOOLEAN"},
		{"ni = 1 OR FALSE", "null", "BOOLEAN"},
		{"NOT b", "false", "BOOLEAN"},
		{"n IS NULL", "true", "BOOLEAN"},
		{"s IS NOT NULL", "true", "BOOLEAN"},
		{"n IS DISTINCT FROM s", "true", "BOOLEAN"},
		{"n IS NOT DISTINCT FROM NULL", "true", "BOOLEAN"},
		{"i BETWEEN 1 AND 7", "true", "BOOLEAN"},
		{"i NOT BETWEEN 1 AND 6", "true", "BOOLEAN"},
		{"i IN (1, 7)", "true", "BOOLEAN"},
		{"i IN (1, ni)", "null", "BOOLEAN"},
		{"i NOT IN (1, 2)", "true", "BOOLEAN"},
		{"s LIKE 'Hello%'", "true", "BOOLEAN"},
		{"s LIKE '_ello W%d'", "true", "BOOLEAN"},
		{"s LIKE 'hello%'", "false", "BOOLEAN"},
		{"'50%' LIKE '50!%' ESCAPE '!'", "true", "BOOLEAN"},
		{"'500' LIKE '50!%' ESCAPE '!'", "false", "BOOLEAN"},
		{"CASE WHEN i > 10 THEN 'big' WHEN i > 5 THEN 'mid' ELSE 'small' END", "mid", "STRING"},
		{"CASE i WHEN 1 THEN 'one' WHEN 7 THEN 'seven' END", "seven", "STRING"},
		{"CASE WHEN FALSE THEN 1 END", "null", "INTEGER"},
		{"CASE WHEN b THEN 1 ELSE 2.5 END", "1.0", "DECIMAL(11, 1)"},
		{"CAST(d AS INT)", "2", "INTEGER"},
		{"CAST(-d AS BIGINT)", "-2", "BIGINT"},
		{"CAST('42' AS INT)", "42", "INTEGER"},
		{"CAST(i AS DOUBLE)", "7.0", "DOUBLE"},
		{"CAST(d AS STRING)", "2.5", "STRING"},
		{"CAST(1e7 AS STRING)", "1.0E7", "STRING"},
		{"CAST('TRUE' AS BOOLEAN)", "true", "BOOLEAN"},
		{"CAST(d2 AS DECIMAL(5, 1))", "-12.4", "DECIMAL(5, 1)"},
		{"arr[1]", "x", "STRING"},
		{"arr[-1]", "z", "STRING"},
		{"arr[4]", "null", "STRING"},
		{"m['one']", "1", "INTEGER"},
		{"m['two']", "null", "INTEGER"},
		{"st->a", "4", "INTEGER"},
		{"st->b->c", "deep", "STRING"},
		{"t.st->b->c", "deep", "STRING"},
		{"ARRAY[i, 2][2]", "2", "INTEGER"},
		{"STRUCT(x := i)->x", "7", "INTEGER"},
		{"ROWOFFSET", "42", "BIGINT"},
		{"ROWPARTITION", "0", "INTEGER"},
	}
	for _, tc := range cases {
		v, typ, err := evalSQL(t, cat, tc.expr)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got := castToString(v); got != tc.want || v == nil && tc.want != "null" {
			t.Errorf("%s = %v (%T), want %s", tc.expr, got, v, tc.want)
		}
		if typ.String() != tc.typ {
			t.Errorf("%s: type %s, want %s", tc.expr, typ, tc.typ)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	cat := exprCatalog(t)
	for _, expr := range []string{"CAST(s AS INT)", "CAST('1e80' AS DECIMAL(78, 0))"} {
		_, _, err := evalSQL(t, cat, expr)
		var ee *EvalError
		if !errors.As(err, &ee) {
			t.Errorf("%s: got %v, want an *EvalError", expr, err)
		}
	}
}

func TestDecimalExactAt78Digits(t *testing.T) {
	a := MustDecimal(uint256Max)
	b := MustDecimal("1")
	if got := a.Add(b).Sub(b); got.Cmp(a) != 0 || got.String() != uint256Max {
		t.Errorf("(max+1)-1 = %s", got)
	}
	if got := a.Add(b).String(); got != "115792089237316195423570985008687907853269984665640564039457584007913129639936" {
		t.Errorf("max+1 = %s", got)
	}
	half := MustDecimal("0.5")
	if got := a.Add(half).Rescale(0).String(); got != "115792089237316195423570985008687907853269984665640564039457584007913129639936" {
		t.Errorf("half-up rounding at 78 digits: %s", got)
	}
	if _, err := a.Fit(77, 0); err == nil {
		t.Error("78 digits fit DECIMAL(77, 0)")
	}
}
