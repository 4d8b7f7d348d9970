package invariants

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/orderflow/orderflow/eventstore"
)

// CheckStreams checks the store itself: every stream's positions are 1, 2, 3, … (a gap
// or a repeat is RuleGapless) and no event id is stored twice (RuleUniqueEventID).
//
// The schema's unique keys on (stream_name, stream_position) and event_id already
// refuse repeats, and appends compute the next position in one statement; the check
// is there for what keys cannot promise (a gap) and for a store whose keys were lost,
// for example restored without its constraints. It reads only the two key columns, in
// the order of their index (an index-only scan), as rows arrive; the event-id check
// groups on the event_id index. Both see one snapshot.
func CheckStreams(ctx context.Context, st *eventstore.Store) ([]Violation, error) {
	out := []Violation{}
	err := inSnapshot(ctx, st, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `select stream_name, stream_position from events order by stream_name, stream_position`)
		var (
			g        gaps
			stream   string
			position int64
		)
		_, err := pgx.ForEachRow(rows, []any{&stream, &position}, func() error {
			g.see(stream, position)
			return nil
		})
		if err != nil {
			return fmt.Errorf("invariants: read stream positions: %w", err)
		}
		dups, err := duplicateIDs(ctx, tx)
		out = append(append(out, g.out...), dups...)
		return err
	})
	return out, err
}

// gaps follows the positions of streams read in (stream, position) order.
type gaps struct {
	stream  string
	next    int64 // the position the stream's next event must have
	streams int
	events  int64
	out     []Violation
}

func (g *gaps) see(stream string, position int64) {
	g.events++
	if stream != g.stream || g.streams == 0 {
		g.stream, g.next = stream, 1
		g.streams++
	}
	switch {
	case position < g.next:
		g.add(fmt.Sprintf("position %d is stored more than once", position))
	case position == g.next+1:
		g.add(fmt.Sprintf("position %d is missing", g.next))
	case position > g.next:
		g.add(fmt.Sprintf("positions %d to %d are missing", g.next, position-1))
	}
	g.next = max(g.next, position+1)
}

func (g *gaps) add(detail string) {
	g.out = append(g.out, Violation{Stream: g.stream, Rule: RuleGapless, Detail: detail})
}

// duplicateIDs reports event ids stored more than once, with where each copy is.
func duplicateIDs(ctx context.Context, tx pgx.Tx) ([]Violation, error) {
	// The repeated ids come first, from an index-only scan of the event_id key; the
	// copies are then looked up by id. A join would read the whole table instead.
	rows, _ := tx.Query(ctx, `
		select event_id, stream_name, stream_position from events
		 where event_id = any(array(select event_id from events group by event_id having count(*) > 1))
		 order by event_id, stream_name, stream_position`)
	var (
		out         []Violation
		where       []string // stream/position of each copy of the id
		firstStream string
		id, last    uuid.UUID
		stream      string
		position    int64
	)
	flush := func() {
		if len(where) > 0 {
			out = append(out, Violation{Stream: firstStream, Rule: RuleUniqueEventID,
				Detail: fmt.Sprintf("event id %s is stored %d times: %s", last, len(where), strings.Join(where, ", "))})
		}
		where = where[:0]
	}
	_, err := pgx.ForEachRow(rows, []any{&id, &stream, &position}, func() error {
		if id != last || len(where) == 0 {
			flush()
			last, firstStream = id, stream
		}
		where = append(where, fmt.Sprintf("%s/%d", stream, position))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("invariants: look for repeated event ids: %w", err)
	}
	flush()
	return out, nil
}
