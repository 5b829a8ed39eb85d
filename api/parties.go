package api

import (
	"context"

	"gongji/domain"
)

// party reads what the eligibility rules need about a person; found is
// false when the person is unknown.
func (s *server) party(ctx context.Context, id domain.IDNumber) (p domain.Party, found bool, err error) {
	person, err := s.store.Person(ctx, id)
	if domain.ErrorCode(err) == domain.CodePersonNotFound {
		return domain.Party{}, false, nil
	}
	if err != nil {
		return domain.Party{}, false, err
	}
	p.Person = person
	if e, ok, err := s.store.Enrolment(ctx, id); err != nil {
		return domain.Party{}, false, err
	} else if ok {
		p.Enrolment = &e
	}
	a, err := s.store.Account(ctx, id)
	switch domain.ErrorCode(err) {
	case "":
		p.Account = &a
	case domain.CodeAccountNotFound:
	default:
		return domain.Party{}, false, err
	}
	return p, true, nil
}
