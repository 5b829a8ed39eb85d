package workflows

import "gongji/domain"

// Names of the premium payment workflow and its query.
const (
	PremiumWorkflowName = "PremiumPayment"
	QueryPremiumState   = "state"
)

// PremiumWorkflowID is premium:<payment id>.
func PremiumWorkflowID(paymentID string) string { return "premium:" + paymentID }

// premiumPostAttempts bounds the attempts to book a premium with the
// collection system; after them the payment is reversed.
const premiumPostAttempts = 5

// PremiumInput starts a PremiumPayment saga for a payment that passed the
// rules and is stored as processing.
type PremiumInput struct {
	PaymentID   string
	Holder      domain.IDNumber
	Beneficiary domain.IDNumber
	BindingID   string
	Year        int
	Amount      domain.Amount
}

// PremiumState is what the saga knows; the query "state" returns it.
type PremiumState struct {
	Status domain.PremiumPaymentStatus
	// Debited is set once the debit went through.
	Debited        bool
	RefusalCode    domain.Code
	RefusalMessage string
}
