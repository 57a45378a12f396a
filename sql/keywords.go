package sql

import "strings"

// reservedWords cannot be identifiers unless quoted (ksqlDB's keywords less
// its nonReserved list). Immutable after init.
var reservedWords = wordSet(`SELECT FROM AS ALL DISTINCT WHERE WITHIN WINDOW GROUP BY HAVING
LIMIT AT OR AND IN NOT EXISTS BETWEEN LIKE IS NULL TRUE FALSE MILLISECOND YEARS MONTHS DAYS
HOURS MINUTES SECONDS MILLISECONDS TUMBLING HOPPING SIZE ADVANCE RETENTION CASE WHEN THEN
ELSE END JOIN FULL OUTER INNER LEFT RIGHT ON WITH VALUES CREATE TABLE TOPIC STREAM STREAMS
INSERT DELETE INTO DESCRIBE EXTENDED PRINT CAST LIST TOPICS QUERY QUERIES TERMINATE PAUSE
RESUME LOAD DROP TO RENAME SAMPLE EXPORT CATALOG PROPERTIES BEGINNING UNSET RUN SCRIPT
DECIMAL CONNECTOR CONNECTORS NAMESPACE MATERIALIZED VIEW`)

// clauseWords may follow a relation or a select item; they are never taken
// as an alias written without AS, reserved or not.
var clauseWords = wordSet(`EMIT PARTITION GROUP WHERE WINDOW HAVING LIMIT JOIN LEFT RIGHT
FULL INNER OUTER ON WITHIN FROM CHANGES FINAL`)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// quoteIdent renders a normalised identifier so that it lexes back to the
// same name: bare when it is upper-case, identifier-shaped and not reserved,
// back-quoted otherwise.
func quoteIdent(name string) string {
	if isBareIdent(name) && !reservedWords[name] {
		return name
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

func isBareIdent(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '@'):
		default:
			return false
		}
	}
	return true
}
