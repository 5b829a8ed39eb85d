package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"gongji/domain"
)

// bookedBy records whether each RecordTopup ran as an activity or as a
// local activity.
func bookedBy(h *sagaHarness) *[]string {
	var kinds []string
	h.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == "RecordTopup" {
			kinds = append(kinds, "activity")
		}
	})
	h.env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []any) {
		if info.ActivityType.Name == "RecordTopup" {
			kinds = append(kinds, "local")
		}
	})
	return &kinds
}

// A cash top-up arrives by an update in a workflow task a crash may lose;
// it must be booked by an activity scheduled in that task, never by a
// local activity whose booking would outlive the lost task.
func TestSettlement_CashTopupIsBookedByAnActivity(t *testing.T) {
	h := newSagaHarness(t)
	kinds := bookedBy(h)
	h.fundPay = amt("30.00")
	var u *updateOutcome
	h.at(time.Minute, func() { u = h.topup(cash("90.00", "R-0101")) })
	h.settle(bill("100.00", "20.00", false))

	requireSucceeded(t, u)
	require.Equal(t, []string{"activity"}, *kinds)
}

// A card given with the bill is booked after the charge's result is in the
// history, so a local activity is safe there.
func TestSettlement_CardTopupIsBookedByALocalActivity(t *testing.T) {
	h := newSagaHarness(t)
	kinds := bookedBy(h)
	h.fundPay = amt("80.00")
	h.withPayers(threePayers[:2], "50.00", "20.00")
	h.settle(withCard(bill("200.00", "0.00", true), "tok_visa_4242"))

	h.requireOutcome(domain.SettlementCompleted, "80.00", "70.00", "50.00", "", s0)
	require.Equal(t, []string{"local"}, *kinds)
}

// A saga started again (its last run ended before finishing, and the
// counter sent the settlement again) finds the top-up the earlier run
// collected and completes with it instead of asking the patient again.
func TestSettlement_StartedAgain_CompletesWithTheTopupAnEarlierRunCollected(t *testing.T) {
	h := newSagaHarness(t)
	h.fundPay = amt("80.00")
	h.withPayers(threePayers[:2], "50.00", "20.00")
	h.bookedTopup = amt("50.00")
	h.settle(withCard(bill("200.00", "0.00", true), "tok_visa_4242"))

	h.requireLog(steps(twoPayersPaid, "AwaitTopup 50.00", "FinishSettlement completed")...)
	require.Empty(t, h.charges, "the card must not be charged again")
	h.requireOutcome(domain.SettlementCompleted, "80.00", "70.00", "50.00", "", s0)
}
