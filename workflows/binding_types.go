package workflows

import (
	"time"

	"gongji/domain"
)

// Names of the BindingLifecycle workflow and its messages; clients use
// them to reach a running binding.
const (
	BindingWorkflowName  = "BindingLifecycle"
	SignalTerminate      = "terminate"
	UpdateAddDocument    = "add_document"
	UpdateSubmit         = "submit"
	UpdateReview         = "review"
	UpdateChangeTerms    = "change_terms"
	UpdateUnbind         = "unbind"
	UpdateConsent        = "consent"
	QueryBindingState    = "state"
	bindingWorkflowIDPre = "binding:"
)

// BindingWorkflowID is the workflow id of a binding: binding:<id>.
func BindingWorkflowID(bindingID string) string { return bindingWorkflowIDPre + bindingID }

// Lifecycle policy: how long a request may wait for documents, and for
// its adult beneficiary's consent (from the request), and how early the
// holder is reminded of expiry.
const (
	LapseAfter     = 30 * 24 * time.Hour
	ConsentWithin  = 30 * 24 * time.Hour
	ReminderBefore = 7 * 24 * time.Hour
)

// BindingInput starts a BindingLifecycle. State is nil on the first run
// and carries everything forward on continue-as-new.
type BindingInput struct {
	BindingID   string
	Relation    domain.Relation
	Terms       domain.Terms
	RequestedAt time.Time
	// Consent is pending when the beneficiary must consent (16 or older on
	// the request day). Empty, as in inputs recorded before consent
	// existed, is not_required.
	Consent domain.Consent `json:",omitempty"`
	State   *BindingState  `json:",omitempty"`
}

// BindingState is what the workflow knows of its binding; the query
// "state" returns it.
type BindingState struct {
	Status domain.BindingStatus
	// Consent is the beneficiary's answer; empty in states carried before
	// consent existed, which is not_required.
	Consent domain.Consent `json:",omitempty"`
	// ConsentDueAt is when a pending consent lapses the request: 30 days
	// after it was made.
	ConsentDueAt time.Time `json:",omitzero"`
	Terms        domain.Terms
	// DocumentIDs are the documents uploaded so far (deduplicates retried
	// updates).
	DocumentIDs []string
	// DocumentsAtRequest is how many documents there were when a reviewer
	// asked for more; a new submission needs at least one beyond them.
	DocumentsAtRequest int
	// AwaitingSince starts the lapse clock: the request, the last upload or
	// the reviewer's request for more documents.
	AwaitingSince time.Time
	// ExpiresAt is the instant an active binding expires: the end of
	// Terms.ValidUntil in Beijing, fixed when the terms are set. A binding
	// imported with its state may carry its own instant. Zero for a
	// binding without an end, and in states written before the field: then
	// the end of Terms.ValidUntil holds.
	ExpiresAt time.Time `json:",omitzero"`
	// ReminderSentFor is the validity end the expiry reminder was sent for.
	ReminderSentFor domain.Date
	// EventSeq numbers the workflow's events; it makes activity keys unique
	// and deterministic across continue-as-new.
	EventSeq int
}

// expiry is when the binding expires if active; zero when it never does.
func (s BindingState) expiry() time.Time {
	switch {
	case s.Terms.ValidUntil.IsZero():
		return time.Time{}
	case !s.ExpiresAt.IsZero():
		return s.ExpiresAt
	}
	return s.Terms.ValidUntil.End()
}

// expiryOf is the instant terms end: the end of their last day in Beijing,
// or zero for a long-term binding.
func expiryOf(t domain.Terms) time.Time {
	if t.ValidUntil.IsZero() {
		return time.Time{}
	}
	return t.ValidUntil.End()
}

// Actor is who asked for a change: role and subject, from the API token.
type Actor struct {
	Role    domain.Role
	Subject string
}

func (a Actor) String() string { return string(a.Role) + ":" + a.Subject }

// DocumentAdded tells the workflow that a document was stored for the
// binding (an update, so that a submit sent after it always sees it).
type DocumentAdded struct {
	DocumentID string
}

// Termination signals that the binding must end: a death or a loss of
// cover recorded by the core-system sync.
type Termination struct {
	Reason string
	By     Actor
}

// A request's At is the instant the caller (the API) took it: the binding
// records it, so that the dates it stores (valid_from, the history) agree
// with the dates the caller checks. Zero in requests recorded before the
// field: then the workflow's own time holds.

// SubmitRequest is the holder's submission for review.
type SubmitRequest struct {
	By Actor
	At time.Time `json:",omitzero"`
}

// ReviewRequest is a reviewer's decision.
type ReviewRequest struct {
	By       Actor
	Decision domain.ReviewDecision
	Reason   string
	At       time.Time `json:",omitzero"`
}

// TermsRequest is the holder's change of limit or validity.
type TermsRequest struct {
	By    Actor
	Terms domain.Terms
	At    time.Time `json:",omitzero"`
}

// ConsentRequest is the beneficiary's answer to a binding that waits for
// their consent.
type ConsentRequest struct {
	By       Actor
	Decision domain.ConsentDecision
	At       time.Time `json:",omitzero"`
}

// UnbindRequest is the holder's unbinding.
type UnbindRequest struct {
	By     Actor
	Reason string
	At     time.Time `json:",omitzero"`
}
