package external

import (
	"context"
	"strings"

	"gongji/db"
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

// Operation names for CardSimulator faults.
const (
	OpCardCharge  = "card.charge"
	OpCardReverse = "card.reverse"
	OpCardRefund  = "card.refund"
)

// CardSimulator is the built-in gateway. It accepts any token starting
// with tok_; tok_decline… is declined and tok_timeout… never answers (the
// call blocks until its context ends). Charges are kept in PostgreSQL so
// that retries and reversals are idempotent.
type CardSimulator struct {
	Store  *db.Store
	Faults *Faults
}

// Charge captures the amount unless the token says otherwise.
func (c CardSimulator) Charge(ctx context.Context, key, token string, amount domain.Amount) error {
	if err := c.Faults.Check(OpCardCharge); err != nil {
		return err
	}
	switch {
	case !strings.HasPrefix(token, "tok_"):
		return domain.Errorf(domain.CodeCardDeclined, "the card token is not one this gateway issued")
	case strings.HasPrefix(token, "tok_timeout"):
		<-ctx.Done()
		return ctx.Err()
	case strings.HasPrefix(token, "tok_decline"):
		if _, err := c.Store.BookCardCharge(ctx, db.CardCharge{Key: key, Token: token, Amount: amount, Status: "declined"}); err != nil {
			return err
		}
		return domain.Errorf(domain.CodeCardDeclined, "the card was declined")
	}
	charge, err := c.Store.BookCardCharge(ctx, db.CardCharge{Key: key, Token: token, Amount: amount, Status: "captured"})
	if err != nil {
		return err
	}
	if charge.Status != "captured" {
		return domain.Errorf(domain.CodeCardDeclined, "the charge is %s", charge.Status)
	}
	return nil
}

// Reverse marks a captured charge reversed, and an unknown key voided: a
// charge request that arrives after its reversal then finds the key void
// and is declined, never captured.
func (c CardSimulator) Reverse(ctx context.Context, key string) error {
	if err := c.Faults.Check(OpCardReverse); err != nil {
		return err
	}
	_, err := c.Store.ReverseCardCharge(ctx, key)
	return err
}

// Refund marks a captured charge refunded.
func (c CardSimulator) Refund(ctx context.Context, key string) error {
	if err := c.Faults.Check(OpCardRefund); err != nil {
		return err
	}
	return c.Store.SetCardChargeStatus(ctx, key, "refunded")
}
