package order_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/domaintest"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/order"
)

func TestEveryOrderCanNeedAttentionOnce(t *testing.T) {
	for status, history := range histories {
		t.Run(string(status), func(t *testing.T) {
			got, err := order.RequireAttention(order.Fold(history...), "CancelOrder", "ReverseCard", domain.CodeAccountNotFound, "account not found")
			switch status {
			case "":
				require.ErrorIs(t, err, domain.ErrOrderNotFound)
			case order.StatusNeedsAttention:
				require.NoError(t, err)
				require.Empty(t, got, "the first cause is kept")
			default:
				require.NoError(t, err)
				want := attention
				want.Status = status
				require.Equal(t, []event.Event{want}, got)
			}
		})
	}
}

func TestAttentionIsFoldedAndResolved(t *testing.T) {
	s := order.Fold(histories[order.StatusNeedsAttention]...)
	require.Equal(t, order.StatusNeedsAttention, s.Status)
	require.Equal(t, &order.Attention{Was: order.StatusCancelPending, Saga: "CancelOrder", Step: "ReverseCard",
		Reason: domain.CodeAccountNotFound, Detail: "account not found"}, s.Attention)
	require.False(t, s.Status.Terminal(), "an operator resolves it")

	got, err := order.ResolveAttention(s, order.StatusCanceled, " refunded by hand ")
	require.NoError(t, err)
	require.Equal(t, []event.Event{order.OrderAttentionResolved{OrderID: s.ID, Status: order.StatusCanceled, Note: "refunded by hand"}}, got)
	resolved := order.Fold(append(histories[order.StatusNeedsAttention], got...)...)
	require.Equal(t, order.StatusCanceled, resolved.Status)
	require.Nil(t, resolved.Attention)
}

func TestOnlyAnOrderNeedingAttentionIsResolved(t *testing.T) {
	for status, history := range histories {
		if status == order.StatusNeedsAttention {
			continue
		}
		_, err := order.ResolveAttention(order.Fold(history...), order.StatusCanceled, "note")
		if status == "" {
			require.ErrorIs(t, err, domain.ErrOrderNotFound)
			continue
		}
		require.ErrorIs(t, err, domain.ErrInvalidStateTransition, status)
	}
}

func TestAResolutionNeedsAStableStatusAndANote(t *testing.T) {
	s := order.Fold(histories[order.StatusNeedsAttention]...)
	_, err := order.ResolveAttention(s, order.StatusCancelPending, "note")
	require.Equal(t, []domain.FieldError{{Field: "status", Message: "must be one of APPROVED, REJECTED, CANCELED, SHIPPED, DELIVERED"}}, domaintest.FieldsOf(t, err))
	_, err = order.ResolveAttention(s, order.StatusCanceled, "  ")
	require.ErrorIs(t, err, domain.ErrValidation)
}
