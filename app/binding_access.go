package app

import (
	"gongji/domain"
	"gongji/workflows"
)

// CanRead says who may read a binding: its holder and beneficiary, a
// reviewer once it was submitted for review, and admins.
func CanRead(p domain.Principal, b domain.Binding) bool {
	switch p.Role {
	case domain.RoleInsured:
		return p.Subject == string(b.Holder) || p.Subject == string(b.Beneficiary)
	case domain.RoleReviewer:
		return !b.SubmittedAt.IsZero()
	case domain.RoleAdmin:
		return true
	}
	return false
}

// RequireHolder refuses anyone but the binding's holder. The holder's use
// cases check it first; the API checks it also before it reads a body, so
// that a stranger's request is refused before its form is.
func RequireHolder(actor domain.Principal, b domain.Binding) error {
	if actor.Subject != string(b.Holder) {
		return domain.Errorf(domain.CodeForbidden, "only the binding's holder may do this")
	}
	return nil
}

// workflowActor is actor as the binding workflow records it.
func workflowActor(actor domain.Principal) workflows.Actor {
	return workflows.Actor{Role: actor.Role, Subject: actor.Subject}
}
