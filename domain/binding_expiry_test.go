package domain_test

import (
	"testing"
	"time"

	"gongji/domain"
)

func TestBindingStatusAt_ActivePastItsLastDayIsExpired(t *testing.T) {
	until := domain.NewDate(2026, time.December, 31)
	lastInstant := time.Date(2026, time.December, 31, 23, 59, 59, 999999999, domain.Beijing)
	end := time.Date(2027, time.January, 1, 0, 0, 0, 0, domain.Beijing)
	tests := []struct {
		name   string
		status domain.BindingStatus
		until  domain.Date
		now    time.Time
		want   domain.BindingStatus
	}{
		{"active on its last day", domain.BindingActive, until, lastInstant, domain.BindingActive},
		{"active at the end of its last day (Beijing)", domain.BindingActive, until, end, domain.BindingExpired},
		{"active at the end, read in UTC", domain.BindingActive, until, end.UTC(), domain.BindingExpired},
		{"active a year on", domain.BindingActive, until, end.AddDate(1, 0, 0), domain.BindingExpired},
		{"active the day before", domain.BindingActive, until, lastInstant.AddDate(0, 0, -1), domain.BindingActive},
		{"long-term active", domain.BindingActive, domain.Date{}, end.AddDate(50, 0, 0), domain.BindingActive},
		// Only an active binding expires: one not yet approved cannot be
		// (its approval is refused), one already ended keeps its end.
		{"under review past its last day", domain.BindingUnderReview, until, end, domain.BindingUnderReview},
		{"awaiting documents past its last day", domain.BindingAwaitingDocuments, until, end, domain.BindingAwaitingDocuments},
		{"unbound past its last day", domain.BindingUnbound, until, end, domain.BindingUnbound},
		{"expired by its timer", domain.BindingExpired, until, end, domain.BindingExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := domain.Binding{Status: tt.status, Terms: domain.Terms{ValidUntil: tt.until}}
			if got := b.StatusAt(tt.now); got != tt.want {
				t.Errorf("%s until %s, at %s: StatusAt = %s, want %s", tt.status, tt.until, tt.now, got, tt.want)
			}
		})
	}
}
