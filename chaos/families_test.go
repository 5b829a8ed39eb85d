package chaos

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"mime/multipart"
	"time"

	"gongji/api"
	"gongji/domain"
)

// tokens signs the callers' tokens with the run's secret.
type tokens struct{ secret []byte }

func (k tokens) sign(role domain.Role, subject string) string {
	tok, err := api.IssueToken(k.secret, role, subject, 2*time.Hour, time.Now())
	if err != nil {
		panic(fmt.Sprintf("token %s %s: %v", role, subject, err)) // the suite's own subjects are valid
	}
	return tok
}

// institution is a designated institution of the run and its cashier's token.
type institution struct {
	code  string
	kind  domain.InstitutionKind
	token string
}

// patient is a child with at least one active binding.
type patient struct {
	id domain.IDNumber
	// payers are the bindings that pay for the child.
	payers []payer
}

// payer is one active binding of a patient and its holder.
type payer struct {
	holder    domain.IDNumber
	bindingID string
	// limited is set when the binding has a yearly limit.
	limited bool
}

// population is what the run settles for: its institutions, patients and
// the holders who pay for them.
type population struct {
	institutions []institution
	patients     []patient
	holders      []domain.IDNumber
	bindings     int
}

// pngProof is the smallest file the upload sniffs as a PNG.
var pngProof = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00")

// setUp syncs two hospitals and a pharmacy, then the families: two
// employee parents in 博乐市 with random balances and one to three
// resident children in 精河县, each bound by one or both parents through
// the real flow (request, upload, submit, approve) with a random limit or
// none. Nothing is injected yet.
func setUp(ctx context.Context, c *apiClient, k tokens, rng *rand.Rand, families int) (population, error) {
	var pop population
	admin := k.sign(domain.RoleAdmin, "chaos-admin")
	for i, inst := range []struct {
		code string
		kind domain.InstitutionKind
	}{{"H65270100011", domain.InstitutionHospital}, {"H65270100012", domain.InstitutionHospital}, {"P65270100011", domain.InstitutionPharmacy}} {
		if _, err := c.expect(ctx, "PUT", "/v1/institutions/"+inst.code, admin, map[string]any{
			"name": fmt.Sprintf("共济测试机构%d", i+1), "kind": string(inst.kind), "admdvs": "652701", "designated": true}, 200); err != nil {
			return pop, err
		}
		pop.institutions = append(pop.institutions, institution{code: inst.code, kind: inst.kind, token: k.sign(domain.RoleInstitution, inst.code)})
	}
	person := func(id domain.IDNumber, insutype, admdvs, balance string) error {
		if _, err := c.expect(ctx, "PUT", "/v1/persons/"+string(id), admin, map[string]any{"name": "共济" + string(id[14:])}, 200); err != nil {
			return err
		}
		if _, err := c.expect(ctx, "PUT", "/v1/persons/"+string(id)+"/enrolment", admin,
			map[string]any{"insutype": insutype, "admdvs": admdvs, "status": "normal", "arrears": false}, 200); err != nil {
			return err
		}
		if balance == "" {
			return nil
		}
		_, err := c.expect(ctx, "PUT", "/v1/persons/"+string(id)+"/account", admin, map[string]any{"balance": balance, "status": "normal"}, 200)
		return err
	}
	reviewer := k.sign(domain.RoleReviewer, "chaos-reviewer")
	// The children are minors under 16 on the server's (real) clock,
	// whatever the year: five years old and a day older for each one
	// before them.
	firstChildBorn := domain.DateOf(time.Now()).AddDays(-5 * 365)
	for f := range families {
		parents := make([]domain.IDNumber, 2)
		for j := range parents {
			parents[j] = domain.ComposeIDNumber("652701", domain.NewDate(1980, 1, 1).AddDays(40*(2*f+j)), 11+2*j)
			if err := person(parents[j], "310", "652701", cents(rng, 30000, 300000)); err != nil {
				return pop, err
			}
		}
		pop.holders = append(pop.holders, parents...)
		for ch := range 1 + rng.IntN(3) {
			child := domain.ComposeIDNumber("652722", firstChildBorn.AddDays(-(3*f + ch)), 21)
			if err := person(child, "390", "652722", ""); err != nil {
				return pop, err
			}
			p := patient{id: child}
			for j, parent := range parents {
				if j == 1 && rng.IntN(10) < 4 {
					continue
				}
				terms := map[string]any{"beneficiary_id_number": string(child), "relation": "child"}
				limited := rng.IntN(2) == 0
				if limited {
					terms["annual_limit"] = cents(rng, 30000, 150000)
				}
				id, err := bind(ctx, c, k.sign(domain.RoleInsured, string(parent)), reviewer, terms)
				if err != nil {
					return pop, err
				}
				p.payers = append(p.payers, payer{holder: parent, bindingID: id, limited: limited})
			}
			pop.patients = append(pop.patients, p)
			pop.bindings += len(p.payers)
		}
	}
	return pop, nil
}

// bind walks one binding to active: request, upload, submit, approve. It
// returns the binding's id.
func bind(ctx context.Context, c *apiClient, holder, reviewer string, terms map[string]any) (string, error) {
	a, err := c.expect(ctx, "POST", "/v1/bindings", holder, terms, 201)
	if err != nil {
		return "", err
	}
	var b struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if err := a.decode(&b); err != nil {
		return "", err
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("kind", "birth_certificate")
	fw, _ := mw.CreateFormFile("file", "proof.png")
	_, _ = fw.Write(pngProof)
	_ = mw.Close()
	if a, err = c.do(ctx, "POST", "/v1/bindings/"+b.ID+"/documents", holder, body.Bytes(), mw.FormDataContentType()); err != nil {
		return "", err
	} else if a.status != 201 {
		return "", fmt.Errorf("upload: %d %s", a.status, a.body)
	}
	if _, err := c.expect(ctx, "POST", "/v1/bindings/"+b.ID+"/submit", holder, nil, 200); err != nil {
		return "", err
	}
	if a, err = c.expect(ctx, "POST", "/v1/bindings/"+b.ID+"/review", reviewer, map[string]any{"decision": "approve"}, 200); err != nil {
		return "", err
	}
	if err := a.decode(&b); err != nil {
		return "", err
	}
	if b.Status != "active" {
		return "", fmt.Errorf("binding %s is %s after approval", b.ID, b.Status)
	}
	return b.ID, nil
}

// cents returns a random amount in [lo, hi) cents as a two-decimal string.
func cents(rng *rand.Rand, lo, hi int) string {
	n := lo + rng.IntN(hi-lo)
	return fmt.Sprintf("%d.%02d", n/100, n%100)
}
