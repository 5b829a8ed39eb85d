package domain

import "fmt"

// NoticeKind is the kind of message sent to a person.
type NoticeKind string

// Binding notices to the holder.
const (
	NoticeBindingApproved          NoticeKind = "binding_approved"
	NoticeBindingRejected          NoticeKind = "binding_rejected"
	NoticeBindingDocumentsRequired NoticeKind = "binding_documents_required"
	NoticeBindingLapsed            NoticeKind = "binding_lapsed"
	NoticeBindingExpiring          NoticeKind = "binding_expiring"
	NoticeBindingExpired           NoticeKind = "binding_expired"
	NoticeBindingTerminated        NoticeKind = "binding_terminated"
)

// BindingNoticeText writes the title and body of a binding notice in
// Chinese, naming the family member and the binding's dates.
func BindingNoticeText(kind NoticeKind, beneficiaryName string, b Binding, reason string) (title, body string) {
	who := fmt.Sprintf("%s(%s)", beneficiaryName, b.Beneficiary.Masked())
	switch kind {
	case NoticeBindingApproved:
		return "家庭共济已生效", fmt.Sprintf("您与%s的家庭共济关系已审核通过,即时生效。%s", who, validityText(b))
	case NoticeBindingRejected:
		return "家庭共济申请未通过", fmt.Sprintf("您与%s的家庭共济申请未通过审核。原因:%s", who, orDash(reason))
	case NoticeBindingDocumentsRequired:
		return "请补充关系证明材料", fmt.Sprintf("您与%s的家庭共济申请需要补充材料:%s。请在30日内上传并重新提交。", who, orDash(reason))
	case NoticeBindingLapsed:
		return "家庭共济申请已失效", fmt.Sprintf("您与%s的家庭共济申请30日内未提交证明材料,已失效。", who)
	case NoticeBindingExpiring:
		return "家庭共济即将到期", fmt.Sprintf("您与%s的家庭共济关系将于%s到期,如需继续请延长有效期。", who, b.Terms.ValidUntil)
	case NoticeBindingExpired:
		return "家庭共济已到期", fmt.Sprintf("您与%s的家庭共济关系已于%s到期。", who, b.Terms.ValidUntil)
	case NoticeBindingTerminated:
		return "家庭共济已终止", fmt.Sprintf("您与%s的家庭共济关系已终止。原因:%s", who, orDash(reason))
	}
	return string(kind), who
}

func validityText(b Binding) string {
	if b.Terms.ValidUntil.IsZero() {
		return "长期有效,直至解绑。"
	}
	return fmt.Sprintf("有效期至%s。", b.Terms.ValidUntil)
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
// how much, and the balance left.
func SettlementNoticeText(kind NoticeKind, patientName string, patient IDNumber, institution string, amount, balance Amount) (title, body string) {
	who := fmt.Sprintf("%s(%s)", patientName, patient.Masked())
	if kind == NoticeSharedAccountRefunded {
		return "家庭共济退款", fmt.Sprintf("%s在%s的家庭共济支付已撤销,%s元已退回您的个人账户,余额%s元。", who, institution, amount, balance)
	}
	return "家庭共济支付提醒", fmt.Sprintf("%s在%s使用家庭共济支付%s元,您的个人账户余额%s元。", who, institution, amount, balance)
}
