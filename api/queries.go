package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/projections"
)

// Queries is every read the API serves from the read models: projections.Queries.
type Queries interface {
	OrderQueries
	RestaurantQueries
	ConsumerQueries
}

// OrderQueries reads the read models (package projections). Reads are eventually
// consistent: a client that just wrote can wait for its version with ?min_version=N.
type OrderQueries interface {
	GetOrder(ctx context.Context, id uuid.UUID) (projections.OrderView, error)
	// WaitForOrderVersion is only asked for orders the principal may see (get). A wait
	// that runs out is projections.ErrVersionNotReached, with the latest view it read.
	WaitForOrderVersion(ctx context.Context, id uuid.UUID, minVersion int64, maxWait time.Duration) (projections.OrderView, error)
	ConsumerOrders(ctx context.Context, consumerID uuid.UUID, status order.Status, cursor string, limit int) ([]projections.OrderView, string, error)
	RestaurantTickets(ctx context.Context, restaurantID uuid.UUID, status kitchen.Status, cursor string, limit int) ([]projections.TicketView, string, error)
}

// get serves an order's read model. Who may see it is its consumer, its restaurant
// and admins; anyone else is told it does not exist, in the same words as for an id
// that does not (app.OrderNotFound), so ids cannot be probed.
//
// ?min_version=N waits (up to Limits.MaxVersionWait) for the read model to reach
// version N: how a client reads its own writes. The wait comes after authorization,
// which reads the write side (the order's stream, and its workflow for an order
// whose saga has not written yet), so that the consumer who has just placed an order
// may wait for it while nobody else can wait at all: another's order and a missing
// one are refused at once, and alike. The waits in progress are capped (Limits).
//
// The answer says whether the version was reached (versionReachedHeader): a wait that
// runs out never passes an older version off as the one asked for. It answers 200 with
// the latest view it read, marked not reached, with Retry-After; or, having read none
// (the order not projected yet, or the view locked the whole time), 503
// version-not-reached with Retry-After: the order exists (its owner was found), so it
// is not a 404.
func (h orderHandlers) get(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		abort(c, err)
		return
	}
	var v domain.Validator
	minVersion := queryInt(&v, c, "min_version", 0, 0, 1<<62)
	if err := v.Err(); err != nil {
		abort(c, err)
		return
	}
	p := principal(c)
	if minVersion == 0 {
		view, err := h.queries.GetOrder(c, id)
		if err != nil {
			abort(c, err)
			return
		}
		if !p.IsConsumer(view.ConsumerID) && !p.IsRestaurant(view.RestaurantID) {
			abort(c, app.OrderNotFound(id))
			return
		}
		c.JSON(http.StatusOK, view)
		return
	}

	// The waiter's slot is taken first: finding the owner may itself wait (on
	// Temporal, for an order whose saga has not written yet).
	release, err := h.waiters.enter(limitKey(p))
	if err != nil {
		refuseFor(c, time.Second, err)
		return
	}
	defer release()
	// The request's context, not gin's: gin reuses its Context for the next request,
	// while a timer derived from it (the owner lookup's, the wait's) may still fire.
	ctx := c.Request.Context()
	owner, err := h.commands.Owner(ctx, id)
	if err != nil {
		abort(c, err)
		return
	}
	if !p.IsConsumer(owner.ConsumerID) && !p.IsRestaurant(owner.RestaurantID) {
		abort(c, app.OrderNotFound(id))
		return
	}
	view, err := h.queries.WaitForOrderVersion(ctx, id, int64(minVersion), h.maxWait)
	switch {
	case errors.Is(err, projections.ErrVersionNotReached) && view.ID == id:
		c.Header(versionReachedHeader, "false")
		c.Header("Retry-After", versionRetryAfter)
		c.JSON(http.StatusOK, view)
	case errors.Is(err, projections.ErrVersionNotReached):
		c.Header(versionReachedHeader, "false")
		refuseFor(c, time.Second, errVersionNotReached(fmt.Sprintf(
			"the read model has not reached version %d of order %s yet: retry after the time in Retry-After", minVersion, id)))
	case err != nil:
		abort(c, err)
	default:
		c.Header(versionReachedHeader, "true")
		c.JSON(http.StatusOK, view)
	}
}

