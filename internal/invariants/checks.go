package invariants

import (
	"strings"

	"gongji/domain"
)

// check is one invariant as two queries: scope counts the rows it looks
// at, broken describes each row that breaks it (one text per row).
type check struct {
	name   string
	design int
	scope  string
	broken string
}

// undone lists the statuses of a settlement that ended without keeping
// any money.
const undone = `('reversed', 'cancelled', 'failed')`

// checks lists the invariants in report order; opts.Settled adds the ones
// that hold only once every saga has ended.
func checks(opts Options) []check {
	cs := []check{
		{"no negative balance", 1,
			`SELECT count(*) FROM accounts`,
			`SELECT id_number || ': balance ' || balance FROM accounts WHERE balance < 0`},
		// A holder may lower the limit below a past year's usage (a change
		// is held to the usage of its own year), so a year before the
		// binding's last terms change is held to the limit of its time,
		// which the read model does not keep.
		{"yearly usage within the binding's limit", 1,
			`SELECT count(*) FROM binding_usage`,
			`SELECT u.binding_id || ' ' || u.year || ': used ' || u.used || ' > limit ' || b.annual_limit
			FROM binding_usage u JOIN bindings b ON b.id = u.binding_id
			WHERE b.annual_limit IS NOT NULL AND u.used > b.annual_limit
				AND u.year >= COALESCE((SELECT max(extract(year FROM h.at AT TIME ZONE 'Asia/Shanghai'))::int
					FROM binding_history h WHERE h.binding_id = b.id AND h.event = 'terms_changed'), 0)`},
		{"balance = opening balance + ledger entries", 2,
			`SELECT count(*) FROM accounts`,
			`SELECT a.id_number || ': balance ' || a.balance || ', opening + entries ' || (a.opening_balance + COALESCE(sum(e.amount), 0))
			FROM accounts a LEFT JOIN ledger_entries e ON e.account_id_number = a.id_number
			GROUP BY a.id_number, a.balance, a.opening_balance
			HAVING a.balance <> a.opening_balance + COALESCE(sum(e.amount), 0)`},
		{"a paying binding's usage = its net debits", 2,
			`SELECT count(*) FROM binding_usage u WHERE EXISTS (SELECT 1 FROM ledger_entries e WHERE e.binding_id = u.binding_id)`,
			`SELECT u.binding_id || ' ' || u.year || ': used ' || u.used || ', net debits ' || n.net
			FROM binding_usage u CROSS JOIN LATERAL (SELECT
				-COALESCE((SELECT sum(e.amount) FROM ledger_entries e JOIN settlements s ON s.id = e.settlement_id
					WHERE e.binding_id = u.binding_id AND extract(year FROM s.service_date)::int = u.year), 0)
				-COALESCE((SELECT sum(e.amount) FROM ledger_entries e JOIN premium_payments p ON p.id = e.reference
					WHERE e.kind IN ('premium_debit', 'premium_refund') AND e.binding_id = u.binding_id AND p.usage_year = u.year), 0) AS net) n
			WHERE EXISTS (SELECT 1 FROM ledger_entries e WHERE e.binding_id = u.binding_id) AND u.used <> n.net`},
		{"completed settlement: total = fund + shared account + top-up", 2,
			`SELECT count(*) FROM settlements WHERE status = 'completed'`,
			`SELECT id || ': total ' || total || ' <> ' || fund_pay || ' + ' || family_account_pay || ' + ' || topup_pay || ', due ' || topup_due
			FROM settlements WHERE status = 'completed' AND (total <> fund_pay + family_account_pay + topup_pay OR topup_due <> 0)`},
		{"completed settlement: shared-account pay = its debits = its payers", 2,
			`SELECT count(*) FROM settlements WHERE status = 'completed'`,
			`SELECT s.id || ': family_account_pay ' || s.family_account_pay || ', ledger ' || l.net || ', payers ' || p.paid
			FROM settlements s
			CROSS JOIN LATERAL (SELECT -COALESCE(sum(e.amount), 0) AS net FROM ledger_entries e WHERE e.settlement_id = s.id) l
			CROSS JOIN LATERAL (SELECT COALESCE(sum(x.amount), 0) AS paid FROM settlement_payers x WHERE x.settlement_id = s.id AND NOT x.refunded) p
			WHERE s.status = 'completed' AND (s.family_account_pay <> l.net OR s.family_account_pay <> p.paid)`},
		{"completed settlement: fund share and top-up booked", 2,
			`SELECT count(*) FROM settlements WHERE status = 'completed'`,
			`SELECT s.id || ': fund_pay ' || s.fund_pay || ', topup_pay ' || s.topup_pay FROM settlements s WHERE s.status = 'completed'
				AND (s.fund_pay <> COALESCE((SELECT f.fund_pay FROM sim.fund_settlements f WHERE f.settlement_id = s.id AND f.cancelled_at IS NULL), 0)
				OR (s.topup_pay > 0 AND NOT EXISTS (SELECT 1 FROM topups t
					WHERE t.settlement_id = s.id AND t.amount = s.topup_pay AND t.refunded_at IS NULL)))`},
		{"fund usage = fund shares booked", 2,
			`SELECT count(*) FROM sim.fund_usage`,
			`SELECT u.id_number || ' ' || u.year || ' ' || u.insutype || ' ' || u.medical_type || ': paid ' || u.fund_paid
				|| ', deductible ' || u.deductible_used
			FROM sim.fund_usage u CROSS JOIN LATERAL (SELECT COALESCE(sum(f.fund_pay), 0) AS paid, COALESCE(sum(f.deductible_applied), 0) AS deductible
				FROM sim.fund_settlements f WHERE f.id_number = u.id_number AND f.year = u.year AND f.insutype = u.insutype
					AND f.medical_type = u.medical_type AND f.cancelled_at IS NULL) b
			WHERE u.fund_paid <> b.paid OR u.deductible_used <> b.deductible`},
		{"at most one debit and one matching refund per (settlement, binding)", 3,
			`SELECT count(DISTINCT (settlement_id, binding_id)) FROM ledger_entries WHERE settlement_id IS NOT NULL`,
			`SELECT settlement_id || ' ' || COALESCE(binding_id, '-') || ': ' || count(*) FILTER (WHERE kind = 'settlement_debit') || ' debits, '
				|| count(*) FILTER (WHERE kind = 'settlement_refund') || ' refunds, net ' || sum(amount)
			FROM ledger_entries WHERE settlement_id IS NOT NULL
			GROUP BY settlement_id, binding_id
			HAVING count(*) FILTER (WHERE kind = 'settlement_debit') <> 1
				OR count(*) FILTER (WHERE kind = 'settlement_refund') > 1
				OR count(*) FILTER (WHERE kind NOT IN ('settlement_debit', 'settlement_refund')) > 0
				OR (count(*) FILTER (WHERE kind = 'settlement_refund') = 1 AND sum(amount) <> 0)`},
		{"reversed, cancelled or failed settlement: nothing kept", 3,
			`SELECT count(*) FROM settlements WHERE status IN ` + undone,
			`SELECT s.id || ' ' || s.status || ': ledger net ' || COALESCE((SELECT sum(e.amount) FROM ledger_entries e WHERE e.settlement_id = s.id), 0)
				|| ', payers not refunded ' || (SELECT count(*) FROM settlement_payers p WHERE p.settlement_id = s.id AND NOT p.refunded)
				|| ', fund share standing ' || EXISTS (SELECT 1 FROM sim.fund_settlements f WHERE f.settlement_id = s.id AND f.cancelled_at IS NULL)
				|| ', top-up kept ' || EXISTS (SELECT 1 FROM topups t WHERE t.settlement_id = s.id AND t.refunded_at IS NULL)
			FROM settlements s WHERE s.status IN ` + undone + `
				AND (COALESCE((SELECT sum(e.amount) FROM ledger_entries e WHERE e.settlement_id = s.id), 0) <> 0
				OR EXISTS (SELECT 1 FROM settlement_payers p WHERE p.settlement_id = s.id AND NOT p.refunded)
				OR EXISTS (SELECT 1 FROM sim.fund_settlements f WHERE f.settlement_id = s.id AND f.cancelled_at IS NULL)
				OR EXISTS (SELECT 1 FROM topups t WHERE t.settlement_id = s.id AND t.refunded_at IS NULL))`},
		{"a captured card charge is the ended settlement's booked top-up", 3,
			`SELECT count(*) FROM sim.card_charges WHERE status = 'captured'`,
			`SELECT c.charge_key || ' ' || c.amount || ' captured, settlement ' || s.status FROM sim.card_charges c
			JOIN settlements s ON s.id = split_part(c.charge_key, ':', 1)
			WHERE c.status = 'captured' AND s.status IN ('completed', 'reversed', 'cancelled', 'failed')
				AND NOT EXISTS (SELECT 1 FROM topups t WHERE t.settlement_id = s.id AND t.charge_id = c.charge_key
					AND t.amount = c.amount AND t.refunded_at IS NULL)`},
		{"completed premium payment: one debit of its amount, booked", 3,
			`SELECT count(*) FROM premium_payments WHERE status = 'completed'`,
			`SELECT p.id || ': ' || p.amount || ', debits ' || (SELECT count(*) FROM ledger_entries e WHERE e.reference = p.id AND e.kind = 'premium_debit')
				|| ', ledger net ' || COALESCE((SELECT sum(e.amount) FROM ledger_entries e WHERE e.reference = p.id AND e.kind LIKE 'premium_%'), 0)
			FROM premium_payments p WHERE p.status = 'completed'
				AND ((SELECT count(*) FROM ledger_entries e WHERE e.reference = p.id AND e.kind = 'premium_debit') <> 1
				OR COALESCE((SELECT sum(e.amount) FROM ledger_entries e WHERE e.reference = p.id AND e.kind LIKE 'premium_%'), 0) <> -p.amount
				OR NOT EXISTS (SELECT 1 FROM sim.premium_postings x WHERE x.payment_id = p.id AND x.status = 'posted' AND x.amount = p.amount))`},
		{"reversed premium payment: nothing kept", 3,
			`SELECT count(*) FROM premium_payments WHERE status = 'reversed'`,
			`SELECT p.id || ': ledger net ' || COALESCE((SELECT sum(e.amount) FROM ledger_entries e WHERE e.reference = p.id AND e.kind LIKE 'premium_%'), 0)
			FROM premium_payments p WHERE p.status = 'reversed'
				AND (COALESCE((SELECT sum(e.amount) FROM ledger_entries e WHERE e.reference = p.id AND e.kind LIKE 'premium_%'), 0) <> 0
				OR EXISTS (SELECT 1 FROM sim.premium_postings x WHERE x.payment_id = p.id AND x.status = 'posted'))`},
		{"an undone settlement or payment says why", 4,
			`SELECT (SELECT count(*) FROM settlements WHERE status IN ('failed', 'reversed'))
				+ (SELECT count(*) FROM premium_payments WHERE status = 'reversed')`,
			`SELECT id || ' ' || status || ': no refusal code' FROM settlements
				WHERE status IN ('failed', 'reversed') AND COALESCE(refusal_code, '') = ''
			UNION ALL SELECT id || ' reversed premium: no refusal code' FROM premium_payments
				WHERE status = 'reversed' AND COALESCE(refusal_code, '') = ''`},
		{debitAfterDeathOrLossOfCover, 0,
			`SELECT count(*) FROM ledger_entries WHERE kind IN ('settlement_debit', 'premium_debit')`,
			debitsAfterDeathOrLossOfCover()},
	}
	if opts.Settled {
		cs = append(cs,
			check{"every settlement ended", 3,
				`SELECT count(*) FROM settlements`,
				`SELECT id || ' ' || institution_code || ':' || visit_no || ' still ' || status || ' since ' || updated_at
				FROM settlements WHERE status IN ('processing', 'awaiting_topup') ORDER BY updated_at`},
			check{"every premium payment ended", 3,
				`SELECT count(*) FROM premium_payments`,
				`SELECT id || ' still ' || status || ' since ' || updated_at FROM premium_payments WHERE status = 'processing'`},
		)
	}
	return cs
}

