package projections_test

import (
	"context"
	"encoding/base64"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/projections"
)

// walk reads every page of a consumer's history and returns the ids in the order
// served, failing on a page larger than limit or a cursor that does not end.
func walk(t *testing.T, e *env, consumerID uuid.UUID, status order.Status, limit int) (ids []uuid.UUID, pages int) {
	t.Helper()
	pageSize := limit
	if limit <= 0 {
		pageSize = projections.DefaultPageSize
	}
	cursor := ""
	for {
		page, next, err := e.q.ConsumerOrders(context.Background(), consumerID, status, cursor, limit)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), pageSize)
		pages++
		for _, v := range page {
			require.Equal(t, consumerID, v.ConsumerID)
			if status != "" {
				require.Equal(t, status, v.Status)
			}
			ids = append(ids, v.ID)
		}
		if next == "" {
			return ids, pages
		}
		require.Len(t, page, pageSize, "only the last page may be short")
		require.Less(t, pages, 100, "the cursor never ends")
		cursor = next
	}
}

func TestConsumerOrdersPagesThroughTheHistoryNewestFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	consumer, other, restaurant := uuid.New(), uuid.New(), uuid.New()

	var created, approved []uuid.UUID // oldest first
	for i := range 7 {
		id := uuid.New()
		created = append(created, id)
		e.append(order.StreamName(id), orderCreated(id, consumer, restaurant))
		if i%3 == 1 {
			approved = append(approved, id)
			e.append(order.StreamName(id), order.OrderApproved{OrderID: id})
		}
		// Another consumer's orders, interleaved, must never show.
		theirs := uuid.New()
		e.append(order.StreamName(theirs), orderCreated(theirs, other, restaurant), order.OrderApproved{OrderID: theirs})
	}
	e.waitCaughtUp()
	slices.Reverse(created)
	slices.Reverse(approved)

	ids, pages := walk(t, e, consumer, "", 3)
	require.Equal(t, created, ids, "newest first, every order once")
	require.Equal(t, 3, pages)

	ids, pages = walk(t, e, consumer, "", 7)
	require.Equal(t, created, ids)
	require.Equal(t, 1, pages, "a page that holds exactly the rest is the last")

	ids, _ = walk(t, e, consumer, "", 0)
	require.Equal(t, created, ids, "limit 0 is the default page size")

	ids, pages = walk(t, e, consumer, order.StatusApproved, 1)
	require.Equal(t, approved, ids)
	require.Equal(t, len(approved), pages)

	ids, _ = walk(t, e, consumer, order.StatusDelivered, 5)
	require.Empty(t, ids)

	page, next, err := e.q.ConsumerOrders(context.Background(), uuid.New(), "", "", 10)
	require.NoError(t, err)
	require.NotNil(t, page, "an empty history is [], not null")
	require.Empty(t, page)
	require.Empty(t, next)
}

// Orders recorded in the same instant are told apart by their ids: no page repeats or
// loses one of them.
func TestConsumerOrdersPagesThroughOrdersCreatedInTheSameInstant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	consumer, restaurant := uuid.New(), uuid.New()

	// One statement stamps every event with the same recorded_at.
	var streams, data []string
	var ids []uuid.UUID
	for range 5 {
		id := uuid.New()
		raw, err := e.reg.Encode(orderCreated(id, consumer, restaurant))
		require.NoError(t, err)
		ids, streams, data = append(ids, id), append(streams, order.StreamName(id)), append(data, string(raw))
	}
	_, err := e.schema.Pool.Exec(context.Background(), `insert into events (event_id, stream_name, category,
		stream_position, event_type, schema_version, data)
		select gen_random_uuid(), s, 'order', 1, 'OrderCreated', 1, d from unnest($1::text[], $2::json[]) as x(s, d)`,
		streams, data)
	require.NoError(t, err)
	e.waitCaughtUp()

	all := e.allOrders()
	require.Len(t, all, 5)
	for _, v := range all {
		require.Equal(t, all[0].CreatedAt, v.CreatedAt)
	}

	got, pages := walk(t, e, consumer, "", 2)
	require.Equal(t, 3, pages)
	want := slices.Clone(ids)
	slices.SortFunc(want, func(a, b uuid.UUID) int { return -slices.Compare(a[:], b[:]) })
	require.Equal(t, want, got, "ties are broken by id, descending")
}

func TestConsumerOrdersRefusesCursorsAndStatusesItDidNotIssue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	consumer := uuid.New()
	for range 3 {
		id := uuid.New()
		e.append(order.StreamName(id), orderCreated(id, consumer, uuid.New()))
	}
	e.waitCaughtUp()
	_, cursor, err := e.q.ConsumerOrders(context.Background(), consumer, "", "", 1)
	require.NoError(t, err)
	require.NotEmpty(t, cursor)

	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	require.NoError(t, err)
	otherFormat := slices.Clone(raw)
	otherFormat[0]++

	for name, bad := range map[string]string{
		"not base64":   "not a cursor!",
		"too short":    cursor[:len(cursor)-4],
		"too long":     cursor + "AAAA",
		"other format": base64.RawURLEncoding.EncodeToString(otherFormat),
		"padded":       base64.URLEncoding.EncodeToString(raw),
	} {
		_, _, err := e.q.ConsumerOrders(context.Background(), consumer, "", bad, 1)
		requireErrorIsAll(t, err, projections.ErrInvalidCursor, domain.ErrValidation)
		var verr *domain.ValidationError
		require.ErrorAsf(t, err, &verr, "%s", name)
		require.Equal(t, "cursor", verr.Fields[0].Field)
	}

	_, _, err = e.q.ConsumerOrders(context.Background(), consumer, "SHIPPING", "", 1)
	requireErrorIsAll(t, err, projections.ErrInvalidStatus, domain.ErrValidation)
}
