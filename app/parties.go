package app

import (
	"context"

	"gongji/domain"
)

// party reads what the eligibility rules need about a person; found is
// false when the person is unknown.
func (a *App) party(ctx context.Context, id domain.IDNumber) (p domain.Party, found bool, err error) {
	person, err := a.store.Person(ctx, id)
	if domain.ErrorCode(err) == domain.CodePersonNotFound {
		return domain.Party{}, false, nil
	}
	if err != nil {
		return domain.Party{}, false, err
	}
	p.Person = person
	if e, ok, err := a.store.Enrolment(ctx, id); err != nil {
		return domain.Party{}, false, err
	} else if ok {
		p.Enrolment = &e
	}
	account, err := a.store.Account(ctx, id)
	switch domain.ErrorCode(err) {
	case "":
		p.Account = &account
	case domain.CodeAccountNotFound:
	default:
		return domain.Party{}, false, err
	}
	return p, true, nil
}