// versionReachedHeader tells a client that asked for ?min_version=N whether the view
// it gets is at version N or later ("true") or the wait ran out first ("false").
const versionReachedHeader = "Orderflow-Version-Reached"

// versionRetryAfter is the Retry-After of a wait that ran out: the projector usually
// catches up within a second.
const versionRetryAfter = "1"

// errVersionNotReached is the 503 of a ?min_version= wait that ran out without reading
// the order's view at all.
func errVersionNotReached(detail string) error {
	return &httpError{http.StatusServiceUnavailable, "version-not-reached", "Version not reached", detail, nil}
}

type historyResponse struct {
	Orders     []projections.OrderView `json:"orders"`
	NextCursor *string                 `json:"next_cursor"`
}

// history serves a consumer's orders, newest first: ?status=, ?cursor=, ?limit=.
func (h orderHandlers) history(c *gin.Context) {
	id, limit, ok := listing(c, "consumer", Principal.IsConsumer)
	if !ok {
		return
	}
	list, next, err := h.queries.ConsumerOrders(c, id, order.Status(c.Query("status")), c.Query("cursor"), limit)
	if err != nil {
		abort(c, err)
		return
	}
	resp := historyResponse{Orders: list}
	if resp.Orders == nil {
		resp.Orders = []projections.OrderView{}
	}
	if next != "" {
		resp.NextCursor = &next
	}
	c.JSON(http.StatusOK, resp)
}

type ticketsResponse struct {
	Tickets    []projections.TicketView `json:"tickets"`
	NextCursor *string                  `json:"next_cursor"`
}

// queue serves a restaurant's tickets, the queue then the history: ?status=,
// ?cursor=, ?limit=.
func (h ticketHandlers) queue(c *gin.Context) {
	id, limit, ok := listing(c, "restaurant", Principal.IsRestaurant)
	if !ok {
		return
	}
	list, next, err := h.queries.RestaurantTickets(c, id, kitchen.Status(c.Query("status")), c.Query("cursor"), limit)
	if err != nil {
		abort(c, err)
		return
	}
	resp := ticketsResponse{Tickets: list}
	if resp.Tickets == nil {
		resp.Tickets = []projections.TicketView{}
	}
	if next != "" {
		resp.NextCursor = &next
	}
	c.JSON(http.StatusOK, resp)
}

// listing reads what every list needs: the owner's id from the path, which the
// principal must be (others are told it does not exist), and ?limit=.
func listing(c *gin.Context, owner string, is func(Principal, uuid.UUID) bool) (uuid.UUID, int, bool) {
	id, err := pathID(c, "id")
	if err != nil {
		abort(c, err)
		return uuid.Nil, 0, false
	}
	if !is(principal(c), id) {
		abort(c, errNotFound(fmt.Sprintf("%s %s not found", owner, id)))
		return uuid.Nil, 0, false
	}
	var v domain.Validator
	limit := queryInt(&v, c, "limit", projections.DefaultPageSize, 1, projections.MaxPageSize)
	if err := v.Err(); err != nil {
		abort(c, err)
		return uuid.Nil, 0, false
	}
	return id, limit, true
}

// queryInt reads an optional integer query parameter within [lo, hi].
func queryInt(v *domain.Validator, c *gin.Context, name string, def, lo, hi int) int {
	raw, ok := c.GetQuery(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(raw)
	if !v.Check(err == nil && n >= lo && n <= hi, name, fmt.Sprintf("must be an integer between %d and %d", lo, hi)) {
		return def
	}
	return n
}
