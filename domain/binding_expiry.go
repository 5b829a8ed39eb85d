package domain

import "time"

// StatusAt is the binding's status at the instant now. An active binding
// whose validity has ended (the end of valid_until, Beijing time) is
// expired at that instant, whether or not its workflow's timer has fired
// and written so: every read shows this status, not the stored one.
func (b Binding) StatusAt(now time.Time) BindingStatus {
	if b.Status == BindingActive && ValidityEndedAt(b.Terms.ValidUntil, now) {
		return BindingExpired
	}
	return b.Status
}

// ValidityEndedAt reports whether a validity whose last day is until has
// ended at now: now is at or after the end of that day in Beijing. A zero
// until (long-term) never ends.
func ValidityEndedAt(until Date, now time.Time) bool {
	return !until.IsZero() && !now.Before(until.End())
}
