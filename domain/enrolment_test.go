package domain_test

import (
	"testing"

	"gongji/domain"
)

func TestParseInsutype(t *testing.T) {
	tests := []struct {
		in   string
		want domain.Insutype
		code domain.Code
	}{
		{"310", domain.InsutypeEmployee, ""},
		{"390", domain.InsutypeResident, ""},
		{"320", "", domain.CodeInvalidEnumValue},
		{"330", "", domain.CodeInvalidEnumValue},
		{"340", "", domain.CodeInvalidEnumValue},
		{"391", "", domain.CodeInvalidEnumValue},
		{"392", "", domain.CodeInvalidEnumValue},
		{"399", "", domain.CodeInvalidEnumValue},
		{"510", "", domain.CodeInvalidEnumValue},
		{"", "", domain.CodeInvalidEnumValue},
		{"31", "", domain.CodeInvalidEnumValue},
		{"3100", "", domain.CodeInvalidEnumValue},
		{" 310", "", domain.CodeInvalidEnumValue},
		{"employee", "", domain.CodeInvalidEnumValue},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := domain.ParseInsutype(tt.in)
			wantCode(t, err, tt.code)
			if got != tt.want {
				t.Errorf("ParseInsutype(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err != nil {
				wantDetailsField(t, err, "insutype")
			}
		})
	}
}

func TestParseEnrolmentStatus(t *testing.T) {
	tests := []struct {
		in   string
		want domain.EnrolmentStatus
		code domain.Code
	}{
		{"normal", domain.EnrolmentNormal, ""},
		{"suspended", domain.EnrolmentSuspended, ""},
		{"terminated", domain.EnrolmentTerminated, ""},
		{"Normal", "", domain.CodeInvalidEnumValue},
		{"NORMAL", "", domain.CodeInvalidEnumValue},
		{"1", "", domain.CodeInvalidEnumValue},
		{"0", "", domain.CodeInvalidEnumValue},
		{"", "", domain.CodeInvalidEnumValue},
		{"active", "", domain.CodeInvalidEnumValue},
		{"normal ", "", domain.CodeInvalidEnumValue},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := domain.ParseEnrolmentStatus(tt.in)
			wantCode(t, err, tt.code)
			if got != tt.want {
				t.Errorf("ParseEnrolmentStatus(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err != nil {
				wantDetailsField(t, err, "status")
			}
		})
	}
}

func TestEnrolment_IsNormal(t *testing.T) {
	tests := []struct {
		status domain.EnrolmentStatus
		want   bool
	}{
		{domain.EnrolmentNormal, true},
		{domain.EnrolmentSuspended, false},
		{domain.EnrolmentTerminated, false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			e := domain.Enrolment{Insutype: domain.InsutypeEmployee, Admdvs: "652701", Status: tt.status}
			if got := e.IsNormal(); got != tt.want {
				t.Errorf("IsNormal() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEnrolment_IsNormalIgnoresArrears(t *testing.T) {
	e := domain.Enrolment{Insutype: domain.InsutypeEmployee, Status: domain.EnrolmentNormal, Arrears: true}
	if !e.IsNormal() {
		t.Error("arrears is a separate flag; status normal must stay normal")
	}
}

func TestEnrolment_HasPersonalAccount(t *testing.T) {
	tests := []struct {
		insutype domain.Insutype
		want     bool
	}{
		{domain.InsutypeEmployee, true},
		{domain.InsutypeResident, false},
		{"320", false},
		{"340", false},
		{"510", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.insutype), func(t *testing.T) {
			e := domain.Enrolment{Insutype: tt.insutype, Status: domain.EnrolmentNormal}
			if got := e.HasPersonalAccount(); got != tt.want {
				t.Errorf("HasPersonalAccount() = %v, want %v", got, tt.want)
			}
		})
	}
}
