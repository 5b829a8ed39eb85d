package domain_test

import (
	"slices"
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
		{"declined", domain.NoticeBindingDeclined, longTerm, "", []string{"小明", "未同意", "终止"}, nil},
		{"consent lapsed", domain.NoticeBindingConsentLapsed, longTerm, "", []string{"30日", "同意", "失效"}, nil},
		{"expiring", domain.NoticeBindingExpiring, withValidity, "", []string{"2027-08-31"}, nil},
		{"expired", domain.NoticeBindingExpired, withValidity, "", []string{"2027-08-31"}, nil},
		{"terminated with reason", domain.NoticeBindingTerminated, withValidity, "主账户人参保状态已终止", []string{"主账户人参保状态已终止"}, nil},
		{"terminated without reason", domain.NoticeBindingTerminated, longTerm, "", []string{"原因:—"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := domain.BindingNoticeText(tt.kind, "小明", tt.b, tt.reason)
			title, body := text.Title, text.Body
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
			// The English text says the same: no Chinese of its own (only
			// the name and the reviewer's reason may be), the same facts.
			en := strings.NewReplacer("小明", "", tt.reason, "").Replace(text.TitleEN + text.BodyEN)
			if text.TitleEN == "" || text.BodyEN == "" || hasHan(en) {
				t.Errorf("English = %q / %q, want English text", text.TitleEN, text.BodyEN)
			}
			for _, w := range []string{"小明", child.Masked(), tt.reason} {
				if !strings.Contains(text.BodyEN, w) {
					t.Errorf("English body = %q, want it to contain %q", text.BodyEN, w)
				}
			}
			for _, w := range []string{string(child), "0001-01-01"} {
				if strings.Contains(text.BodyEN, w) {
					t.Errorf("English body = %q, must not contain %q", text.BodyEN, w)
				}
			}
			for _, w := range tt.want {
				if strings.Contains(w, "2027-08-31") && !strings.Contains(text.BodyEN, w) {
					t.Errorf("English body = %q lacks the date %s", text.BodyEN, w)
				}
			}
			if slices.Contains(tt.want, "长期有效") && !strings.Contains(text.BodyEN, "long-term") {
				t.Errorf("English body = %q does not say long-term", text.BodyEN)
			}
		})
	}
}

func TestSettlementNoticeText_BothLanguagesSayWhoWhereHowMuchAndTheBalance(t *testing.T) {
	child := domain.ComposeIDNumber("652701", day(2016, 9, 2), 402)
	for _, kind := range []domain.NoticeKind{domain.NoticeSharedAccountDebited, domain.NoticeSharedAccountRefunded} {
		t.Run(string(kind), func(t *testing.T) {
			text := domain.SettlementNoticeText(kind, "小明", child, "博乐市人民医院", domain.MustAmount("120.50"), domain.MustAmount("379.50"))
			for _, body := range []string{text.Body, text.BodyEN} {
				for _, w := range []string{"小明", child.Masked(), "博乐市人民医院", "120.50", "379.50"} {
					if !strings.Contains(body, w) {
						t.Errorf("body %q lacks %q", body, w)
					}
				}
				if strings.Contains(body, string(child)) {
					t.Errorf("body %q shows the full ID number", body)
				}
			}
			if !hasHan(text.Title) || text.TitleEN == "" || hasHan(text.TitleEN) {
				t.Errorf("titles %q / %q", text.Title, text.TitleEN)
			}
		})
	}
	debit := domain.SettlementNoticeText(domain.NoticeSharedAccountDebited, "小明", child, "x", domain.Zero, domain.Zero)
	refund := domain.SettlementNoticeText(domain.NoticeSharedAccountRefunded, "小明", child, "x", domain.Zero, domain.Zero)
	if debit.Title == refund.Title || debit.TitleEN == refund.TitleEN {
		t.Error("a debit and a refund share a title")
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
		text := domain.BindingNoticeText(k, "小明", b, "")
		for _, title := range []string{text.Title, text.TitleEN} {
			if other, dup := seen[title]; dup {
				t.Errorf("%s and %s share the title %q", k, other, title)
			}
			seen[title] = k
		}
	}
}
