package workflows

import (
	"time"

	"gongji/domain"
)

// Names of the settlement workflows and their messages.
const (
	SettlementWorkflowName       = "Settlement"
	SettlementCancelWorkflowName = "SettlementCancel"
	UpdateTopup                  = "topup"
	QuerySettlementState         = "state"
)

// SettlementWorkflowID is settlement:<institution code>:<visit no>, so a
// repeated request never settles twice.
func SettlementWorkflowID(institution domain.InstitutionCode, visitNo string) string {
	return "settlement:" + string(institution) + ":" + visitNo
}

// SettlementCancelWorkflowID names the cancellation of a settlement.
func SettlementCancelWorkflowID(institution domain.InstitutionCode, visitNo string) string {
	return "settlement-cancel:" + string(institution) + ":" + visitNo
}

// SettlementInput starts a Settlement saga for a bill that passed the
// eligibility rules.
type SettlementInput struct {
	SettlementID     string
	Institution      domain.InstitutionCode
	Patient          domain.IDNumber
	Insutype         domain.Insutype
	MedicalType      domain.MedicalType
	ServiceDate      domain.Date
	Total            domain.Amount
	Medical          domain.Amount
	NonMedical       domain.Amount
	UseFamilyAccount bool
	TopupMethod      domain.TopupMethod
	CardToken        string
	// TopupTimeout is how long the counter has to collect the top-up.
	TopupTimeout time.Duration
}

// SettlementState is what the saga knows; the query "state" returns it.
type SettlementState struct {
	Status           domain.SettlementStatus
	FundPay          domain.Amount
	FamilyAccountPay domain.Amount
	Payers           []PaidBy
	TopupDue         domain.Amount
	TopupPay         domain.Amount
	// CardAttempts numbers card charges, so each has its own key.
	CardAttempts int
}

// PaidBy is one binding that paid from its holder's account.
type PaidBy struct {
	BindingID string
	Holder    domain.IDNumber
	Amount    domain.Amount
}

// TopupRequest is the cashier's top-up: cash with a receipt, or a bank
// card token. Amount must equal what is due.
type TopupRequest struct {
	Method    domain.TopupMethod
	Amount    domain.Amount
	ReceiptNo string
	CardToken string
}

// CancelInput starts the cancellation (退费) of a completed settlement.
type CancelInput struct {
	SettlementID string
	Reason       string
	Payers       []PaidBy
}
