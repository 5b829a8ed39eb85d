-- +goose Up
-- An institution's settlement list (GET /v1/settlements) pages newest
-- first on (created_at, id). Without this index every page read and sorted
-- all of the institution's settlements (db/query_plans_test.go).
CREATE INDEX settlements_by_institution_newest ON settlements (institution_code, created_at DESC, id DESC);

-- +goose Down
DROP INDEX settlements_by_institution_newest;
