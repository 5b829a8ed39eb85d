package api

import (
	"time"

	"gongji/db"
	"gongji/domain"
)

// settlementResponse is a settlement as API.md describes it, with the
// national interface's names for its amounts alongside.
type settlementResponse struct {
	ID               string           `json:"id"`
	VisitNo          string           `json:"visit_no"`
	InstitutionCode  string           `json:"institution_code"`
	PatientIDNumber  string           `json:"patient_id_number"`
	MedicalType      string           `json:"medical_type"`
	MedType          string           `json:"med_type"`
	ServiceDate      domain.Date      `json:"service_date"`
	Status           string           `json:"status"`
	Total            domain.Amount    `json:"total"`
	FundPay          domain.Amount    `json:"fund_pay"`
	FamilyAccountPay domain.Amount    `json:"family_account_pay"`
	TopupPay         domain.Amount    `json:"topup_pay"`
	TopupDue         domain.Amount    `json:"topup_due"`
	Payers           []payerResponse  `json:"payers"`
	Refusal          *refusalResponse `json:"refusal,omitempty"`
	Steps            []stepResponse   `json:"steps"`
	National         nationalAmounts  `json:"national"`
	CreatedAt        time.Time        `json:"created_at"`
}

type payerResponse struct {
	BindingID      string        `json:"binding_id"`
	HolderIDNumber string        `json:"holder_id_number"`
	Amount         domain.Amount `json:"amount"`
	Refunded       bool          `json:"refunded"`
}

type refusalResponse struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type stepResponse struct {
	At      time.Time      `json:"at"`
	Step    string         `json:"step"`
	Outcome string         `json:"outcome"`
	Detail  string         `json:"detail"`
	Amount  *domain.Amount `json:"amount"`
}

// nationalAmounts names the amounts as the national settlement interface
// (2207/2102/2304 output) does, for institutions' HIS integrations.
type nationalAmounts struct {
	MedfeeSumamt  domain.Amount `json:"medfee_sumamt"`
	FundPaySumamt domain.Amount `json:"fund_pay_sumamt"`
	AcctMulaidPay domain.Amount `json:"acct_mulaid_pay"`
	PsnCashPay    domain.Amount `json:"psn_cash_pay"`
}

func toSettlementResponse(s db.Settlement) settlementResponse {
	out := settlementResponse{
		ID: s.ID, VisitNo: s.VisitNo, InstitutionCode: s.Institution, PatientIDNumber: s.Patient,
		MedicalType: s.MedicalType, MedType: domain.MedicalType(s.MedicalType).MedTypeCode(), ServiceDate: s.ServiceDate,
		Status: string(s.Status), Total: s.Total, FundPay: s.FundPay, FamilyAccountPay: s.FamilyAccountPay,
		TopupPay: s.TopupPay, TopupDue: s.TopupDue, Payers: []payerResponse{}, Steps: []stepResponse{},
		National:  nationalAmounts{MedfeeSumamt: s.Total, FundPaySumamt: s.FundPay, AcctMulaidPay: s.FamilyAccountPay, PsnCashPay: s.TopupPay},
		CreatedAt: s.CreatedAt.In(domain.Beijing),
	}
	if s.RefusalCode.Valid {
		out.Refusal = &refusalResponse{Code: s.RefusalCode.String, Message: s.RefusalMessage.String}
	}
	for _, p := range s.Payers {
		out.Payers = append(out.Payers, payerResponse{BindingID: p.BindingID, HolderIDNumber: p.Holder, Amount: p.Amount, Refunded: p.Refunded})
	}
	for _, st := range s.Steps {
		out.Steps = append(out.Steps, stepResponse{At: st.At.In(domain.Beijing), Step: st.Step, Outcome: st.Outcome, Detail: st.Detail, Amount: st.Amount})
	}
	return out
}
