package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"gongji/domain"
)

// premium is a year's resident premium as GET /v1/premiums/{year} answers.
type premium struct {
	Year   int    `json:"year"`
	Amount string `json:"amount"`
}

// premiumYears reads the premiums of this year and the next (the months
// before a year are when its premium is collected); a year without one
// is left out.
func premiumYears(ctx context.Context, c *apiClient, token string, today domain.Date) ([]premium, error) {
	var out []premium
	for _, y := range []int{today.Year, today.Year + 1} {
		a, err := c.do(ctx, "GET", fmt.Sprintf("/v1/premiums/%d", y), token, nil, "")
		if err != nil {
			return nil, err
		}
		switch {
		case a.status == 200:
			var p premium
			if err := a.decode(&p); err != nil {
				return nil, err
			}
			out = append(out, p)
		case a.status == 404 && a.code() == string(domain.CodePremiumNotFound):
		default:
			return nil, fmt.Errorf("GET /v1/premiums/%d: %d %s", y, a.status, a.body)
		}
	}
	return out, nil
}

// repeat is how a premium payment is sent more than once with its
// Idempotency-Key.
type repeat int

const (
	repeatNone   repeat = iota
	repeatAfter         // sent again once answered, as an app retrying
	repeatAtOnce        // sent twice at the same moment, as a double tap
	repeatCount
)

var repeatNames = [repeatCount]string{"once", "again once answered", "twice at once"}

// premiumPlan is one premium payment the run sends: a holder pays a bound
// child's premium of a year from the shared account.
type premiumPlan struct {
	holder, beneficiary domain.IDNumber
	premium             premium
	// after is how many visits have started when it is sent.
	after  int
	repeat repeat
	// counterBooked has the collection system know the premium as paid
	// already (at a tax office counter, say), so the saga must reverse.
	counterBooked bool
}

func (p premiumPlan) key() string {
	return fmt.Sprintf("chaos-premium-%s-%d", p.beneficiary, p.premium.Year)
}

func (p premiumPlan) body() map[string]any {
	return map[string]any{"beneficiary_id_number": string(p.beneficiary), "year": p.premium.Year, "amount": p.premium.Amount}
}

// planPremiums has three in four (child, year) pairs paid, by one of the
// child's holders drawn at random, at a random point of a stream of
// visits.
func planPremiums(rng *rand.Rand, pop population, years []premium, visits int) []premiumPlan {
	var out []premiumPlan
	for _, pt := range pop.patients {
		for _, y := range years {
			if rng.IntN(4) == 0 {
				continue
			}
			p := premiumPlan{holder: pt.payers[rng.IntN(len(pt.payers))].holder, beneficiary: pt.id, premium: y,
				after: rng.IntN(visits), counterBooked: rng.IntN(10) == 0}
			switch n := rng.IntN(10); {
			case n < 3:
				p.repeat = repeatAfter
			case n < 5:
				p.repeat = repeatAtOnce
			}
			out = append(out, p)
		}
	}
	return out
}

// bookAtCounter records the counter-booked premiums with the built-in
// collection system before the stream starts.
func bookAtCounter(ctx context.Context, conn *sqlx.DB, plans []premiumPlan) error {
	for _, p := range plans {
		if !p.counterBooked {
			continue
		}
		if _, err := conn.ExecContext(ctx, `INSERT INTO sim.premium_postings (payment_id, beneficiary_id_number, year, amount, status)
			VALUES ($1, $2, $3, $4, 'posted')`, "counter-"+p.key(), p.beneficiary, p.premium.Year, p.premium.Amount); err != nil {
			return fmt.Errorf("book %s at the counter: %w", p.key(), err)
		}
	}
	return nil
}

// premiumPayment is a premium payment as the API answers it.
type premiumPayment struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Amount  string `json:"amount"`
	Refusal *struct {
		Code string `json:"code"`
	} `json:"refusal"`
}

// premiumResult is what the client saw of one premium payment.
type premiumResult struct {
	plan premiumPlan
	// refused is the code of a 4xx answer to the payment; then there is
	// no payment.
	refused string
	// ids are the payment ids the API answered for the key.
	ids   map[string]bool
	final premiumPayment
	// inProgress counts repeats answered IDEMPOTENCY_IN_PROGRESS.
	inProgress int
	err        error
}

