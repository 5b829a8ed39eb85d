package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"gongji/db"
	"gongji/domain"
	"gongji/internal/demo"
)

// family is a holder (310, open account) and a child (390) bound to the
// holder by an active binding without a yearly limit.
type family struct {
	Holder, Child domain.IDNumber
	BindingID     string
}

// holderBalance is every holder's opening balance: enough that no
// settlement of the run finds the account empty.
var holderBalance = domain.MustAmount("100000.00")

// loadFamilies writes the demo data and n families straight into the
// tables the settlement reads (persons, enrolments, accounts, bindings and
// their approval in binding_history), with COPY in one transaction. The
// bindings are active from 30 days before today, as an approved binding
// would be; no BindingLifecycle workflow runs for them, since settlements
// read only the database.
func loadFamilies(ctx context.Context, store *db.Store, n int, today domain.Date) ([]family, error) {
	if err := demo.Seed(ctx, store); err != nil {
		return nil, err
	}
	fams := make([]family, n)
	for i := range fams {
		fams[i] = family{
			// Birth dates and sequence numbers apart from the demo persons'.
			Holder:    domain.ComposeIDNumber("652701", domain.NewDate(1970, 1, 1+i/900), 100+i%900),
			Child:     domain.ComposeIDNumber("652701", domain.NewDate(2012, 1, 1+i/900), 100+i%900),
			BindingID: fmt.Sprintf("bench-binding-%06d", i),
		}
	}
	approved := today.Start().AddDate(0, 0, -30)
	from := domain.DateOf(approved)
	err := store.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := copyRows(ctx, tx, "persons", []string{"id_number", "name"}, n*2, func(i int) []any {
			f := fams[i/2]
			if i%2 == 0 {
				return []any{string(f.Holder), fmt.Sprintf("户主%d", i/2)}
			}
			return []any{string(f.Child), fmt.Sprintf("子女%d", i/2)}
		}); err != nil {
			return err
		}
		if err := copyRows(ctx, tx, "enrolments", []string{"id_number", "insutype", "admdvs", "status", "arrears"}, n*2, func(i int) []any {
			f := fams[i/2]
			if i%2 == 0 {
				return []any{string(f.Holder), string(domain.InsutypeEmployee), "652701", string(domain.EnrolmentNormal), false}
			}
			return []any{string(f.Child), string(domain.InsutypeResident), "652701", string(domain.EnrolmentNormal), false}
		}); err != nil {
			return err
		}
		if err := copyRows(ctx, tx, "accounts", []string{"id_number", "opening_balance", "balance", "status"}, n, func(i int) []any {
			return []any{string(fams[i].Holder), holderBalance.String(), holderBalance.String(), string(domain.AccountNormal)}
		}); err != nil {
			return err
		}
		if err := copyRows(ctx, tx, "bindings", []string{"id", "holder_id_number", "beneficiary_id_number", "relation", "status",
			"valid_from", "requested_at", "submitted_at"}, n, func(i int) []any {
			f := fams[i]
			return []any{f.BindingID, string(f.Holder), string(f.Child), string(domain.RelationChild), string(domain.BindingActive),
				from.String(), approved.Add(-time.Hour), approved.Add(-time.Hour)}
		}); err != nil {
			return err
		}
		return copyRows(ctx, tx, "binding_history", []string{"binding_id", "at", "event", "by_actor", "event_key"}, n, func(i int) []any {
			return []any{fams[i].BindingID, approved, "approved", demo.ReviewerID, fams[i].BindingID + ":1:approved"}
		})
	})
	if err != nil {
		return nil, fmt.Errorf("load %d families: %w", n, err)
	}
	if _, err := store.DB().ExecContext(ctx, "ANALYZE"); err != nil {
		return nil, err
	}
	return fams, nil
}

// copyRows COPYs n rows made by row into table (names from this file,
// not from input).
func copyRows(ctx context.Context, tx *sqlx.Tx, table string, columns []string, n int, row func(i int) []any) error {
	stmt, err := tx.PrepareContext(ctx, "COPY "+table+" ("+strings.Join(columns, ", ")+") FROM STDIN")
	if err != nil {
		return fmt.Errorf("copy %s: %w", table, err)
	}
	defer stmt.Close()
	for i := range n {
		if _, err := stmt.ExecContext(ctx, row(i)...); err != nil {
			return fmt.Errorf("copy %s: %w", table, err)
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return fmt.Errorf("copy %s: %w", table, err)
	}
	return nil
}
