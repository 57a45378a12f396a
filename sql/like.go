package sql

import "unicode/utf8"

func (c *compiler) like(e *Like) (*CompiledExpr, error) {
	xs, err := c.compileAll(e.X, e.Pattern)
	if err != nil {
		return nil, err
	}
	x, pat := xs[0], xs[1]
	for _, s := range xs {
		if s.Type.Kind != KindString && s.Type.Kind != KindNull {
			return nil, errorf(e.At, "LIKE", "LIKE needs STRING operands, found %s (%s)", s.Type, s.Text)
		}
	}
	var esc rune = -1
	if e.Escape != "" {
		esc, _ = utf8.DecodeRuneInString(e.Escape)
	}
	xf, pf, neg := x.fn, pat.fn, e.Not
	return &CompiledExpr{Type: TypeBoolean, Text: e.String(), canon: "LIKE(" + x.canon + "," + pat.canon + e.Escape + ")",
		fn: func(r Row) (Value, error) {
			v, err := xf(r)
			if err != nil || v == nil {
				return nil, err
			}
			p, err := pf(r)
			if err != nil || p == nil {
				return nil, err
			}
			return likeMatch(v.(string), p.(string), esc) != neg, nil
		}}, nil
}

// likeMatch matches s against a SQL LIKE pattern: % any run, _ one
// character, esc makes the next pattern character literal. Case-sensitive,
// as ksqlDB.
func likeMatch(s, p string, esc rune) bool {
	sr, pr := []rune(s), []rune(p)
	// Iterative matching with backtracking to the last %.
	si, pi := 0, 0
	starP, starS := -1, 0
	for si < len(sr) {
		if pi < len(pr) {
			c := pr[pi]
			switch {
			case c == esc && pi+1 < len(pr):
				if pr[pi+1] == sr[si] {
					si++
					pi += 2
					continue
				}
			case c == '%':
				starP, starS = pi, si
				pi++
				continue
			case c == '_' || c == sr[si]:
				si++
				pi++
				continue
			}
		}
		if starP < 0 {
			return false
		}
		starS++
		si, pi = starS, starP+1
	}
	for pi < len(pr) && pr[pi] == '%' {
		pi++
	}
	return pi == len(pr)
}
