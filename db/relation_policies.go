package db

import (
	"context"

	"github.com/lib/pq"

	"gongji/domain"
)

type relationPolicyRow struct {
	Version       string         `db:"version"`
	EffectiveFrom domain.Date    `db:"effective_from"`
	Relations     pq.StringArray `db:"relations"`
}

// RelationPolicies reads every version of the relation policy.
func (s *Store) RelationPolicies(ctx context.Context) ([]domain.RelationPolicy, error) {
	const q = `SELECT version, effective_from, relations FROM relation_policies ORDER BY effective_from`
	var rows []relationPolicyRow
	if err := s.db.SelectContext(ctx, &rows, q); err != nil {
		return nil, err
	}
	out := make([]domain.RelationPolicy, len(rows))
	for i, r := range rows {
		rels := make([]domain.Relation, len(r.Relations))
		for j, name := range r.Relations {
			rels[j] = domain.Relation(name)
		}
		out[i] = domain.RelationPolicy{Version: r.Version, EffectiveFrom: r.EffectiveFrom, Relations: rels}
	}
	return out, nil
}

// PutRelationPolicy adds or replaces a version of the relation policy.
func (s *Store) PutRelationPolicy(ctx context.Context, p domain.RelationPolicy) error {
	names := make([]string, len(p.Relations))
	for i, r := range p.Relations {
		names[i] = string(r)
	}
	const q = `
		INSERT INTO relation_policies (version, effective_from, relations) VALUES ($1, $2, $3)
		ON CONFLICT (version) DO UPDATE SET effective_from = EXCLUDED.effective_from, relations = EXCLUDED.relations`
	_, err := s.db.ExecContext(ctx, q, p.Version, p.EffectiveFrom, pq.StringArray(names))
	return err
}
