package domain_test

import (
	"strings"
	"testing"
	"unicode"

	"gongji/domain"
)

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func TestBindingNoticeText(t *testing.T) {
	child := domain.ComposeIDNumber("652701", day(2016, 9, 2), 402)
	limit := domain.MustAmount("3000.00")
	withValidity := domain.Binding{
		ID: "b-1", Holder: holderID, Beneficiary: child, Relation: domain.RelationChild,
		Terms: domain.Terms{AnnualLimit: &limit, ValidUntil: day(2027, 8, 31)},
	}
	longTerm := withValidity
	longTerm.Terms = domain.Terms{}

	tests := []struct {
		name    string
		kind    domain.NoticeKind
		b       domain.Binding
		reason  string
		want    []string // in the body
		notWant []string // not in the body
	}{
		{"approved with a validity end", domain.NoticeBindingApproved, withValidity, "", []string{"2027-08-31", "生效"}, []string{"长期有效"}},
		{"approved long-term", domain.NoticeBindingApproved, longTerm, "", []string{"长期有效"}, []string{"有效期至"}},
		{"rejected with reason", domain.NoticeBindingRejected, withValidity, "出生医学证明不清晰", []string{"出生医学证明不清晰"}, nil},
		{"rejected without reason", domain.NoticeBindingRejected, withValidity, "", []string{"原因:—"}, nil},
		{"documents required with reason", domain.NoticeBindingDocumentsRequired, withValidity, "请上传户口本", []string{"请上传户口本", "30日"}, nil},
		{"documents required without reason", domain.NoticeBindingDocumentsRequired, withValidity, "", []string{"—"}, nil},
		{"lapsed", domain.NoticeBindingLapsed, longTerm, "", []string{"30日", "失效"}, nil},
		{"expiring", domain.NoticeBindingExpiring, withValidity, "", []string{"2027-08-31"}, nil},
		{"expired", domain.NoticeBindingExpired, withValidity, "", []string{"2027-08-31"}, nil},
		{"terminated with reason", domain.NoticeBindingTerminated, withValidity, "主账户人参保状态已终止", []string{"主账户人参保状态已终止"}, nil},
		{"terminated without reason", domain.NoticeBindingTerminated, longTerm, "", []string{"原因:—"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			title, body := domain.BindingNoticeText(tt.kind, "小明", tt.b, tt.reason)
			if title == "" || !hasHan(title) {
				t.Errorf("title = %q, want a non-empty Chinese title", title)
			}
			if !hasHan(body) {
				t.Errorf("body = %q, want Chinese text", body)
			}
			for _, w := range append([]string{"小明", child.Masked()}, tt.want...) {
				if !strings.Contains(body, w) {
					t.Errorf("body = %q, want it to contain %q", body, w)
				}
			}
			for _, w := range append([]string{string(child), "0001-01-01", "0000-00-00"}, tt.notWant...) {
				if strings.Contains(body, w) {
					t.Errorf("body = %q, must not contain %q", body, w)
				}
			}
		})
	}
}

// Each kind has its own title, so that the inbox tells them apart.
func TestBindingNoticeText_TitlesAreDistinct(t *testing.T) {
	kinds := []domain.NoticeKind{
		domain.NoticeBindingApproved, domain.NoticeBindingRejected, domain.NoticeBindingDocumentsRequired,
		domain.NoticeBindingLapsed, domain.NoticeBindingExpiring, domain.NoticeBindingExpired,
		domain.NoticeBindingTerminated,
	}
	b := domain.Binding{Beneficiary: beneficiaryID, Terms: domain.Terms{ValidUntil: day(2027, 1, 1)}}
	seen := map[string]domain.NoticeKind{}
	for _, k := range kinds {
		title, _ := domain.BindingNoticeText(k, "小明", b, "")
		if other, dup := seen[title]; dup {
			t.Errorf("%s and %s share the title %q", k, other, title)
		}
		seen[title] = k
	}
}
