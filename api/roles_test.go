package api

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"gongji/db"
	"gongji/domain"
	"gongji/workflows"
)

// allowedRoles says which roles may call each /v1 route. A route missing
// here fails TestRoleMatrix_EveryRouteIsListed.
var allowedRoles = map[string][]domain.Role{
	"PUT /v1/persons/:id_number":                    {domain.RoleAdmin},
	"GET /v1/persons/:id_number":                    {domain.RoleAdmin},
	"PUT /v1/persons/:id_number/enrolment":          {domain.RoleAdmin},
	"PUT /v1/persons/:id_number/account":            {domain.RoleAdmin},
	"POST /v1/persons/:id_number/account/entries":   {domain.RoleAdmin},
	"PUT /v1/persons/:id_number/filings/:filing_no": {domain.RoleAdmin},
	"POST /v1/persons/:id_number/death":             {domain.RoleAdmin},
	"PUT /v1/institutions/:code":                    {domain.RoleAdmin},

	"POST /v1/bindings":                              {domain.RoleInsured},
	"GET /v1/bindings":                               {domain.RoleInsured},
	"POST /v1/bindings/:binding_id/documents":        {domain.RoleInsured},
	"POST /v1/bindings/:binding_id/submit":           {domain.RoleInsured},
	"PATCH /v1/bindings/:binding_id":                 {domain.RoleInsured},
	"POST /v1/bindings/:binding_id/unbind":           {domain.RoleInsured},
	"POST /v1/bindings/:binding_id/consent":          {domain.RoleInsured},
	"GET /v1/bindings/:binding_id":                   {domain.RoleInsured, domain.RoleReviewer, domain.RoleAdmin},
	"GET /v1/bindings/:binding_id/documents/:doc_id": {domain.RoleInsured, domain.RoleReviewer},
	"POST /v1/bindings/:binding_id/review":           {domain.RoleReviewer},
	"GET /v1/reviews":                                {domain.RoleReviewer},

	"POST /v1/settlements":                       {domain.RoleInstitution},
	"GET /v1/settlements":                        {domain.RoleInstitution},
	"GET /v1/settlements/:settlement_id":         {domain.RoleInstitution},
	"POST /v1/settlements/:settlement_id/topup":  {domain.RoleInstitution},
	"POST /v1/settlements/:settlement_id/cancel": {domain.RoleInstitution},

	"GET /v1/me/account":                              {domain.RoleInsured},
	"GET /v1/me/notifications":                        {domain.RoleInsured},
	"POST /v1/me/notifications/:notification_id/read": {domain.RoleInsured},
	"GET /v1/me/priority":                             {domain.RoleInsured},
	"PUT /v1/me/priority":                             {domain.RoleInsured},
	"GET /v1/family/:beneficiary_id_number/priority":  {domain.RoleInsured},
	"PUT /v1/family/:beneficiary_id_number/priority":  {domain.RoleInsured},
	"GET /v1/admin/webhooks/parked":                   {domain.RoleAdmin},
	"POST /v1/admin/webhooks/:webhook_id/replay":      {domain.RoleAdmin},

	"GET /v1/premiums/:year":               domain.Roles,
	"POST /v1/premium-payments":            {domain.RoleInsured},
	"GET /v1/premium-payments/:payment_id": {domain.RoleInsured},
}

// subjectOf gives each role a subject of the right form.
var subjectOf = map[domain.Role]string{
	domain.RoleInsured:     string(domain.ComposeIDNumber("652701", domain.NewDate(1985, 3, 12), 11)),
	domain.RoleReviewer:    "reviewer01",
	domain.RoleInstitution: "H65270100001",
	domain.RoleAdmin:       "admin01",
}

// roleMatrixMinor is a child of ten whom the insured subject holds a live
// binding to (writeRoleMatrixFamily): the family routes let the insured
// role through to their answer.
var roleMatrixMinor = domain.ComposeIDNumber("652722", domain.DateOf(testNow).AddDays(-3650), 11)

// writeRoleMatrixFamily stores the insured subject, roleMatrixMinor and a
// binding between them awaiting documents (live), once per database.
func writeRoleMatrixFamily(a *testAPI) {
	a.t.Helper()
	ctx := context.Background()
	holder := domain.IDNumber(subjectOf[domain.RoleInsured])
	for _, id := range []domain.IDNumber{holder, roleMatrixMinor} {
		if _, err := a.store.UpsertPerson(ctx, domain.Person{IDNumber: id, Name: "角色"}); err != nil {
			a.t.Fatal(err)
		}
	}
	nb := db.NewBinding{ID: uuid.NewString(), Holder: holder, Beneficiary: roleMatrixMinor, Relation: domain.RelationChild, At: testNow}
	err := a.store.CreateBinding(ctx, nb)
	if domain.ErrorCode(err) == domain.CodeBindingExists {
		return
	}
	if err != nil {
		a.t.Fatal(err)
	}
	// A live row has its workflow, as the API would have started it.
	_, err = testTemporal.Client().ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.BindingWorkflowID(nb.ID), TaskQueue: testTaskQueue},
		workflows.BindingLifecycle, workflows.BindingInput{BindingID: nb.ID, Relation: nb.Relation, RequestedAt: nb.At})
	if err != nil {
		a.t.Fatal(err)
	}
}

// concretePath fills a route's parameters with values of the right form.
func concretePath(route string) string {
	r := strings.NewReplacer(":beneficiary_id_number", string(roleMatrixMinor), ":id_number", string(newID()), ":filing_no", "BA-1", ":code", "H65270100001",
		":binding_id", "00000000-0000-4000-8000-000000000000", ":doc_id", "00000000-0000-4000-8000-000000000001",
		":settlement_id", "00000000-0000-4000-8000-000000000002", ":notification_id", "9223372036854775807",
		":webhook_id", "9223372036854775807", ":year", strconv.Itoa(premiumYear), ":payment_id", "00000000-0000-4000-8000-000000000003")
	return r.Replace(route)
}

func v1Routes(a *testAPI) []string {
	var out []string
	for _, r := range a.router.Routes() {
		if strings.HasPrefix(r.Path, "/v1/") {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

func TestRoleMatrix_EveryRouteIsListed(t *testing.T) {
	a := newTestAPI(t)
	routes := v1Routes(a)
	for _, r := range routes {
		if _, ok := allowedRoles[r]; !ok {
			t.Errorf("route %s has no entry in allowedRoles", r)
		}
	}
	for r := range allowedRoles {
		if !slices.Contains(routes, r) {
			t.Errorf("allowedRoles lists %s, which the router lacks", r)
		}
	}
}

func TestRoleMatrix_EveryRouteTimesEveryRole(t *testing.T) {
	a := newTestAPI(t)
	writeRoleMatrixFamily(a)
	for _, route := range v1Routes(a) {
		method, path, _ := strings.Cut(route, " ")
		for _, role := range domain.Roles {
			t.Run(route+" as "+string(role), func(t *testing.T) {
				res := a.do(request{method: method, path: concretePath(path), token: a.token(role, subjectOf[role]), body: map[string]any{}})
				allowed := slices.Contains(allowedRoles[route], role)
				switch {
				case allowed && (res.status == 401 || res.status == 403):
					t.Fatalf("role %s was refused: %d %s", role, res.status, res.body)
				case !allowed:
					res.expect(t, 403, domain.CodeForbidden)
				}
			})
		}
		t.Run(route+" without a token", func(t *testing.T) {
			a.do(request{method: method, path: concretePath(path)}).expect(t, 401, domain.CodeUnauthenticated)
		})
	}
}
