package domain

import "time"

// The messages the binding workflows hand their activities. Their field
// names are the JSON of recorded workflow histories: rename none.

// BindingTransition is one status change of a binding, as the workflow
// records it. EventKey makes it idempotent.
type BindingTransition struct {
	BindingID string
	From      []BindingStatus
	To        BindingStatus
	Event     string
	By        string
	Reason    string
	At        time.Time
	EventKey  string
}

// TermsChange is a holder's change of limit or validity. EventKey makes
// it idempotent.
type TermsChange struct {
	BindingID string
	Terms     Terms
	By        string
	At        time.Time
	EventKey  string
}

// ConsentAnswer is a beneficiary's answer to a binding that waits for
// their consent. EventKey makes it idempotent.
type ConsentAnswer struct {
	BindingID string
	// Consent is accepted or declined.
	Consent  Consent
	By       string
	At       time.Time
	EventKey string
}

// BindingNotice asks for the holder to be told about a binding event.
type BindingNotice struct {
	BindingID string
	Kind      NoticeKind
	Reason    string
	// DedupKey makes the notice idempotent.
	DedupKey string
}

// RepairRequest says which live binding rows the repair looks at: those
// unchanged for Idle at least (so that a binding whose workflow is being
// started is left alone), BatchSize at a time.
type RepairRequest struct {
	Idle      time.Duration
	BatchSize int
}

// RepairResult counts the live binding rows looked at and those closed.
type RepairResult struct {
	Checked int
	Closed  int
}
