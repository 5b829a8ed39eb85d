package external

import (
	"context"

	"gongji/domain"
)

// CardGateway charges bank cards for top-ups. Every call is idempotent on
// the charge key.
type CardGateway interface {
	// Charge captures amount from the card; a refusal is CARD_DECLINED.
	Charge(ctx context.Context, key, token string, amount domain.Amount) error
	// Reverse undoes a charge whose outcome is unknown (冲正). When the
	// charge never happened it records the key as void, and a charge that
	// reaches the gateway later under that key is refused.
	Reverse(ctx context.Context, key string) error
	// Refund pays a captured charge back.
	Refund(ctx context.Context, key string) error
}

// Operation names of the card gateway, for Faults.
const (
	OpCardCharge  = "card.charge"
	OpCardReverse = "card.reverse"
	OpCardRefund  = "card.refund"
)