// debitAfterDeathOrLossOfCover names the check of DESIGN.md's rule "every
// debit re-checks the holder ... in the transaction that moves the money".
const debitAfterDeathOrLossOfCover = "no debit dated on or after the holder's death or loss of cover"

// debitsAfterDeathOrLossOfCover lists the settlement and premium debits
// that the holder's recorded facts forbid, as far as the schema dates
// them. A debit's date is its settlement's service date, or its premium
// payment's date (Beijing); its time is its ledger row's created_at (the
// start of its transaction). It breaks the rule when
//   - the holder's death is dated on or before the debit's date and was
//     recorded (persons.death_recorded_at) before the debit's time, or
//   - the holder's enrolment as it stands does not let them pay (not 310,
//     outside Bortala, not normal, or in arrears) and was last written
//     (enrolments.updated_at) before the debit's time.
//
// Both times are taken after the row lock a debit also takes, so a debit
// that went first is never flagged. An enrolment that lost cover and got
// it back before the check is not seen (only its present state is
// stored), and a frozen account is not checked (accounts.updated_at moves
// with every posting).
func debitsAfterDeathOrLossOfCover() string {
	bortala := make([]string, len(domain.DefaultPools.Prefecture))
	for i, p := range domain.DefaultPools.Prefecture {
		bortala[i] = "'" + p + "%'"
	}
	qualifies := `(en.insutype = '` + string(domain.InsutypeEmployee) + `' AND en.admdvs LIKE ANY (ARRAY[` + strings.Join(bortala, ", ") + `])
		AND en.status = 'normal' AND NOT en.arrears)`
	return `SELECT e.kind || ' ' || COALESCE(e.settlement_id, e.reference) || ' of ' || e.account_id_number || ' for ' || d.day
			|| ' at ' || e.created_at || ': ' || CASE WHEN d.dead
				THEN 'holder died ' || p.death_date || ', recorded ' || p.death_recorded_at
				ELSE 'holder enrolment ' || en.insutype || ' ' || en.admdvs || ' ' || en.status
					|| CASE WHEN en.arrears THEN ' in arrears' ELSE '' END || ' since ' || en.updated_at END
		FROM ledger_entries e
		JOIN persons p ON p.id_number = e.account_id_number
		JOIN enrolments en ON en.id_number = e.account_id_number
		LEFT JOIN settlements s ON e.kind = 'settlement_debit' AND s.id = e.settlement_id
		LEFT JOIN premium_payments pp ON e.kind = 'premium_debit' AND pp.id = e.reference
		CROSS JOIN LATERAL (SELECT COALESCE(s.service_date, (pp.created_at AT TIME ZONE 'Asia/Shanghai')::date) AS day) x
		CROSS JOIN LATERAL (SELECT x.day, p.death_date IS NOT NULL AND x.day >= p.death_date
			AND p.death_recorded_at <= e.created_at AS dead) d
		WHERE e.kind IN ('settlement_debit', 'premium_debit')
			AND (d.dead OR (en.updated_at <= e.created_at AND NOT ` + qualifies + `))`
}
