package domain

import "fmt"

// NoticeKind is the kind of message sent to a person.
type NoticeKind string

// NoticeText is a notice's title and body in Chinese, the language of
// record, and in English for holders who ask for it.
type NoticeText struct {
	Title, Body     string
	TitleEN, BodyEN string
}

// Binding notices to the holder.
const (
	NoticeBindingApproved          NoticeKind = "binding_approved"
	NoticeBindingRejected          NoticeKind = "binding_rejected"
	NoticeBindingDocumentsRequired NoticeKind = "binding_documents_required"
	NoticeBindingLapsed            NoticeKind = "binding_lapsed"
	NoticeBindingExpiring          NoticeKind = "binding_expiring"
	NoticeBindingExpired           NoticeKind = "binding_expired"
	NoticeBindingTerminated        NoticeKind = "binding_terminated"
	NoticeBindingDeclined          NoticeKind = "binding_declined"
	NoticeBindingConsentLapsed     NoticeKind = "binding_consent_lapsed"
)

// BindingNoticeText writes the title and body of a binding notice in
// Chinese and English, naming the family member and the binding's dates.
func BindingNoticeText(kind NoticeKind, beneficiaryName string, b Binding, reason string) NoticeText {
	who := fmt.Sprintf("%s(%s)", beneficiaryName, b.Beneficiary.Masked())
	whoEN := fmt.Sprintf("%s (%s)", beneficiaryName, b.Beneficiary.Masked())
	switch kind {
	case NoticeBindingApproved:
		return NoticeText{
			Title: "家庭共济已生效", Body: fmt.Sprintf("您与%s的家庭共济关系已审核通过,即时生效。%s", who, validityText(b)),
			TitleEN: "Family mutual aid is active",
			BodyEN:  fmt.Sprintf("Your family mutual-aid binding with %s was approved and is active now. %s", whoEN, validityTextEN(b)),
		}
	case NoticeBindingRejected:
		return NoticeText{
			Title: "家庭共济申请未通过", Body: fmt.Sprintf("您与%s的家庭共济申请未通过审核。原因:%s", who, orDash(reason)),
			TitleEN: "Family mutual-aid request not approved",
			BodyEN:  fmt.Sprintf("Your family mutual-aid request for %s was not approved. Reason: %s", whoEN, orDash(reason)),
		}
	case NoticeBindingDocumentsRequired:
		return NoticeText{
			Title: "请补充关系证明材料", Body: fmt.Sprintf("您与%s的家庭共济申请需要补充材料:%s。请在30日内上传并重新提交。", who, orDash(reason)),
			TitleEN: "Please add proof of relationship",
			BodyEN: fmt.Sprintf("Your family mutual-aid request for %s needs more documents: %s. Please upload them within 30 days and submit it again.",
				whoEN, orDash(reason)),
		}
	case NoticeBindingLapsed:
		return NoticeText{
			Title: "家庭共济申请已失效", Body: fmt.Sprintf("您与%s的家庭共济申请30日内未提交证明材料,已失效。", who),
			TitleEN: "Family mutual-aid request lapsed",
			BodyEN:  fmt.Sprintf("Your family mutual-aid request for %s lapsed: no proof of relationship was submitted within 30 days.", whoEN),
		}
	case NoticeBindingDeclined:
		return NoticeText{
			Title: "家庭共济申请已被拒绝", Body: fmt.Sprintf("%s未同意与您建立家庭共济关系,申请已终止。", who),
			TitleEN: "Family mutual-aid request declined",
			BodyEN:  fmt.Sprintf("%s did not agree to be bound to your family mutual aid; the request has ended.", whoEN),
		}
	case NoticeBindingConsentLapsed:
		return NoticeText{
			Title: "家庭共济申请已失效", Body: fmt.Sprintf("%s未在30日内同意与您建立家庭共济关系,申请已失效。", who),
			TitleEN: "Family mutual-aid request lapsed",
			BodyEN:  fmt.Sprintf("Your family mutual-aid request for %s lapsed: they did not agree to it within 30 days.", whoEN),
		}
	case NoticeBindingExpiring:
		return NoticeText{
			Title: "家庭共济即将到期", Body: fmt.Sprintf("您与%s的家庭共济关系将于%s到期,如需继续请延长有效期。", who, b.Terms.ValidUntil),
			TitleEN: "Family mutual aid ends soon",
			BodyEN:  fmt.Sprintf("Your family mutual-aid binding with %s ends on %s; extend its validity to keep it.", whoEN, b.Terms.ValidUntil),
		}
	case NoticeBindingExpired:
		return NoticeText{
			Title: "家庭共济已到期", Body: fmt.Sprintf("您与%s的家庭共济关系已于%s到期。", who, b.Terms.ValidUntil),
			TitleEN: "Family mutual aid has ended",
			BodyEN:  fmt.Sprintf("Your family mutual-aid binding with %s ended on %s.", whoEN, b.Terms.ValidUntil),
		}
	case NoticeBindingTerminated:
		return NoticeText{
			Title: "家庭共济已终止", Body: fmt.Sprintf("您与%s的家庭共济关系已终止。原因:%s", who, orDash(reason)),
			TitleEN: "Family mutual aid terminated",
			BodyEN:  fmt.Sprintf("Your family mutual-aid binding with %s was terminated. Reason: %s", whoEN, orDash(reason)),
		}
	}
	return NoticeText{Title: string(kind), Body: who, TitleEN: string(kind), BodyEN: whoEN}
}

func validityText(b Binding) string {
	if b.Terms.ValidUntil.IsZero() {
		return "长期有效,直至解绑。"
	}
	return fmt.Sprintf("有效期至%s。", b.Terms.ValidUntil)
}

func validityTextEN(b Binding) string {
	if b.Terms.ValidUntil.IsZero() {
		return "It is valid long-term, until you unbind it."
	}
	return fmt.Sprintf("It is valid until %s.", b.Terms.ValidUntil)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// Settlement notices to a paying holder.
const (
	NoticeSharedAccountDebited  NoticeKind = "shared_account_debited"
	NoticeSharedAccountRefunded NoticeKind = "shared_account_refunded"
)

// SettlementNoticeText tells a holder who used the shared account, where,
// how much, and the balance left, in Chinese and English.
func SettlementNoticeText(kind NoticeKind, patientName string, patient IDNumber, institution string, amount, balance Amount) NoticeText {
	who := fmt.Sprintf("%s(%s)", patientName, patient.Masked())
	whoEN := fmt.Sprintf("%s (%s)", patientName, patient.Masked())
	if kind == NoticeSharedAccountRefunded {
		return NoticeText{
			Title: "家庭共济退款", Body: fmt.Sprintf("%s在%s的家庭共济支付已撤销,%s元已退回您的个人账户,余额%s元。", who, institution, amount, balance),
			TitleEN: "Family mutual-aid refund",
			BodyEN: fmt.Sprintf("The family mutual-aid payment for %s at %s was cancelled: CNY %s went back to your personal account. Balance: CNY %s.",
				whoEN, institution, amount, balance),
		}
	}
	return NoticeText{
		Title: "家庭共济支付提醒", Body: fmt.Sprintf("%s在%s使用家庭共济支付%s元,您的个人账户余额%s元。", who, institution, amount, balance),
		TitleEN: "Family mutual-aid payment",
		BodyEN: fmt.Sprintf("%s paid CNY %s at %s from your personal account through family mutual aid. Balance: CNY %s.",
			whoEN, amount, institution, balance),
	}
}
