package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"

	"gongji/db"
	"gongji/db/dbtest"
)

func TestHealthz_AnswersWithoutToken(t *testing.T) {
	newTestAPI(t).do(request{method: "GET", path: "/healthz"}).expect(t, 200, "")
}

func TestReadyz_PostgresAndTemporalUp_IsReady(t *testing.T) {
	res := newTestAPI(t).do(request{method: "GET", path: "/readyz"})
	res.expect(t, 200, "")
	var body struct {
		Ready  bool              `json:"ready"`
		Checks map[string]string `json:"checks"`
	}
	res.json(t, &body)
	if !body.Ready || body.Checks["postgres"] != "ok" || body.Checks["temporal"] != "ok" {
		t.Fatalf("readyz = %s", res.body)
	}
}

type downTemporal struct{ Temporal }

func (downTemporal) CheckHealth(context.Context, *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	return nil, errors.New("connection refused")
}

func TestReadyz_TemporalDown_Is503(t *testing.T) {
	store := db.NewStore(dbtest.Open(t, testURL))
	h := NewHandler(Deps{Store: store, Temporal: downTemporal{}, JWTSecret: testSecret, Logger: slog.New(slog.DiscardHandler)})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), `"temporal":"unreachable"`) {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
}

func TestReadyz_PostgresDown_Is503(t *testing.T) {
	conn := dbtest.Open(t, testURL)
	conn.Close()
	h := NewHandler(Deps{Store: db.NewStore(conn), Temporal: testTemporal.Client(), JWTSecret: testSecret, Logger: slog.New(slog.DiscardHandler)})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), `"postgres":"unreachable"`) {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
}

func TestMetrics_CountsRequestsByRoute(t *testing.T) {
	a := newTestAPI(t)
	a.do(request{method: "GET", path: "/healthz"})
	res := a.do(request{method: "GET", path: "/metrics"})
	res.expect(t, 200, "")
	if !strings.Contains(string(res.body), `gongji_http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
		t.Fatalf("metrics lack the healthz request:\n%s", res.body)
	}
}

func TestUnknownRoute_IsNotFoundEnvelope(t *testing.T) {
	newTestAPI(t).do(request{method: "GET", path: "/v2/nothing"}).expect(t, 404, "NOT_FOUND")
}
