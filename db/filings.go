package db

import (
	"context"

	"github.com/jmoiron/sqlx"

	"gongji/domain"
)

type filingRow struct {
	IDNumber   string      `db:"id_number"`
	FilingNo   string      `db:"filing_no"`
	AdmdvsTo   string      `db:"admdvs_to"`
	ValidFrom  domain.Date `db:"valid_from"`
	ValidUntil domain.Date `db:"valid_until"`
}

func (r filingRow) toDomain() domain.Filing {
	return domain.Filing{
		IDNumber: domain.IDNumber(r.IDNumber), FilingNo: r.FilingNo, AdmdvsTo: domain.Admdvs(r.AdmdvsTo),
		ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil,
	}
}

// PutFiling creates or replaces a known person's 异地就医备案 filing.
func (s *Store) PutFiling(ctx context.Context, f domain.Filing) (domain.Filing, error) {
	var out domain.Filing
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := getPerson(ctx, tx, f.IDNumber, true); err != nil {
			return err
		}
		const q = `
			INSERT INTO filings (id_number, filing_no, admdvs_to, valid_from, valid_until) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (id_number, filing_no) DO UPDATE SET admdvs_to = EXCLUDED.admdvs_to,
				valid_from = EXCLUDED.valid_from, valid_until = EXCLUDED.valid_until, updated_at = now()
			RETURNING id_number, filing_no, admdvs_to, valid_from, valid_until`
		var row filingRow
		if err := tx.GetContext(ctx, &row, q, f.IDNumber, f.FilingNo, f.AdmdvsTo, f.ValidFrom, f.ValidUntil); err != nil {
			return err
		}
		out = row.toDomain()
		return nil
	})
	return out, err
}

// Filings lists a person's filings, newest period first.
func (s *Store) Filings(ctx context.Context, id domain.IDNumber) ([]domain.Filing, error) {
	const q = `
		SELECT id_number, filing_no, admdvs_to, valid_from, valid_until FROM filings
		WHERE id_number = $1 ORDER BY valid_from DESC, filing_no`
	var rows []filingRow
	if err := s.db.SelectContext(ctx, &rows, q, id); err != nil {
		return nil, err
	}
	out := make([]domain.Filing, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}
