// Package pgname reads PostgreSQL table names as users write them on
// chaintap's command line.
package pgname

import (
	"fmt"
	"strings"
)

// Split splits "schema.name" (schema public when absent).
func Split(s string) (schema, name string, err error) {
	parts := strings.Split(s, ".")
	switch {
	case len(parts) == 1 && parts[0] != "":
		return "public", parts[0], nil
	case len(parts) == 2 && parts[0] != "" && parts[1] != "":
		return parts[0], parts[1], nil
	}
	return "", "", fmt.Errorf("table %q: want name or schema.name", s)
}
