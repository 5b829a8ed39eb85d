package api

import (
	"time"

	"gongji/domain"
)

// bindingResponse is a binding as API.md describes it.
type bindingResponse struct {
	ID                  string             `json:"id"`
	HolderIDNumber      string             `json:"holder_id_number"`
	BeneficiaryIDNumber string             `json:"beneficiary_id_number"`
	Relation            string             `json:"relation"`
	Status              string             `json:"status"`
	Consent             string             `json:"consent"`
	AnnualLimit         *domain.Amount     `json:"annual_limit"`
	UsedThisYear        domain.Amount      `json:"used_this_year"`
	ValidFrom           domain.Date        `json:"valid_from"`
	ValidUntil          domain.Date        `json:"valid_until"`
	RequestedAt         time.Time          `json:"requested_at"`
	SubmittedAt         *time.Time         `json:"submitted_at"`
	Documents           []documentResponse `json:"documents"`
	History             []historyResponse  `json:"history"`
}

type documentResponse struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	SHA256     string    `json:"sha256"`
	Size       int64     `json:"size"`
	MediaType  string    `json:"media_type"`
	UploadedAt time.Time `json:"uploaded_at"`
}

type historyResponse struct {
	At     time.Time `json:"at"`
	Event  string    `json:"event"`
	By     string    `json:"by"`
	Reason string    `json:"reason"`
}

// toBindingResponse is the binding as read at the instant now: with its
// status at that instant (domain.Binding.StatusAt), so that a binding past
// its validity reads expired before its timer has fired.
func toBindingResponse(b domain.Binding, now time.Time) bindingResponse {
	out := bindingResponse{
		ID: b.ID, HolderIDNumber: string(b.Holder), BeneficiaryIDNumber: string(b.Beneficiary),
		Relation: string(b.Relation), Status: string(b.StatusAt(now)), Consent: string(b.Consent), AnnualLimit: b.Terms.AnnualLimit,
		UsedThisYear: b.UsedThisYear, ValidFrom: b.ValidFrom, ValidUntil: b.Terms.ValidUntil,
		RequestedAt: b.RequestedAt.In(domain.Beijing), Documents: []documentResponse{}, History: []historyResponse{},
	}
	if !b.SubmittedAt.IsZero() {
		at := b.SubmittedAt.In(domain.Beijing)
		out.SubmittedAt = &at
	}
	for _, d := range b.Documents {
		out.Documents = append(out.Documents, toDocumentResponse(d))
	}
	for _, h := range b.History {
		out.History = append(out.History, historyResponse{At: h.At.In(domain.Beijing), Event: h.Event, By: h.By, Reason: h.Reason})
	}
	return out
}

func toDocumentResponse(d domain.Document) documentResponse {
	return documentResponse{ID: d.ID, Kind: string(d.Kind), SHA256: d.SHA256, Size: d.Size, MediaType: d.MediaType, UploadedAt: d.At.In(domain.Beijing)}
}
