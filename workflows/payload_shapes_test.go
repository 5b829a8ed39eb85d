package workflows_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"gongji/domain"
	. "gongji/workflows"
)

// activityMessages are the messages the workflows send each activity they
// schedule (not local ones: their inputs are not in the history).
var activityMessages = map[string]any{
	ActivityRecordTransition:     domain.BindingTransition{},
	ActivityRecordTerms:          domain.TermsChange{},
	ActivityRecordConsent:        domain.ConsentAnswer{},
	ActivityNotifyHolder:         domain.BindingNotice{},
	ActivityCloseOrphanBindings:  domain.RepairRequest{},
	ActivitySettleFund:           domain.FundClaim{},
	ActivityCancelFund:           domain.SettlementStep{},
	ActivityFindPayers:           domain.PayersQuery{},
	ActivityDebitSharedAccount:   domain.SharedAccountDebit{},
	ActivityRefundSharedAccount:  domain.SettlementStep{},
	ActivityAwaitTopup:           domain.TopupDue{},
	ActivityChargeCard:           domain.CardCharge{},
	ActivityReverseCharge:        "",
	ActivityRecordTopup:          domain.TopupRecord{},
	ActivityRefundTopup:          domain.SettlementStep{},
	ActivityFinishSettlement:     domain.SettlementOutcome{},
	ActivityMarkCancelled:        domain.CancelRecord{},
	ActivityDebitPremium:         domain.PremiumRef{},
	ActivityRefundPremium:        domain.PremiumRef{},
	ActivityPostPremium:          domain.PremiumPosting{},
	ActivityCancelPremiumPosting: domain.PremiumRef{},
	ActivityFinishPremiumPayment: domain.PremiumOutcome{},
}

// The recorded histories hold each activity's input as JSON. Decoded into
// today's message, with no field unknown, and encoded again, it must give
// the same JSON: a renamed or dropped field would change what a workflow
// running across a deploy hands its activities.
func TestPayloadShapes_RecordedActivityInputsAreTodaysMessages(t *testing.T) {
	files := historyFiles(t, "*.json")
	checked := map[string]int{}
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, e := range h.GetEvents() {
			if e.GetEventType() != enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED {
				continue
			}
			a := e.GetActivityTaskScheduledEventAttributes()
			name := a.GetActivityType().GetName()
			msg, ok := activityMessages[name]
			if !ok {
				t.Errorf("%s: activity %s has no message here", filepath.Base(file), name)
				continue
			}
			for _, p := range a.GetInput().GetPayloads() {
				recorded := p.GetData()
				v := reflect.New(reflect.TypeOf(msg))
				dec := json.NewDecoder(bytes.NewReader(recorded))
				dec.DisallowUnknownFields()
				if err := dec.Decode(v.Interface()); err != nil {
					t.Errorf("%s: %s input %s: %v", filepath.Base(file), name, recorded, err)
					continue
				}
				again, err := json.Marshal(v.Interface())
				if err != nil {
					t.Fatal(err)
				}
				if !sameJSON(t, recorded, again) {
					t.Errorf("%s: %s input\nrecorded %s\ntoday    %s", filepath.Base(file), name, recorded, again)
				}
				checked[name]++
			}
		}
	}
	t.Logf("inputs checked per activity: %v", checked)
	if len(checked) < 10 {
		t.Fatalf("checked the inputs of only %d activities: %v", len(checked), checked)
	}
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}
