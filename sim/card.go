package sim

import (
	"context"
	"strings"

	"github.com/jmoiron/sqlx"

	"gongji/domain"
	"gongji/external"
)

// Cards is the built-in card gateway. It accepts any token starting with
// tok_; tok_decline… is declined and tok_timeout… never answers (the call
// blocks until its context ends). Charges are kept in sim.card_charges so
// that retries and reversals are idempotent.
type Cards struct {
	DB     *sqlx.DB
	Faults *external.Faults
}

// cardCharge is a charge the gateway booked. A voided key (a reversal that
// came before any charge) has no token and a zero amount.
type cardCharge struct {
	Key    string        `db:"charge_key"`
	Token  string        `db:"card_token"`
	Amount domain.Amount `db:"amount"`
	Status string        `db:"status"`
}

// Charge captures the amount unless the token says otherwise.
func (c Cards) Charge(ctx context.Context, key, token string, amount domain.Amount) error {
	if err := c.Faults.Check(external.OpCardCharge); err != nil {
		return err
	}
	switch {
	case !strings.HasPrefix(token, "tok_"):
		return domain.Errorf(domain.CodeCardDeclined, "the card token is not one this gateway issued")
	case strings.HasPrefix(token, "tok_timeout"):
		<-ctx.Done()
		return ctx.Err()
	case strings.HasPrefix(token, "tok_decline"):
		if _, err := c.book(ctx, cardCharge{Key: key, Token: token, Amount: amount, Status: "declined"}); err != nil {
			return err
		}
		return domain.Errorf(domain.CodeCardDeclined, "the card was declined")
	}
	charge, err := c.book(ctx, cardCharge{Key: key, Token: token, Amount: amount, Status: "captured"})
	if err != nil {
		return err
	}
	if charge.Status != "captured" {
		return domain.Errorf(domain.CodeCardDeclined, "the charge is %s", charge.Status)
	}
	return nil
}

// Reverse undoes the charge booked under key (冲正): a captured charge
// becomes reversed; a key with no charge is recorded as voided, so that a
// charge request arriving after its reversal is declined, never captured;
// any other charge is left as it is. Repeating it changes nothing.
func (c Cards) Reverse(ctx context.Context, key string) error {
	if err := c.Faults.Check(external.OpCardReverse); err != nil {
		return err
	}
	const q = `
		INSERT INTO sim.card_charges (charge_key, status) VALUES ($1, 'voided')
		ON CONFLICT (charge_key) DO UPDATE SET status = 'reversed', updated_at = now()
			WHERE card_charges.status = 'captured'`
	_, err := c.DB.ExecContext(ctx, q, key)
	return err
}

// Refund moves a captured charge to refunded; it does nothing for an
// unknown key or one already moved.
func (c Cards) Refund(ctx context.Context, key string) error {
	if err := c.Faults.Check(external.OpCardRefund); err != nil {
		return err
	}
	_, err := c.DB.ExecContext(ctx, `UPDATE sim.card_charges SET status = 'refunded', updated_at = now() WHERE charge_key = $1 AND status = 'captured'`, key)
	return err
}

// book stores a charge once per key and returns the charge as stored (a
// repeat returns the first one, and a key voided by an earlier reversal
// stays voided).
func (c Cards) book(ctx context.Context, ch cardCharge) (cardCharge, error) {
	const q = `INSERT INTO sim.card_charges (charge_key, card_token, amount, status) VALUES ($1, $2, $3, $4)
		ON CONFLICT (charge_key) DO NOTHING`
	if _, err := c.DB.ExecContext(ctx, q, ch.Key, ch.Token, ch.Amount, ch.Status); err != nil {
		return cardCharge{}, err
	}
	var out cardCharge
	err := c.DB.GetContext(ctx, &out, `SELECT charge_key, COALESCE(card_token, '') AS card_token, COALESCE(amount, 0) AS amount, status
		FROM sim.card_charges WHERE charge_key = $1`, ch.Key)
	return out, err
}
