package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"gongji/domain"
)

// creditRounds is how many times every holder's account is credited
// during the stream, as the core system's monthly contributions (月度划入)
// would: without them the settlements empty the accounts by mid-stream and
// every later premium is refused for want of balance.
const creditRounds = 3

// credit is one contribution the run syncs to a holder's account.
type credit struct {
	holder    domain.IDNumber
	amount    string
	reference string
	// after is how many visits have started when it is posted.
	after int
}

// planCredits credits every holder 300.00 to 1500.00 at each quarter of
// the stream.
func planCredits(rng *rand.Rand, pop population, visits int) []credit {
	var out []credit
	for round := 1; round <= creditRounds; round++ {
		for _, h := range pop.holders {
			out = append(out, credit{holder: h, amount: cents(rng, 30000, 150000), reference: fmt.Sprintf("chaos-month-%d", round),
				after: visits * round / (creditRounds + 1)})
		}
	}
	return out
}

// postCredits posts each credit in its turn and returns how many were
// posted.
func postCredits(ctx context.Context, c *apiClient, admin string, credits []credit, started *atomic.Int64) (int, error) {
	for i, cr := range credits {
		for started.Load() < int64(cr.after) {
			select {
			case <-ctx.Done():
				return i, ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
		if _, err := c.expect(ctx, "POST", "/v1/persons/"+string(cr.holder)+"/account/entries", admin,
			map[string]any{"amount": cr.amount, "kind": "contribution", "reference": cr.reference}, 201); err != nil {
			return i, fmt.Errorf("credit %s %s: %w", cr.holder, cr.reference, err)
		}
	}
	return len(credits), nil
}
