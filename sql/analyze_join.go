package sql

func (a *analyzer) join(st *queryState, j Join) error {
	offset := 0
	for _, s := range st.sc.scans {
		offset += s.Width()
	}
	right, err := a.scan(st, j.Right, offset)
	if err != nil {
		return err
	}
	st.sc.scans = append(st.sc.scans, right)
	step := &JoinStep{Kind: j.Kind, Right: right}
	leftKind, rightKind := st.kind, right.Source.Kind
	switch {
	case leftKind == Table && rightKind == Stream:
		return errorf(j.At, j.Kind.String(), "invalid join order: table-stream joins are not supported, only stream-table joins; put the stream first (got %s %s JOIN %s)",
			leftName(st), j.Kind, right.Alias)
	case leftKind == Stream && rightKind == Stream:
		step.Type = StreamStream
	case leftKind == Stream:
		step.Type = StreamTable
	default:
		step.Type = TableTable
	}
	if err := joinWindow(step, j); err != nil {
		return err
	}
	if step.Type == StreamTable && (j.Kind == JoinRight || j.Kind == JoinFull) {
		return errorf(j.At, j.Kind.String(), "%s JOIN is not supported for stream-table joins: use INNER or LEFT", j.Kind)
	}
	l, r, err := joinSides(st, right, j.On)
	if err != nil {
		return err
	}
	if !l.Type.Equal(r.Type) {
		return errorf(j.On.Pos(), j.On.String(), "join key types differ: %s is %s but %s is %s", l.Text, l.Type, r.Text, r.Type)
	}
	step.LeftKey, step.RightKey = l, r
	if err := joinKeys(st, step, right, j); err != nil {
		return err
	}
	st.plan.Joins = append(st.plan.Joins, step)
	if step.Type != TableTable {
		st.kind = Stream
	}
	return nil
}

func leftName(st *queryState) string {
	if len(st.sc.scans) > 2 {
		return "the join of " + st.sc.scans[0].Alias
	}
	return st.sc.scans[0].Alias
}

func joinWindow(step *JoinStep, j Join) error {
	if step.Type == StreamStream {
		if j.Within == nil {
			return errorf(j.At, j.Kind.String(), "stream-stream joins must have a WITHIN clause (e.g. WITHIN 1 HOUR) bounding how far apart joined records may be")
		}
		step.Before, step.After = j.Within.Before.Millis(), j.Within.After.Millis()
		if j.Within.Grace != nil {
			step.Grace, step.HasGrace = j.Within.Grace.Millis(), true
		}
		return nil
	}
	if j.Within != nil {
		return errorf(j.Within.At, "WITHIN", "WITHIN is only valid for stream-stream joins; this is a %s join", step.Type)
	}
	return nil
}

// joinSides compiles ON left = right, returning the expression over the
// left input first.
func joinSides(st *queryState, right *Scan, on Expr) (*CompiledExpr, *CompiledExpr, error) {
	eq, ok := on.(*Binary)
	if !ok || eq.Op != "=" {
		return nil, nil, errorf(on.Pos(), on.String(), "join condition must be one equality between the two sides (a.x = b.y), found %s", on.String())
	}
	side := func(e Expr) (*CompiledExpr, int, error) {
		c := &compiler{sc: st.sc, clause: "a join condition", used: map[int]bool{}}
		ce, err := c.compile(e)
		if err != nil {
			return nil, 0, err
		}
		inRight, inLeft := false, false
		for i := range c.used {
			if i >= right.Offset {
				inRight = true
			} else {
				inLeft = true
			}
		}
		switch {
		case inRight && !inLeft:
			return ce, 1, nil
		case inLeft && !inRight:
			return ce, 0, nil
		}
		return nil, 0, errorf(e.Pos(), e.String(), "each side of a join condition must reference exactly one side of the join: %s", e.String())
	}
	l, ls, err := side(eq.L)
	if err != nil {
		return nil, nil, err
	}
	r, rs, err := side(eq.R)
	if err != nil {
		return nil, nil, err
	}
	if ls == rs {
		return nil, nil, errorf(eq.At, "=", "join condition %s must compare the left side with %s", on.String(), right.Alias)
	}
	if ls == 1 {
		l, r = r, l
	}
	return l, r, nil
}

// joinKeys checks the join columns against the sources' keys and decides
// repartitions and the resulting key.
func joinKeys(st *queryState, step *JoinStep, right *Scan, j Join) error {
	rightKeyCanon := ""
	var rightKeyName string
	keys := right.Source.Schema.Columns
	nkeys := 0
	for i, c := range keys {
		if c.Key {
			nkeys++
			rightKeyCanon, rightKeyName = colCanon(right.Offset+i), c.Name
		}
	}
	rightIsKey := nkeys == 1 && step.RightKey.canon == rightKeyCanon
	leftIsKey := sameKey(st.key, []string{step.LeftKey.canon})
	switch step.Type {
	case StreamTable, TableTable:
		if !rightIsKey {
			return errorf(j.On.Pos(), j.On.String(), "invalid join condition: %s joins require the table's PRIMARY KEY: %s is not the primary key of %s%s",
				step.Type, step.RightKey.Text, right.Source.Name, keyHint(rightKeyName))
		}
		if step.Type == StreamTable {
			step.LeftRekey = !leftIsKey
		} else if !leftIsKey {
			step.ForeignKey = true
			return nil // a foreign-key join keeps the left table's key
		}
	case StreamStream:
		step.LeftRekey = !leftIsKey
		step.RightRekey = !rightIsKey
	}
	st.key = [][]string{{step.LeftKey.canon, step.RightKey.canon}}
	st.keyText = []string{step.LeftKey.Text}
	st.keyWhat = "join expression"
	return nil
}

func keyHint(name string) string {
	if name == "" {
		return ""
	}
	return " (" + name + " is)"
}
