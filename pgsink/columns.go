package pgsink

import (
	"fmt"
	"strings"

	"github.com/chaintap/chaintap/sql"
)

// SourceFromColumns describes a topic from a column list in our SQL's
// syntax ("id STRING KEY, kwh DECIMAL(10,2)"), as CREATE STREAM declares
// it. keyFormat "" picks what pgsource writes (and ksqlDB by default): KAFKA
// for a single key column of a type Kafka's serializers write (INT,
// BIGINT, DOUBLE, STRING, BYTES), JSON for any other key.
func SourceFromColumns(columns, topic, keyFormat string) (*sql.Source, error) {
	ddl := func(kf string) string {
		return fmt.Sprintf("CREATE STREAM pgsink_columns (%s) WITH (KAFKA_TOPIC='%s', VALUE_FORMAT='JSON', KEY_FORMAT='%s');",
			columns, strings.ReplaceAll(topic, "'", "''"), kf)
	}
	kf := strings.ToUpper(keyFormat)
	if kf == "" {
		kf = sql.FormatJSON // valid for any key; narrowed below
	}
	src, err := analyze(ddl(kf))
	if err != nil {
		return nil, fmt.Errorf("columns %q: %w", columns, err)
	}
	if keyFormat == "" && len(src.KeyColumns()) > 0 && !autoJSONKey(src.KeyColumns()) {
		if src, err = analyze(ddl(sql.FormatKafka)); err != nil {
			return nil, fmt.Errorf("columns %q: %w", columns, err)
		}
	}
	return src, nil
}

func autoJSONKey(keys []sql.Column) bool {
	if len(keys) != 1 {
		return len(keys) > 1
	}
	switch keys[0].Type.Kind {
	case sql.KindInt, sql.KindBigint, sql.KindDouble, sql.KindString, sql.KindBytes:
		return false
	}
	return true
}

func analyze(ddl string) (*sql.Source, error) {
	sts, err := sql.Parse(ddl)
	if err != nil {
		return nil, err
	}
	plans, err := sql.AnalyzeAll(sts, sql.MapCatalog{})
	if err != nil {
		return nil, err
	}
	return plans[0].(*sql.CreateSourcePlan).Source, nil
}
