package config

import (
	"errors"
	"fmt"
	"strings"

	goyaml "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
)

// syntaxProblem turns a YAML syntax error into a Problem on the line where
// the problem is. yaml.v3 (our decoder) names the line where the enclosing
// block or flow collection starts, counted from 0 — "line 1" for a bad
// indent on line 4 — and keeps the problem's own position private. goccy's
// parser reports the offending token's line and column, so a file yaml.v3
// rejects is parsed once more by it to place the error; when it finds
// nothing to report, yaml.v3's message stands as it is.
func syntaxProblem(text []byte, v3err error) Problem {
	_, err := parser.ParseBytes(text, 0)
	var se *goyaml.SyntaxError
	if errors.As(err, &se) && se.Token != nil && se.Token.Position != nil {
		pos := se.Token.Position
		return Problem{Path: "(syntax)", Line: pos.Line, Msg: fmt.Sprintf("column %d", pos.Column) + ": " + se.Message}
	}
	return Problem{Path: "(syntax)", Msg: strings.TrimPrefix(v3err.Error(), "yaml: ")}
}
