package api

import "context"

// awaitingTopup posts a visit that will wait for its top-up and returns
// the settlement as soon as it does, without sitting out the POST's
// settleWait; the POST's own answer (202, or 200 if the top-up came
// first) is checked when the test ends.
func (a *testAPI) awaitingTopup(inst institution, body map[string]any) settlementBody {
	a.t.Helper()
	answered := make(chan response, 1)
	go func() {
		answered <- a.do(request{method: "POST", path: "/v1/settlements", token: inst.token, body: body})
	}()
	t := a.t
	t.Cleanup(func() {
		if res := <-answered; res.status != 200 && res.status != 202 {
			t.Errorf("POST /v1/settlements: %d %s", res.status, res.body)
		}
	})
	var id string
	a.eventually("the settlement of visit "+body["visit_no"].(string), func() bool {
		return a.store.DB().GetContext(context.Background(), &id, `SELECT id FROM settlements
			WHERE institution_code = $1 AND visit_no = $2`, inst.code, body["visit_no"]) == nil
	})
	return a.waitSettlement(inst, id, "awaiting_topup")
}
