package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"gongji/db"
	"gongji/db/dbtest"
	"gongji/domain"
	"gongji/webhook"
	"gongji/worker"
)

// Webhook delivery end to end: a worker whose store queues webhooks (as
// `gongji worker` runs with GONGJI_WEBHOOK_URL set) on a task queue of its
// own, the API starting workflows there, the dispatcher, and a receiver.

var hookSecret = []byte("api-test-webhook-secret-0123456789")

// newWebhookAPI is newSettleAPI whose workflows run on a worker that
// queues every notice it writes in the webhook outbox.
func newWebhookAPI(t *testing.T) *testAPI {
	t.Helper()
	queue := "gongji-api-webhook-" + uuid.NewString()
	store := db.NewStore(dbtest.Open(t, testURL)).WithWebhookOutbox()
	w := worker.New(testTemporal.Client(), queue, worker.BuiltinDeps(store, nil))
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	a := newTestAPIWith(t, func(d *Deps) { d.TaskQueue, d.TopupTimeout = queue, settleTopupTimeout })
	t.Cleanup(func() { checkSettlementInvariants(t, a.store) })
	return a
}

// hookCall is one request the receiver got.
type hookCall struct {
	delivery  string
	ok        bool
	recipient string
	notice    int64
	kind      string
}

// hookReceiver is the operator's endpoint: it checks every signature and
// fails as fail says (n counts the attempts at one delivery, from 1).
type hookReceiver struct {
	t     *testing.T
	url   string
	mu    sync.Mutex
	calls []hookCall
	tries map[string]int
	fail  func(n int) bool
}

func newHookReceiver(t *testing.T, fail func(n int) bool) *hookReceiver {
	r := &hookReceiver{t: t, tries: map[string]int{}, fail: fail}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if err := webhook.Verify(hookSecret, req.Header, body); err != nil {
			t.Errorf("a delivery whose signature does not verify: %s: %v", body, err)
		}
		var p db.WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("body %s: %v", body, err)
		}
		id, _ := strconv.ParseInt(p.Notification.ID, 10, 64)
		c := hookCall{delivery: req.Header.Get(webhook.HeaderID), recipient: p.Notification.RecipientIDNumber, notice: id, kind: p.Notification.Kind}
		r.mu.Lock()
		r.tries[c.delivery]++
		c.ok = !r.fail(r.tries[c.delivery])
		r.calls = append(r.calls, c)
		r.mu.Unlock()
		if !c.ok {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

// delivered lists the notices of recipient the receiver took, in order.
func (r *hookReceiver) of(recipient domain.IDNumber) (tried, delivered []hookCall) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.calls {
		if c.recipient == string(recipient) {
			tried = append(tried, c)
			if c.ok {
				delivered = append(delivered, c)
			}
		}
	}
	return tried, delivered
}

