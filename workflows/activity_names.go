package workflows

// The activities the workflows call, by the names the worker registers
// them under: the methods of activities.Bindings, BindingRepair,
// Settlements and Premiums. The workflows send and receive domain
// messages, so they need neither the activities nor the store. These names
// are in every recorded history: rename none.
const (
	ActivityRecordTransition    = "RecordTransition"
	ActivityRecordTerms         = "RecordTerms"
	ActivityRecordConsent       = "RecordConsent"
	ActivityNotifyHolder        = "NotifyHolder"
	ActivityCloseOrphanBindings = "CloseOrphanBindings"

	ActivitySettleFund          = "SettleFund"
	ActivityCancelFund          = "CancelFund"
	ActivityFindPayers          = "FindPayers"
	ActivityDebitSharedAccount  = "DebitSharedAccount"
	ActivityRefundSharedAccount = "RefundSharedAccount"
	ActivityAwaitTopup          = "AwaitTopup"
	ActivityChargeCard          = "ChargeCard"
	ActivityReverseCharge       = "ReverseCharge"
	ActivityRecordTopup         = "RecordTopup"
	ActivityRefundTopup         = "RefundTopup"
	ActivityFinishSettlement    = "FinishSettlement"
	ActivityMarkCancelled       = "MarkCancelled"

	ActivityDebitPremium         = "DebitPremium"
	ActivityRefundPremium        = "RefundPremium"
	ActivityPostPremium          = "PostPremium"
	ActivityCancelPremiumPosting = "CancelPremiumPosting"
	ActivityFinishPremiumPayment = "FinishPremiumPayment"
)
