package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"

	"gongji/domain"
)

// settler posts settlements to the API as a designated hospital: a drug
// the fund and the child's shared account pay, and a non-medical item the
// card tops up, so every settlement runs the whole saga (fund, payers,
// debit, top-up due, card charge, top-up record, finish) without a human.
type settler struct {
	base     string
	token    string
	http     *http.Client
	families []family
	today    domain.Date
	// run makes the visit numbers of this bench run unique.
	run string
	// last is the number of the last settlement that completed.
	last atomic.Int64
}

type settlementAnswer struct {
	ID     string                  `json:"id"`
	Status domain.SettlementStatus `json:"status"`
}

// settle posts the n-th settlement, with a fresh visit_no, and returns
// once the API reports it completed.
// visitNo is the n-th settlement's visit number.
func (s *settler) visitNo(n int64) string { return fmt.Sprintf("B%s-%d", s.run, n) }

func (s *settler) settle(ctx context.Context, n int64) error {
	f := s.families[int(n%int64(len(s.families)))]
	body, _ := json.Marshal(map[string]any{
		"visit_no": s.visitNo(n), "patient_id_number": string(f.Child), "cert_type": "e_voucher",
		"medical_type": "outpatient", "service_date": s.today.String(), "use_family_account": true,
		"topup": map[string]any{"method": "bank_card", "card_token": "tok_bench"},
		"items": []map[string]any{
			{"code": "D001", "name": "阿莫西林胶囊", "category": "drug", "amount": "150.00"},
			{"code": "N001", "name": "口罩", "category": "non_medical", "amount": "5.50"},
		},
	})
	code, a, err := s.do(ctx, http.MethodPost, "/v1/settlements", body)
	if err != nil {
		return err
	}
	// Answered 202, a cashier system sends the same request again: the API
	// answers the existing settlement, waiting on its saga's run for up to
	// a few seconds, with no polling of the database.
	for code == http.StatusAccepted || (code == http.StatusOK && !a.Status.IsFinal()) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if code, a, err = s.do(ctx, http.MethodPost, "/v1/settlements", body); err != nil {
			return err
		}
	}
	if code != http.StatusOK || a.Status != domain.SettlementCompleted {
		return fmt.Errorf("settlement %s: HTTP %d, status %q", a.ID, code, a.Status)
	}
	s.last.Store(n)
	return nil
}

func (s *settler) do(ctx context.Context, method, path string, body []byte) (int, settlementAnswer, error) {
	var a settlementAnswer
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, a, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, a, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, a, err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusAccepted {
		return resp.StatusCode, a, fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return resp.StatusCode, a, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return resp.StatusCode, a, nil
}