// dispatch runs a dispatcher for the package's database until the test
// ends.
func dispatch(t *testing.T, url string, maxAttempts int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	d := webhook.New(db.NewStore(dbtest.Open(t, testURL)), webhook.Config{
		URL: url, Key: hookSecret, MaxAttempts: maxAttempts, Backoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		Workers: 3, Poll: 10 * time.Millisecond, Logger: slog.New(slog.DiscardHandler),
	})
	go func() {
		defer close(done)
		_ = d.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
}

func TestWebhook_SettlementAndBindingNotices_DeliveredOnceInOrderPerHolderSigned(t *testing.T) {
	a := newWebhookAPI(t)
	// The receiver fails the first two attempts of every message.
	r := newHookReceiver(t, func(n int) bool { return n <= 2 })
	dispatch(t, r.url, 8)
	inst := a.hospital()

	// Two holders at once: one settles and cancels, the other settles.
	f1, _ := a.boundFamily("1000.00", nil)
	f2, _ := a.boundFamily("1000.00", nil)
	s1 := a.settle(inst, visit(newVisitNo(), f1.beneficiary, true, cashTopup(), billItem("D001", "drug", "300.00")), "completed")
	a.settle(inst, visit(newVisitNo(), f2.beneficiary, true, cashTopup(), billItem("D001", "drug", "300.00")), "completed")
	a.cancelSettlement(inst, s1.ID).expect(t, 200, "")

	want := map[domain.IDNumber][]string{
		f1.holder: {"binding_approved", "shared_account_debited", "shared_account_refunded"},
		f2.holder: {"binding_approved", "shared_account_debited"},
	}
	for holder, kinds := range want {
		a.eventually("every notice of "+string(holder)+" delivered", func() bool {
			_, delivered := r.of(holder)
			return len(delivered) == len(kinds) && a.count(`SELECT count(*) FROM webhook_outbox
				WHERE recipient_id_number = $1 AND status = 'delivered'`, holder) == len(kinds)
		})
	}
	// Let late retries (there must be none) arrive.
	time.Sleep(200 * time.Millisecond)

	for holder, kinds := range want {
		tried, delivered := r.of(holder)
		inbox, _ := a.meNotifications(a.token(domain.RoleInsured, string(holder)), "", nil)
		var got, inboxIDs []string
		for _, c := range delivered {
			got = append(got, c.kind)
		}
		for i := len(inbox.Items) - 1; i >= 0; i-- {
			inboxIDs = append(inboxIDs, inbox.Items[i].ID)
		}
		var deliveredIDs []string
		for _, c := range delivered {
			deliveredIDs = append(deliveredIDs, strconv.FormatInt(c.notice, 10))
		}
		if !slices.Equal(got, kinds) || !slices.Equal(deliveredIDs, inboxIDs) {
			t.Fatalf("holder %s: delivered %v %v, want each notice of the inbox %v once, oldest first", holder, got, deliveredIDs, inboxIDs)
		}
		// Never a newer notice before an older one was through.
		for i := 1; i < len(tried); i++ {
			if tried[i].notice < tried[i-1].notice {
				t.Fatalf("holder %s: notice %d tried after %d", holder, tried[i].notice, tried[i-1].notice)
			}
		}
		if len(tried) != 3*len(kinds) {
			t.Fatalf("holder %s: %d attempts, want 3 per notice", holder, len(tried))
		}
	}
	// The debit's notice and its outbox row were written with the debit.
	if n := a.count(`SELECT count(*) FROM notifications n JOIN webhook_outbox o ON o.notification_id = n.id
		WHERE n.settlement_id = $1`, s1.ID); n != 2 {
		t.Fatalf("%d queued notices for the cancelled settlement, want the debit's and the refund's", n)
	}
}

type webhookBody struct {
	ID                string          `json:"id"`
	NotificationID    string          `json:"notification_id"`
	RecipientIDNumber string          `json:"recipient_id_number"`
	Status            string          `json:"status"`
	Attempts          int             `json:"attempts"`
	LastError         string          `json:"last_error"`
	ParkedAt          *string         `json:"parked_at"`
	DeliveredAt       *string         `json:"delivered_at"`
	Payload           json.RawMessage `json:"payload"`
}

func TestWebhook_ParkedAfterMaxAttempts_AdminListsAndReplays(t *testing.T) {
	a := newWebhookAPI(t)
	var healthy atomic.Bool
	r := newHookReceiver(t, func(int) bool { return !healthy.Load() })
	dispatch(t, r.url, 3)
	f, _ := a.boundFamily("1000.00", nil)

	a.eventually("the approval notice parked", func() bool {
		return a.count(`SELECT count(*) FROM webhook_outbox WHERE recipient_id_number = $1 AND status = 'parked'`, f.holder) == 1
	})
	if tried, _ := r.of(f.holder); len(tried) != 3 {
		t.Fatalf("%d attempts before parking, want 3", len(tried))
	}

	// The admin finds it among the parked messages.
	var parked webhookBody
	cursor := ""
	for page := 0; parked.ID == "" && page < 100; page++ {
		res := a.do(request{method: "GET", path: "/v1/admin/webhooks/parked?limit=5" + cursor, token: a.admin()})
		res.expect(t, 200, "")
		var list struct {
			Items      []webhookBody `json:"items"`
			NextCursor *string       `json:"next_cursor"`
		}
		res.json(t, &list)
		for _, m := range list.Items {
			if m.Status != "parked" {
				t.Fatalf("a %s message in the parked list", m.Status)
			}
			if m.RecipientIDNumber == string(f.holder) {
				parked = m
			}
		}
		if list.NextCursor == nil {
			break
		}
		cursor = "&cursor=" + *list.NextCursor
	}
	var payload db.WebhookPayload
	if err := json.Unmarshal(parked.Payload, &payload); err != nil || parked.Attempts != 3 || parked.ParkedAt == nil ||
		parked.DeliveredAt != nil || parked.LastError == "" || payload.Notification.Kind != "binding_approved" ||
		payload.Notification.ID != parked.NotificationID {
		t.Fatalf("parked message %+v (%v)", parked, err)
	}
	a.do(request{method: "GET", path: "/v1/admin/webhooks/parked", token: f.holderToken}).expect(t, 403, domain.CodeForbidden)
	a.post(f.holderToken, "/v1/admin/webhooks/"+parked.ID+"/replay", nil).expect(t, 403, domain.CodeForbidden)

	// Replayed once the receiver is back: pending with no attempts, then
	// delivered, once.
	healthy.Store(true)
	res := a.post(a.admin(), "/v1/admin/webhooks/"+parked.ID+"/replay", nil)
	res.expect(t, 200, "")
	var replayed webhookBody
	res.json(t, &replayed)
	if replayed.ID != parked.ID || replayed.Status != "pending" || replayed.Attempts != 0 || replayed.ParkedAt != nil {
		t.Fatalf("replayed %+v", replayed)
	}
	a.eventually("the replayed message delivered", func() bool {
		_, delivered := r.of(f.holder)
		return len(delivered) == 1 && a.count(`SELECT count(*) FROM webhook_outbox WHERE id = $1 AND status = 'delivered'`, parked.ID) == 1
	})
	a.post(a.admin(), "/v1/admin/webhooks/"+parked.ID+"/replay", nil).expect(t, 409, domain.CodeWebhookNotParked)
	for _, id := range []string{"4611686018427387904", "abc", "0"} {
		a.post(a.admin(), "/v1/admin/webhooks/"+id+"/replay", nil).expect(t, 404, domain.CodeWebhookNotFound)
	}
	if _, delivered := r.of(f.holder); len(delivered) != 1 {
		t.Fatalf("delivered %d times, want once", len(delivered))
	}
}
