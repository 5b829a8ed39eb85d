package domain

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// BindingStatus is where a binding (共济关系) stands in its lifecycle.
type BindingStatus string

// Binding statuses.
const (
	BindingAwaitingDocuments BindingStatus = "awaiting_documents"
	BindingUnderReview       BindingStatus = "under_review"
	BindingActive            BindingStatus = "active"
	BindingRejected          BindingStatus = "rejected"
	BindingLapsed            BindingStatus = "lapsed"
	BindingExpired           BindingStatus = "expired"
	BindingUnbound           BindingStatus = "unbound"
	BindingTerminated        BindingStatus = "terminated"
	// BindingDeclined ends a binding its adult beneficiary refused.
	BindingDeclined BindingStatus = "declined"
)

// ParseBindingStatus accepts every binding status.
func ParseBindingStatus(s string) (BindingStatus, error) {
	switch st := BindingStatus(s); st {
	case BindingAwaitingDocuments, BindingUnderReview, BindingActive, BindingRejected,
		BindingLapsed, BindingExpired, BindingUnbound, BindingTerminated, BindingDeclined:
		return st, nil
	}
	return "", EnumError("status", s, "awaiting_documents", "under_review", "active", "rejected",
		"lapsed", "expired", "unbound", "terminated", "declined")
}

// IsLive reports whether the binding still counts as the pair's one live
// binding: awaiting documents, under review or active.
func (s BindingStatus) IsLive() bool {
	return s == BindingAwaitingDocuments || s == BindingUnderReview || s == BindingActive
}

// IsFinal reports whether the binding has ended for good.
func (s BindingStatus) IsFinal() bool { return !s.IsLive() }

// LiveBindingStatuses lists the live statuses.
var LiveBindingStatuses = []BindingStatus{BindingAwaitingDocuments, BindingUnderReview, BindingActive}

// Terms are what the holder grants: a yearly limit (nil for none: the
// balance is then the only bound) and a last valid day (zero for
// long-term, valid until unbound).
type Terms struct {
	AnnualLimit *Amount
	ValidUntil  Date
}

// ValidateTerms checks terms set on the given day: a limit is not negative
// and a validity end is not already past.
func ValidateTerms(t Terms, today Date) error {
	if t.AnnualLimit != nil && t.AnnualLimit.IsNegative() {
		return Errorf(CodeInvalidAmount, "annual_limit must not be negative")
	}
	if !t.ValidUntil.IsZero() && t.ValidUntil.Before(today) {
		return Errorf(CodeValidUntilInPast, "valid_until %s is already past", t.ValidUntil)
	}
	return nil
}

// DocumentKind is a kind of relationship proof.
type DocumentKind string

// Relationship proofs.
const (
	DocumentHouseholdRegister   DocumentKind = "household_register"
	DocumentBirthCertificate    DocumentKind = "birth_certificate"
	DocumentMarriageCertificate DocumentKind = "marriage_certificate"
	DocumentKinshipCertificate  DocumentKind = "kinship_certificate"
)

// ParseDocumentKind accepts the four kinds of proof.
func ParseDocumentKind(s string) (DocumentKind, error) {
	switch k := DocumentKind(s); k {
	case DocumentHouseholdRegister, DocumentBirthCertificate, DocumentMarriageCertificate, DocumentKinshipCertificate:
		return k, nil
	}
	return "", EnumError("kind", s, "household_register", "birth_certificate", "marriage_certificate", "kinship_certificate")
}

// MaxDocumentSize is the largest proof file accepted: 10 MiB.
const MaxDocumentSize = 10 << 20

// DocumentMediaTypes are the media types a proof may have, as sniffed from
// its content.
var DocumentMediaTypes = []string{"image/jpeg", "image/png", "application/pdf"}

// ReviewDecision is a reviewer's decision on a binding under review.
type ReviewDecision string

// Review decisions.
const (
	DecisionApprove          ReviewDecision = "approve"
	DecisionReject           ReviewDecision = "reject"
	DecisionRequestDocuments ReviewDecision = "request_documents"
)

// ParseReviewDecision accepts approve, reject and request_documents.
func ParseReviewDecision(s string) (ReviewDecision, error) {
	switch d := ReviewDecision(s); d {
	case DecisionApprove, DecisionReject, DecisionRequestDocuments:
		return d, nil
	}
	return "", EnumError("decision", s, "approve", "reject", "request_documents")
}

// Binding is a holder's grant to one family member, as the read model
// holds it.
type Binding struct {
	ID          string
	Holder      IDNumber
	Beneficiary IDNumber
	Relation    Relation
	Status      BindingStatus
	// Consent is the beneficiary's agreement (not_required under 16).
	Consent Consent
	Terms   Terms
	// ValidFrom is the day the binding became active (zero before).
	ValidFrom   Date
	RequestedAt time.Time
	// SubmittedAt is when it was first submitted for review (zero before).
	SubmittedAt  time.Time
	UsedThisYear Amount
	Documents    []Document
	History      []HistoryEntry
}

// Document is a stored relationship proof, without its content.
type Document struct {
	ID         string
	BindingID  string
	Kind       DocumentKind
	MediaType  string
	Size       int64
	SHA256     string
	UploadedBy string
	At         time.Time
}

// HistoryEntry is one event in a binding's life: when, what, by whom
// (role:subject, or "system" for timers) and why.
type HistoryEntry struct {
	At     time.Time
	Event  string
	By     string
	Reason string
}

// maxReasonRunes bounds a free-text reason.
const maxReasonRunes = 500

// ValidateReason checks a reviewer's or holder's reason: required when
// asked for, at most 500 characters of valid UTF-8, and no control
// characters other than line feed and tab (a NUL byte, for one, cannot be
// stored in PostgreSQL text).
func ValidateReason(reason string, required bool) error {
	field := map[string]any{"field": "reason"}
	if required && strings.TrimSpace(reason) == "" {
		return Errorf(CodeInvalidRequest, "a reason is required for this decision").WithDetails(field)
	}
	if !utf8.ValidString(reason) || utf8.RuneCountInString(reason) > maxReasonRunes {
		return Errorf(CodeInvalidRequest, "reason must be at most %d characters", maxReasonRunes).WithDetails(field)
	}
	if strings.ContainsFunc(reason, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) {
		return Errorf(CodeInvalidRequest, "reason must not contain control characters other than line feed and tab").WithDetails(field)
	}
	return nil
}