// premiumRefusals are the answers a payment may get when it is not
// taken: the balance or the limit does not cover it (settlements took
// it), or the holder no longer may pay (a change of the run).
var premiumRefusals = map[string]bool{
	string(domain.CodeInsufficientBalance): true, string(domain.CodeLimitExceeded): true, string(domain.CodeNoActiveBinding): true,
	string(domain.CodeHolderDeceased): true, string(domain.CodeHolderNotInPrefecture): true,
	string(domain.CodeHolderInsuranceNotNormal): true, string(domain.CodeHolderNotEmployeeInsured): true,
}

// runPremium sends one premium payment (and its repeats, all with one
// Idempotency-Key) and follows it to its end.
func runPremium(ctx context.Context, c *apiClient, token string, p premiumPlan) (r premiumResult) {
	r = premiumResult{plan: p, ids: map[string]bool{}}
	var mu sync.Mutex
	post := func() (premiumPayment, answer, error) {
		for {
			a, err := c.doKeyed(ctx, "POST", "/v1/premium-payments", token, p.key(), p.body())
			if err != nil {
				return premiumPayment{}, a, err
			}
			if a.status == 409 && a.code() == string(domain.CodeIdempotencyInProgress) {
				mu.Lock()
				r.inProgress++
				mu.Unlock()
				time.Sleep(time.Second)
				continue
			}
			var pp premiumPayment
			if a.status == 201 || a.status == 202 {
				err = a.decode(&pp)
				mu.Lock()
				r.ids[pp.ID] = true
				mu.Unlock()
			}
			return pp, a, err
		}
	}
	var (
		pp  premiumPayment
		a   answer
		err error
	)
	if p.repeat == repeatAtOnce {
		var wg sync.WaitGroup
		var errs [2]error
		var answers [2]answer
		var pays [2]premiumPayment
		for i := range 2 {
			wg.Go(func() { pays[i], answers[i], errs[i] = post() })
		}
		wg.Wait()
		pp, a, err = pays[0], answers[0], errs[0]
		if err == nil && (answers[1].status != a.status || errs[1] != nil) {
			err = fmt.Errorf("one key sent twice at once answered %d and %d (%v)", a.status, answers[1].status, errs[1])
		}
	} else {
		pp, a, err = post()
	}
	if err != nil {
		r.err = err
		return r
	}
	switch {
	case a.status == 201 || a.status == 202:
	case a.status >= 400 && a.status < 500 && premiumRefusals[a.code()]:
		r.refused = a.code()
		return r
	default:
		r.err = fmt.Errorf("POST /v1/premium-payments %s: %d %s", p.key(), a.status, a.body)
		return r
	}
	if p.repeat == repeatAfter {
		again, b, err := post()
		if err == nil && (b.status != a.status || again.ID != pp.ID) {
			err = fmt.Errorf("sent again: %d %s, first %d %s", b.status, b.body, a.status, pp.ID)
		}
		if err != nil {
			r.err = err
			return r
		}
	}
	for pp.Status == "processing" {
		time.Sleep(250 * time.Millisecond)
		a, err := c.expect(ctx, "GET", "/v1/premium-payments/"+pp.ID, token, nil, 200)
		if err == nil {
			err = a.decode(&pp)
		}
		if err != nil {
			r.err = err
			return r
		}
	}
	r.final = pp
	return r
}

// checkPremiums lists what the client saw that must not happen: a payment
// not followed to its end, one key answered with two payments, a
// reversal without a reason, a premium booked at the counter taken again.
func checkPremiums(results []premiumResult) []string {
	var out []string
	for _, r := range results {
		name := "premium " + r.plan.key()
		switch {
		case r.err != nil:
			out = append(out, fmt.Sprintf("%s: %v", name, r.err))
		case r.refused != "":
		case len(r.ids) != 1:
			out = append(out, fmt.Sprintf("%s: one Idempotency-Key answered with %d payments", name, len(r.ids)))
		case r.final.Status == "reversed" && (r.final.Refusal == nil || r.final.Refusal.Code == ""):
			out = append(out, fmt.Sprintf("%s: reversed without a refusal code", name))
		case r.plan.counterBooked && r.final.Status == "completed":
			out = append(out, fmt.Sprintf("%s: booked at the counter, and completed again", name))
		case r.final.Status != "completed" && r.final.Status != "reversed":
			out = append(out, fmt.Sprintf("%s: ended %q", name, r.final.Status))
		}
	}
	return out
}
