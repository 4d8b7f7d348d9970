package relay

import (
	"context"

	"github.com/orderflow/orderflow/integration"
)

// SetAfterAcks makes r run f once a batch is acknowledged, before its checkpoint commits.
func SetAfterAcks(r *Relay, f func(ctx context.Context, envelopes []integration.Envelope) error) {
	r.afterAcks = f
}
