package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/api/openapi"
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
func (h orderHandlers) GetOrder(c *gin.Context, id openapi.OrderID, params openapi.GetOrderParams) {
	var v domain.Validator
	minVersion := intParam(&v, "min_version", params.MinVersion, 0)
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
		c.JSON(http.StatusOK, toOrderView(view))
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
	view, err := h.queries.WaitForOrderVersion(ctx, id, minVersion, h.maxWait)
	switch {
	case errors.Is(err, projections.ErrVersionNotReached) && view.ID == id:
		c.Header(versionReachedHeader, "false")
		c.Header("Retry-After", versionRetryAfter)
		c.JSON(http.StatusOK, toOrderView(view))
	case errors.Is(err, projections.ErrVersionNotReached):
		c.Header(versionReachedHeader, "false")
		refuseFor(c, time.Second, errVersionNotReached(fmt.Sprintf(
			"the read model has not reached version %d of order %s yet: retry after the time in Retry-After", minVersion, id)))
	case err != nil:
		abort(c, err)
	default:
		c.Header(versionReachedHeader, "true")
		c.JSON(http.StatusOK, toOrderView(view))
	}
}

// toOrderView is the read model's order as api/openapi.yaml has it (OrderView).
func toOrderView(v projections.OrderView) openapi.OrderView {
	out := openapi.OrderView{ID: v.ID, Status: openapi.OrderStatus(v.Status), ConsumerID: v.ConsumerID,
		RestaurantID: v.RestaurantID, Items: toOrderItems(v.Items), TotalCents: v.TotalCents, Currency: v.Currency,
		RejectionReason: optional(string(v.RejectionReason)), Version: v.Version, UpdatedAt: v.UpdatedAt,
		RejectionDetail: optional(v.RejectionDetail), CancelReason: optional(v.CancelReason), CreatedAt: v.CreatedAt}
	out.DeliveryAddress.Street, out.DeliveryAddress.City, out.DeliveryAddress.Zip =
		v.DeliveryAddress.Street, v.DeliveryAddress.City, v.DeliveryAddress.Zip
	if r := v.PendingRevision; r != nil {
		out.PendingRevision = &openapi.PendingRevision{Items: toOrderItems(r.Items), TotalCents: r.TotalCents}
	}
	if r := v.LastRefusal; r != nil {
		refusal := alloc(&out.LastRefusal)
		refusal.Change, refusal.Reason, refusal.Detail =
			openapi.OrderViewLastRefusalChange(r.Change), openapi.ErrorCode(r.Reason), optional(r.Detail)
	}
	if a := v.Attention; a != nil {
		attention := alloc(&out.Attention)
		attention.Was, attention.Saga, attention.Step, attention.Reason, attention.Detail =
			openapi.OrderStatus(a.Was), a.Saga, a.Step, openapi.ErrorCode(a.Reason), optional(a.Detail)
	}
	return out
}

func toOrderItems(items []projections.OrderItem) []openapi.OrderItem {
	out := make([]openapi.OrderItem, len(items))
	for i, it := range items {
		out[i] = openapi.OrderItem{MenuItemID: it.MenuItemID, Name: it.Name, Quantity: it.Quantity,
			UnitPriceCents: it.UnitPriceCents, TotalCents: it.TotalCents}
	}
	return out
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

// ListConsumerOrders serves a consumer's orders, newest first: ?status=, ?cursor=,
// ?limit=.
func (h orderHandlers) ListConsumerOrders(c *gin.Context, id openapi.ConsumerID, params openapi.ListConsumerOrdersParams) {
	limit, ok := listing(c, id, "consumer", Principal.IsConsumer, params.Limit)
	if !ok {
		return
	}
	list, next, err := h.queries.ConsumerOrders(c, id, order.Status(deref(params.Status)), deref(params.Cursor), limit)
	if err != nil {
		abort(c, err)
		return
	}
	resp := openapi.OrderHistory{Orders: make([]openapi.OrderView, len(list)), NextCursor: optional(next)}
	for i, o := range list {
		resp.Orders[i] = toOrderView(o)
	}
	c.JSON(http.StatusOK, resp)
}

// ListRestaurantTickets serves a restaurant's tickets, the queue then the history:
// ?status=, ?cursor=, ?limit=.
func (h ticketHandlers) ListRestaurantTickets(c *gin.Context, id openapi.RestaurantID, params openapi.ListRestaurantTicketsParams) {
	limit, ok := listing(c, id, "restaurant", Principal.IsRestaurant, params.Limit)
	if !ok {
		return
	}
	list, next, err := h.queries.RestaurantTickets(c, id, kitchen.Status(deref(params.Status)), deref(params.Cursor), limit)
	if err != nil {
		abort(c, err)
		return
	}
	resp := openapi.TicketQueue{Tickets: make([]openapi.TicketView, len(list)), NextCursor: optional(next)}
	for i, t := range list {
		resp.Tickets[i] = toTicketView(t)
	}
	c.JSON(http.StatusOK, resp)
}

// toTicketView is the read model's ticket as api/openapi.yaml has it (TicketView).
func toTicketView(v projections.TicketView) openapi.TicketView {
	out := openapi.TicketView{ID: v.ID, OrderID: v.OrderID, RestaurantID: v.RestaurantID,
		Status: openapi.TicketStatus(v.Status), Items: make([]openapi.TicketItem, len(v.Items)),
		RejectReason: optional(string(v.RejectReason)), CancelReason: optional(string(v.CancelReason)),
		Version: v.Version, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
	for i, it := range v.Items {
		out.Items[i] = openapi.TicketItem{MenuItemID: it.MenuItemID, Name: it.Name, Quantity: it.Quantity}
	}
	return out
}

// listing checks what every list needs: that the principal is the owner id (others
// are told it does not exist), and ?limit= in its range.
func listing(c *gin.Context, id uuid.UUID, owner string, is func(Principal, uuid.UUID) bool, limit *int) (int, bool) {
	if !is(principal(c), id) {
		abort(c, errNotFound(fmt.Sprintf("%s %s not found", owner, id)))
		return 0, false
	}
	var v domain.Validator
	n := intParam(&v, "limit", limit, projections.DefaultPageSize)
	if err := v.Err(); err != nil {
		abort(c, err)
		return 0, false
	}
	return n, true
}

// intRange is the range of an integer query parameter, as api/openapi.yaml has it.
type intRange struct{ lo, hi int64 }

func (r intRange) must() string {
	return fmt.Sprintf("must be an integer between %d and %d", r.lo, r.hi)
}

// intParams are the integer query parameters of the API, by name: one that is not an
// integer is refused by the generated wrapper (parameterError), one out of its range
// by its handler (intParam), in the same words.
var intParams = map[string]intRange{
	"limit":       {1, projections.MaxPageSize},
	"min_version": {0, 1 << 62},
}

// intParam is the value of the optional integer query parameter name, or def when it
// is absent; a value out of its range (intParams) is added to v.
func intParam[T int | int64](v *domain.Validator, name string, value *T, def T) T {
	if value == nil {
		return def
	}
	r := intParams[name]
	if !v.Check(int64(*value) >= r.lo && int64(*value) <= r.hi, name, r.must()) {
		return def
	}
	return *value
}
