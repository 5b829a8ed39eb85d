package worker

import (
	"reflect"
	"runtime"
	"strings"
	"testing"

	"gongji/activities"
	"gongji/domain"
	"gongji/workflows"
)

// The workflows call activities by name with domain messages; the worker
// registers the methods of the activities structs under their method
// names. Each name the workflows use must be a method taking the message
// the workflows send, and every activity method must have its name.
func TestActivityNames_MatchTheRegisteredMethodsAndTheirMessages(t *testing.T) {
	for _, a := range []struct {
		name   string
		method any
		in     any // the message the workflows send
	}{
		{workflows.ActivityRecordTransition, (*activities.Bindings).RecordTransition, domain.BindingTransition{}},
		{workflows.ActivityRecordTerms, (*activities.Bindings).RecordTerms, domain.TermsChange{}},
		{workflows.ActivityRecordConsent, (*activities.Bindings).RecordConsent, domain.ConsentAnswer{}},
		{workflows.ActivityNotifyHolder, (*activities.Bindings).NotifyHolder, domain.BindingNotice{}},
		{workflows.ActivityCloseOrphanBindings, (*activities.BindingRepair).CloseOrphanBindings, domain.RepairRequest{}},
		{workflows.ActivitySettleFund, (*activities.Settlements).SettleFund, domain.FundClaim{}},
		{workflows.ActivityCancelFund, (*activities.Settlements).CancelFund, domain.SettlementStep{}},
		{workflows.ActivityFindPayers, (*activities.Settlements).FindPayers, domain.PayersQuery{}},
		{workflows.ActivityDebitSharedAccount, (*activities.Settlements).DebitSharedAccount, domain.SharedAccountDebit{}},
		{workflows.ActivityRefundSharedAccount, (*activities.Settlements).RefundSharedAccount, domain.SettlementStep{}},
		{workflows.ActivityAwaitTopup, (*activities.Settlements).AwaitTopup, domain.TopupDue{}},
		{workflows.ActivityChargeCard, (*activities.Settlements).ChargeCard, domain.CardCharge{}},
		{workflows.ActivityReverseCharge, (*activities.Settlements).ReverseCharge, ""},
		{workflows.ActivityRecordTopup, (*activities.Settlements).RecordTopup, domain.TopupRecord{}},
		{workflows.ActivityRefundTopup, (*activities.Settlements).RefundTopup, domain.SettlementStep{}},
		{workflows.ActivityFinishSettlement, (*activities.Settlements).FinishSettlement, domain.SettlementOutcome{}},
		{workflows.ActivityMarkCancelled, (*activities.Settlements).MarkCancelled, domain.CancelRecord{}},
		{workflows.ActivityDebitPremium, (*activities.Premiums).DebitPremium, domain.PremiumRef{}},
		{workflows.ActivityRefundPremium, (*activities.Premiums).RefundPremium, domain.PremiumRef{}},
		{workflows.ActivityPostPremium, (*activities.Premiums).PostPremium, domain.PremiumPosting{}},
		{workflows.ActivityCancelPremiumPosting, (*activities.Premiums).CancelPremiumPosting, domain.PremiumRef{}},
		{workflows.ActivityFinishPremiumPayment, (*activities.Premiums).FinishPremiumPayment, domain.PremiumOutcome{}},
	} {
		fn := runtime.FuncForPC(reflect.ValueOf(a.method).Pointer()).Name()
		if method := fn[strings.LastIndex(fn, ".")+1:]; method != a.name {
			t.Errorf("activity name %q is method %s", a.name, method)
		}
		// The method expression's arguments: the receiver, the context, the message.
		if got := reflect.TypeOf(a.method).In(2); got != reflect.TypeOf(a.in) {
			t.Errorf("%s takes %s; the workflows send %T", a.name, got, a.in)
		}
	}
	methods := 0
	for _, s := range []any{&activities.Bindings{}, &activities.BindingRepair{}, &activities.Settlements{}, &activities.Premiums{}} {
		methods += reflect.TypeOf(s).NumMethod()
	}
	if methods != 22 {
		t.Errorf("the activities structs have %d methods, the workflows name 22: give the new ones a name in workflows/activity_names.go", methods)
	}
}
