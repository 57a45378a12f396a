package stream

import (
	"fmt"

	"github.com/chaintap/chaintap/sql"
)

// twoSidedSupported names what the engine cannot run of a plan's
// stream–stream and table–table joins.
func twoSidedSupported(p *sql.QueryPlan) error {
	for _, j := range p.Joins {
		if j.Type == sql.StreamTable {
			continue
		}
		if len(p.Joins) > 1 {
			return fmt.Errorf("a %s join chained with other joins: %w", j.Type, ErrUnsupported)
		}
		if j.Right.Source.Topic == p.From.Source.Topic {
			return fmt.Errorf("self-joins (both sides read topic %s): %w", j.Right.Source.Topic, ErrUnsupported)
		}
		if j.Type == sql.TableTable {
			if err := tableJoinSupported(p, j); err != nil {
				return err
			}
		}
		if a, b := p.From.Source.Partitions, j.Right.Source.Partitions; a > 0 && b > 0 && a != b {
			return fmt.Errorf("a join of topics that are not co-partitioned (%s has %d partitions, %s %d): %w",
				p.From.Source.Topic, a, j.Right.Source.Topic, b, ErrUnsupported)
		}
	}
	return nil
}

func tableJoinSupported(p *sql.QueryPlan, j *sql.JoinStep) error {
	if j.ForeignKey && !singlePartition(p.From.Source, j.Right.Source) {
		return fmt.Errorf("foreign-key table-table joins (on a column that is not the left table's PRIMARY KEY) over topics of several partitions: %w", ErrUnsupported)
	}
	if j.Kind == sql.JoinRight || j.Kind == sql.JoinFull {
		return fmt.Errorf("%s table-table joins (their result key can be NULL; use LEFT with the sides swapped): %w", j.Kind, ErrUnsupported)
	}
	return nil
}
