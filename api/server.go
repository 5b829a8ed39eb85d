// Package api is gongji's HTTP interface: the gin router, authentication,
// request validation, idempotency and the one table from error code to HTTP
// status.
package api

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"gongji/app"
	"gongji/db"
	"gongji/domain"
)

// bindingUpdateTimeout bounds how long a request waits for a binding's
// workflow to answer an update (the worker may be down or the workflow
// busy); the client then gets UNAVAILABLE instead of hanging.
const bindingUpdateTimeout = 10 * time.Second

// Deps is what the API needs to run.
type Deps struct {
	Store    *db.Store
	Temporal Temporal
	// Premiums is the premium collection system's policy data.
	Premiums app.PremiumRates
	// TaskQueue is where the API starts workflows.
	TaskQueue string
	// TopupTimeout is how long a settlement waits for its top-up.
	TopupTimeout time.Duration
	// JWTSecret verifies bearer tokens (HS256).
	JWTSecret []byte
	Logger    *slog.Logger
	// Registry receives the API's metrics and is served at /metrics.
	Registry *prometheus.Registry
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

type server struct {
	store    *db.Store
	temporal Temporal
	// app runs the use cases the handlers decode for and encode.
	app *app.App
	now func() time.Time
}

func init() { gin.SetMode(gin.ReleaseMode) }

// NewHandler builds the HTTP handler with every route of the API.
func NewHandler(d Deps) http.Handler { return newRouter(d) }

func newRouter(d Deps) *gin.Engine {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Registry == nil {
		d.Registry = NewRegistry()
	}
	s := &server{store: d.Store, temporal: d.Temporal, now: d.Now, app: app.New(app.Config{
		Store: d.Store, Temporal: d.Temporal, Premiums: d.Premiums, TaskQueue: d.TaskQueue, TopupTimeout: d.TopupTimeout,
		BindingUpdateTimeout: bindingUpdateTimeout,
	})}
	metrics := newHTTPMetrics(d.Registry)

	r := gin.New()
	r.ContextWithFallback = true
	r.Use(withRequestID(d.Logger), recoverPanics, metrics.middleware)
	r.NoRoute(func(c *gin.Context) { abortWithError(c, domain.Errorf(domain.CodeNotFound, "no such resource")) })

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{})))
	r.GET("/openapi.yaml", serveOpenAPI)

	v1 := r.Group("/v1", authenticate(d.JWTSecret, d.Now), idempotent(d.Store))
	admin := v1.Group("", requireRole(domain.RoleAdmin))
	admin.PUT("/persons/:id_number", handle(s.putPerson))
	admin.GET("/persons/:id_number", handle(s.getPerson))
	admin.PUT("/persons/:id_number/enrolment", handle(s.putEnrolment))
	admin.PUT("/persons/:id_number/account", handle(s.putAccount))
	admin.POST("/persons/:id_number/account/entries", handle(s.postAccountEntry))
	admin.PUT("/persons/:id_number/filings/:filing_no", handle(s.putFiling))
	admin.POST("/persons/:id_number/death", handle(s.postDeath))
	admin.PUT("/institutions/:code", handle(s.putInstitution))

	insured := v1.Group("", requireRole(domain.RoleInsured))
	insured.POST("/bindings", handle(s.postBinding))
	insured.GET("/bindings", handle(s.listBindings))
	insured.POST("/bindings/:binding_id/documents", handle(s.postDocument))
	insured.POST("/bindings/:binding_id/submit", handle(s.submitBinding))
	insured.PATCH("/bindings/:binding_id", handle(s.patchBinding))
	insured.POST("/bindings/:binding_id/unbind", handle(s.unbindBinding))
	insured.POST("/bindings/:binding_id/consent", handle(s.consentBinding))
	v1.GET("/bindings/:binding_id", requireRole(domain.RoleInsured, domain.RoleReviewer, domain.RoleAdmin), handle(s.getBinding))
	v1.GET("/bindings/:binding_id/documents/:doc_id", requireRole(domain.RoleInsured, domain.RoleReviewer), handle(s.getDocument))
	reviewer := v1.Group("", requireRole(domain.RoleReviewer))
	reviewer.POST("/bindings/:binding_id/review", handle(s.reviewBinding))
	reviewer.GET("/reviews", handle(s.listReviews))

	// Holder self-service (the caller's own account, inbox and payer
	// order, and a minor's payer order set by a parent) and the webhook
	// outbox's parked messages.
	insured.GET("/me/account", handle(s.getMyAccount))
	insured.GET("/me/notifications", handle(s.listMyNotifications))
	insured.POST("/me/notifications/:notification_id/read", handle(s.readMyNotification))
	insured.GET("/me/priority", handle(s.getMyPriority))
	insured.PUT("/me/priority", handle(s.putMyPriority))
	insured.GET("/family/:beneficiary_id_number/priority", handle(s.getFamilyPriority))
	insured.PUT("/family/:beneficiary_id_number/priority", handle(s.putFamilyPriority))
	admin.GET("/admin/webhooks/parked", handle(s.listParkedWebhooks))
	admin.POST("/admin/webhooks/:webhook_id/replay", handle(s.replayWebhook))

	institution := v1.Group("", requireRole(domain.RoleInstitution))
	institution.POST("/settlements", handle(s.postSettlement))
	institution.GET("/settlements", handle(s.listSettlements))
	institution.GET("/settlements/:settlement_id", handle(s.getSettlement))
	institution.POST("/settlements/:settlement_id/topup", handle(s.postTopup))
	institution.POST("/settlements/:settlement_id/cancel", handle(s.postCancel))

	v1.GET("/premiums/:year", handle(s.getPremium))
	insured.POST("/premium-payments", handle(s.postPremiumPayment))
	insured.GET("/premium-payments/:payment_id", handle(s.getPremiumPayment))
	return r
}

// recoverPanics turns a panic into a 500 INTERNAL answer without its text.
func recoverPanics(c *gin.Context) {
	defer func() {
		if p := recover(); p != nil {
			logger(c).Error("panic", "panic", p)
			abortWithError(c, domain.Errorf(domain.CodeInternal, "internal error; quote request id %s", requestID(c)))
		}
	}()
	c.Next()
}

func (s *server) today() domain.Date { return domain.DateOf(s.now()) }

// pathIDNumber validates the :id_number path parameter.
func (s *server) pathIDNumber(c *gin.Context) (domain.IDNumber, error) {
	return domain.ParseIDNumber(c.Param("id_number"), s.today())
}

// handle adapts a handler that returns an error: a returned error is
// answered with the error envelope.
func handle(fn func(c *gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := fn(c); err != nil {
			abortWithError(c, err)
		}
	}
}
