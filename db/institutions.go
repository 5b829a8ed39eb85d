package db

import (
	"context"

	"gongji/domain"
)

type institutionRow struct {
	Code       string `db:"code"`
	Name       string `db:"name"`
	Kind       string `db:"kind"`
	Admdvs     string `db:"admdvs"`
	Designated bool   `db:"designated"`
}

func (r institutionRow) toDomain() domain.Institution {
	return domain.Institution{
		Code: domain.InstitutionCode(r.Code), Name: r.Name, Kind: domain.InstitutionKind(r.Kind),
		Admdvs: domain.Admdvs(r.Admdvs), Designated: r.Designated,
	}
}

// PutInstitution creates or replaces an institution.
func (s *Store) PutInstitution(ctx context.Context, i domain.Institution) (domain.Institution, error) {
	const q = `
		INSERT INTO institutions (code, name, kind, admdvs, designated) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, admdvs = EXCLUDED.admdvs,
			designated = EXCLUDED.designated, updated_at = now()
		RETURNING code, name, kind, admdvs, designated`
	var row institutionRow
	if err := s.db.GetContext(ctx, &row, q, i.Code, i.Name, i.Kind, i.Admdvs, i.Designated); err != nil {
		return domain.Institution{}, err
	}
	return row.toDomain(), nil
}

// Institution reads one institution; ok is false when it is unknown.
func (s *Store) Institution(ctx context.Context, code domain.InstitutionCode) (domain.Institution, bool, error) {
	const q = `SELECT code, name, kind, admdvs, designated FROM institutions WHERE code = $1`
	var row institutionRow
	if err := s.db.GetContext(ctx, &row, q, code); err != nil {
		if isNoRows(err) {
			return domain.Institution{}, false, nil
		}
		return domain.Institution{}, false, err
	}
	return row.toDomain(), true, nil
}
