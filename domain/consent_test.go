package domain_test

import (
	"testing"

	"gongji/domain"
)

func TestConsentOnRequest_FromTheSixteenthBirthday(t *testing.T) {
	born := day(2010, 3, 15)
	id := domain.ComposeIDNumber("652701", born, 402)
	leapBorn := domain.ComposeIDNumber("652701", day(2008, 2, 29), 402)
	tests := []struct {
		name string
		id   domain.IDNumber
		on   domain.Date
		want domain.Consent
	}{
		{"the day before the 16th birthday", id, day(2026, 3, 14), domain.ConsentNotRequired},
		{"on the 16th birthday", id, day(2026, 3, 15), domain.ConsentPending},
		{"an adult", id, day(2040, 1, 1), domain.ConsentPending},
		{"a baby", id, born, domain.ConsentNotRequired},
		{"born on 29 February, on 28 February of the 16th year", leapBorn, day(2024, 2, 28), domain.ConsentNotRequired},
		{"born on 29 February, on 1 March of the 16th year", leapBorn, day(2024, 3, 1), domain.ConsentPending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.ConsentOnRequest(tt.id, tt.on); got != tt.want {
				t.Errorf("ConsentOnRequest(%s, %s) = %q, want %q", tt.id, tt.on, got, tt.want)
			}
		})
	}
}

func TestParseConsentDecision(t *testing.T) {
	tests := []struct {
		in    string
		want  domain.ConsentDecision
		gives domain.Consent
		code  domain.Code
	}{
		{"accept", domain.ConsentAccept, domain.ConsentAccepted, ""},
		{"decline", domain.ConsentDecline, domain.ConsentDeclined, ""},
		{"accepted", "", "", domain.CodeInvalidEnumValue},
		{"Accept", "", "", domain.CodeInvalidEnumValue},
		{"", "", "", domain.CodeInvalidEnumValue},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := domain.ParseConsentDecision(tt.in)
			wantCode(t, err, tt.code)
			if got != tt.want {
				t.Errorf("ParseConsentDecision(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err != nil {
				wantDetailsField(t, err, "decision")
				return
			}
			if got.Consent() != tt.gives {
				t.Errorf("%q gives consent %q, want %q", got, got.Consent(), tt.gives)
			}
		})
	}
}
