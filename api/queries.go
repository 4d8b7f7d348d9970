package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/projections"
)

// OrderQueries reads the read models (package projections). Reads are eventually
// consistent: a client that just wrote can wait for its version with ?min_version=N.
type OrderQueries interface {
	GetOrder(ctx context.Context, id uuid.UUID) (projections.OrderView, error)
	// WaitForOrderVersion is only asked for orders the principal may see (get).
	WaitForOrderVersion(ctx context.Context, id uuid.UUID, minVersion int64, maxWait time.Duration) (projections.OrderView, error)
	ConsumerOrders(ctx context.Context, consumerID uuid.UUID, status order.Status, cursor string, limit int) ([]projections.OrderView, string, error)
	RestaurantTickets(ctx context.Context, restaurantID uuid.UUID, status kitchen.Status, limit int) ([]projections.TicketView, error)
}

// get serves an order's read model. Who may see it is its consumer, its restaurant
// and admins; anyone else is told it does not exist, in the same words as for an id
// that does not (orderNotFound), so ids cannot be probed.
//
// ?min_version=N waits (up to Limits.MaxVersionWait) for the read model to reach
// version N: how a client reads its own writes. The wait comes after authorization,
// which reads the write side (the order's stream, and its workflow for an order
// whose saga has not written yet), so that the consumer who has just placed an order
// may wait for it while nobody else can wait at all: another's order and a missing
// one are refused at once, and alike. The waits in progress are capped (Limits).
func (h orders) get(c *gin.Context) {
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
			abort(c, orderNotFound(id))
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
	owner, err := h.commands.Owner(c, id)
	if err != nil {
		abort(c, err)
		return
	}
	if !p.IsConsumer(owner.ConsumerID) && !p.IsRestaurant(owner.RestaurantID) {
		abort(c, orderNotFound(id))
		return
	}
	view, err := h.queries.WaitForOrderVersion(c, id, int64(minVersion), h.maxWait)
	if err != nil {
		abort(c, err)
		return
	}
	c.JSON(http.StatusOK, view)
}

// orderNotFound is how an order the principal may not see is refused: exactly as one
// that does not exist (projections.GetOrder's and app.Orders.Get's not-found error).
func orderNotFound(id uuid.UUID) error {
	return domain.Errorf(domain.CodeOrderNotFound, "order %s not found", id)
}

type historyResponse struct {
	Orders     []projections.OrderView `json:"orders"`
	NextCursor *string                 `json:"next_cursor"`
}

// history serves a consumer's orders, newest first: ?status=, ?cursor=, ?limit=.
func (h orders) history(c *gin.Context) {
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

// queue serves a restaurant's ticket queue: ?status=, ?limit=.
func (h tickets) queue(c *gin.Context) {
	id, limit, ok := listing(c, "restaurant", Principal.IsRestaurant)
	if !ok {
		return
	}
	list, err := h.queries.RestaurantTickets(c, id, kitchen.Status(c.Query("status")), limit)
	if err != nil {
		abort(c, err)
		return
	}
	if list == nil {
		list = []projections.TicketView{}
	}
	c.JSON(http.StatusOK, gin.H{"tickets": list})
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
