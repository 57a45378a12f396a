package sql

import (
	"strconv"
	"strings"
)

// scope resolves column references against the sources of a query.
type scope struct {
	scans []*Scan
}

// entry finds the scan with alias (or source name) q.
func (sc *scope) entry(q Name) (*Scan, error) {
	for _, s := range sc.scans {
		if s.Alias == q.Name {
			return s, nil
		}
	}
	var names []string
	for _, s := range sc.scans {
		names = append(names, s.Alias)
	}
	return nil, errorf(q.At, q.Name, "unknown source '%s'%s", q.Name, didYouMean(q.Name, names))
}

// resolve returns the row index and type of a column reference.
func (sc *scope) resolve(ref *ColumnRef) (int, *Type, error) {
	if ref.Qualifier.Name != "" {
		s, err := sc.entry(ref.Qualifier)
		if err != nil {
			return 0, nil, err
		}
		if i, t, ok := scanColumn(s, ref.Name.Name); ok {
			return i, t, nil
		}
		return 0, nil, errorf(ref.Name.At, ref.Name.Name, "unknown column '%s' in %s%s",
			ref.Name.Name, s.Alias, didYouMean(ref.Name.Name, s.Source.Schema.Names()))
	}
	var found []*Scan
	idx, typ := 0, (*Type)(nil)
	for _, s := range sc.scans {
		if s.Source.Schema.Index(ref.Name.Name) >= 0 {
			found = append(found, s)
			idx, typ, _ = scanColumn(s, ref.Name.Name)
		}
	}
	switch len(found) {
	case 1:
		return idx, typ, nil
	case 0:
		if p, ok := isPseudoColumn(ref.Name.Name); ok {
			s := sc.scans[0]
			return s.Offset + len(s.Source.Schema.Columns) + p, pseudoType(p), nil
		}
		var names, all []string
		for _, s := range sc.scans {
			names = append(names, s.Alias)
			all = append(all, s.Source.Schema.Names()...)
		}
		return 0, nil, errorf(ref.Name.At, ref.Name.Name, "unknown column '%s' in %s%s",
			ref.Name.Name, strings.Join(names, ", "), didYouMean(ref.Name.Name, all))
	}
	var names []string
	for _, s := range found {
		names = append(names, s.Alias)
	}
	return 0, nil, errorf(ref.Name.At, ref.Name.Name, "ambiguous column '%s': it is in %s; qualify it (e.g. %s.%s)",
		ref.Name.Name, strings.Join(names, " and "), names[0], ref.Name.Name)
}

// scanColumn resolves a column or pseudo-column of one scan.
func scanColumn(s *Scan, name string) (int, *Type, bool) {
	if i := s.Source.Schema.Index(name); i >= 0 {
		return s.Offset + i, s.Source.Schema.Columns[i].Type, true
	}
	if p, ok := isPseudoColumn(name); ok {
		return s.Offset + len(s.Source.Schema.Columns) + p, pseudoType(p), true
	}
	return 0, nil, false
}

// scanOf returns the scan owning joined-row index i.
func (sc *scope) scanOf(i int) *Scan {
	for _, s := range sc.scans {
		if i >= s.Offset && i < s.Offset+s.Width() {
			return s
		}
	}
	return nil
}

func colCanon(i int) string { return "$" + strconv.Itoa(i) }
