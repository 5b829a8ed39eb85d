package webhook_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"

	"gongji/db"
	"gongji/db/dbtest"
	"gongji/domain"
	"gongji/webhook"
)

var testURL string

func TestMain(m *testing.M) { os.Exit(dbtest.Run(m, &testURL)) }

var secret = []byte("whsec-test-secret-0123456789")

var seq atomic.Int64

func newID() domain.IDNumber {
	n := int(seq.Add(1))
	return domain.ComposeIDNumber("652701", domain.NewDate(1970+n/336, time.Month(1+n/28%12), 1+n%28), n%1000)
}

// queue writes n notices for recipient through a store that queues
// webhooks, and returns their notification ids, oldest first.
func queue(t *testing.T, s *db.Store, recipient domain.IDNumber, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	var keys []string
	for i := range n {
		key := fmt.Sprintf("webhook-test:%s:%d:%d", recipient, i, seq.Add(1))
		keys = append(keys, key)
		err := s.AddNotification(ctx, db.Notification{
			Recipient: string(recipient), Kind: string(domain.NoticeBindingApproved), Title: "家庭共济已生效", Body: fmt.Sprintf("第%d条", i),
			TitleEN: "Family mutual aid is active", BodyEN: fmt.Sprintf("message %d", i),
			BindingID: sql.NullString{String: "bnd-1", Valid: true}, DedupKey: key,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DB().SelectContext(ctx, &ids, `SELECT o.notification_id FROM webhook_outbox o JOIN notifications n ON n.id = o.notification_id
		WHERE n.dedup_key = ANY($1) ORDER BY o.id`, pq.StringArray(keys)); err != nil {
		t.Fatal(err)
	}
	if len(ids) != n {
		t.Fatalf("%d outbox rows for %d notices", len(ids), n)
	}
	return ids
}

// attempt is one request the receiver got.
type attempt struct {
	delivery     string
	attemptNo    int
	recipient    string
	notification int64
	ok           bool
	body         []byte
}

// receiver is a webhook endpoint that checks every signature and fails as
// fail says.
type receiver struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	attempts []attempt
	// fail decides whether the n-th attempt (from 1) at a delivery fails.
	fail func(a attempt, n int) bool
	seen map[string]int
}

func newReceiver(t *testing.T, fail func(a attempt, n int) bool) *receiver {
	r := &receiver{t: t, fail: fail, seen: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
		r.t.Errorf("%s with Content-Type %q", req.Method, req.Header.Get("Content-Type"))
	}
	if err := webhook.Verify(secret, req.Header, body); err != nil {
		r.t.Errorf("signature %q at %s does not verify for %s: %v", req.Header.Get(webhook.HeaderSignature), req.Header.Get(webhook.HeaderTimestamp), body, err)
	}
	var p db.WebhookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		r.t.Errorf("body %s: %v", body, err)
	}
	id, _ := strconv.ParseInt(p.Notification.ID, 10, 64)
	n, _ := strconv.Atoi(req.Header.Get(webhook.HeaderAttempt))
	a := attempt{delivery: req.Header.Get(webhook.HeaderID), attemptNo: n, recipient: p.Notification.RecipientIDNumber, notification: id, body: body}
	r.mu.Lock()
	r.seen[a.delivery]++
	a.ok = !r.fail(a, r.seen[a.delivery])
	r.attempts = append(r.attempts, a)
	r.mu.Unlock()
	if !a.ok {
		http.Error(w, "receiver down", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) of(recipient domain.IDNumber) []attempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []attempt
	for _, a := range r.attempts {
		if a.recipient == string(recipient) {
			out = append(out, a)
		}
	}
	return out
}

func fastConfig(url string) webhook.Config {
	return webhook.Config{
		URL: url, Key: secret, MaxAttempts: 8, Backoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		Timeout: 5 * time.Second, Workers: 4, Poll: 5 * time.Millisecond, Logger: slog.New(slog.DiscardHandler),
	}
}

// run runs a dispatcher until stop is called.
func run(t *testing.T, s *db.Store, cfg webhook.Config) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = webhook.New(s, cfg).Run(ctx)
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func countRows(t *testing.T, s *db.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB().GetContext(context.Background(), &n, q, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

func outbox(t *testing.T, s *db.Store, notificationID int64) db.OutboxMessage {
	t.Helper()
	var id int64
	if err := s.DB().GetContext(context.Background(), &id, `SELECT id FROM webhook_outbox WHERE notification_id = $1`, notificationID); err != nil {
		t.Fatal(err)
	}
	m, err := s.Webhook(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The test vector the Standard Webhooks libraries share (whsec_ key
// MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, id, Unix timestamp, body).
func TestSign_MatchesTheStandardWebhooksTestVector(t *testing.T) {
	key, err := base64.StdEncoding.DecodeString("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	got, err := webhook.Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; err != nil || got != want {
		t.Fatalf("Sign = %q, %v; want %q", got, err, want)
	}
}

// signed is the headers of a delivery of body with id, signed at at.
func signed(t *testing.T, key []byte, id string, at time.Time, body []byte) http.Header {
	t.Helper()
	sig, err := webhook.Sign(key, id, at, body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set(webhook.HeaderID, id)
	h.Set(webhook.HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	h.Set(webhook.HeaderSignature, sig)
	return h
}

// Verify is the receiver's check: the signature of the id, the timestamp
// and the exact body, a timestamp within Tolerance, any of several
// space-separated signatures.
func TestVerify_RefusesTamperedAndReplayedDeliveries(t *testing.T) {
	body := []byte(`{"notification":{"id":"7"}}`)
	now := time.Now()
	tests := []struct {
		name   string
		header func() http.Header
		body   []byte
		ok     bool
	}{
		{"as signed", func() http.Header { return signed(t, secret, "42", now, body) }, body, true},
		{"signed a minute ago", func() http.Header { return signed(t, secret, "42", now.Add(-time.Minute), body) }, body, true},
		{"another signature before it", func() http.Header {
			h := signed(t, secret, "42", now, body)
			h.Set(webhook.HeaderSignature, "v1,bm90IHRoaXMgb25l "+h.Get(webhook.HeaderSignature))
			return h
		}, body, true},
		{"a tampered body", func() http.Header { return signed(t, secret, "42", now, body) }, []byte(`{"notification":{"id":"8"}}`), false},
		{"another key", func() http.Header { return signed(t, []byte("another-key-0123456789"), "42", now, body) }, body, false},
		{"another id", func() http.Header {
			h := signed(t, secret, "42", now, body)
			h.Set(webhook.HeaderID, "43")
			return h
		}, body, false},
		{"a timestamp moved on", func() http.Header {
			h := signed(t, secret, "42", now.Add(-time.Minute), body)
			h.Set(webhook.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
			return h
		}, body, false},
		{"replayed after the tolerance", func() http.Header {
			return signed(t, secret, "42", now.Add(-webhook.Tolerance-time.Minute), body)
		}, body, false},
		{"from beyond the tolerance ahead", func() http.Header {
			return signed(t, secret, "42", now.Add(webhook.Tolerance+time.Minute), body)
		}, body, false},
		{"no timestamp", func() http.Header {
			h := signed(t, secret, "42", now, body)
			h.Del(webhook.HeaderTimestamp)
			return h
		}, body, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := webhook.Verify(secret, tt.header(), tt.body); (err == nil) != tt.ok {
				t.Fatalf("Verify = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestBackoff_DoublesUpToTheCap(t *testing.T) {
	tests := []struct {
		n    int
		want time.Duration
	}{
		{1, 10 * time.Second}, {2, 20 * time.Second}, {3, 40 * time.Second}, {7, 640 * time.Second},
		{9, 2560 * time.Second}, {10, time.Hour}, {60, time.Hour}, {1000, time.Hour},
	}
	for _, tt := range tests {
		if got := webhook.Backoff(10*time.Second, time.Hour, tt.n); got != tt.want {
			t.Errorf("Backoff(10s, 1h, %d) = %s, want %s", tt.n, got, tt.want)
		}
	}
}

// A receiver that fails the first two attempts of every message gets each
// message exactly once in the end, each holder's in order, never a newer
// one before an older one of the same holder is through, with four
// workers delivering at once; every request is signed.
func TestDispatcher_FailingReceiver_DeliversEachOnceInOrderPerHolder(t *testing.T) {
	s := db.NewStore(dbtest.Open(t, testURL)).WithWebhookOutbox()
	holders := []domain.IDNumber{newID(), newID(), newID()}
	ids := map[domain.IDNumber][]int64{}
	for range 2 { // interleave the holders' notices
		for _, h := range holders {
			ids[h] = append(ids[h], queue(t, s, h, 3)...)
		}
	}
	r := newReceiver(t, func(_ attempt, n int) bool { return n <= 2 })
	stop := run(t, s, fastConfig(r.srv.URL+"/hook"))
	eventually(t, "every message delivered", func() bool {
		return countRows(t, s, `SELECT count(*) FROM webhook_outbox WHERE recipient_id_number = ANY($1) AND status = 'delivered'`,
			pq.StringArray{string(holders[0]), string(holders[1]), string(holders[2])}) == 18
	})
	stop()

	for _, h := range holders {
		got := r.of(h)
		var delivered []int64
		last := int64(0)
		for _, a := range got {
			if a.notification < last {
				t.Fatalf("holder %s: notification %d was tried after %d: %+v", h, a.notification, last, got)
			}
			last = a.notification
			if a.ok {
				delivered = append(delivered, a.notification)
			}
		}
		// ids were read per batch; the notification ids of one holder grow.
		want := slices.Clone(ids[h])
		slices.Sort(want)
		if fmt.Sprint(delivered) != fmt.Sprint(want) {
			t.Fatalf("holder %s: delivered %v, want each of %v once, in order", h, delivered, want)
		}
		if len(got) != 3*len(want) {
			t.Fatalf("holder %s: %d attempts, want 3 per message", h, len(got))
		}
		for _, a := range got {
			m := outbox(t, s, a.notification)
			if a.delivery != strconv.FormatInt(m.ID, 10) || string(a.body) != string(m.Payload) {
				t.Fatalf("delivery %s of notification %d: outbox row %d, body %s vs %s", a.delivery, a.notification, m.ID, a.body, m.Payload)
			}
			if m.Status != db.WebhookDelivered || m.Attempts != 3 || m.DeliveredAt == nil || !strings.Contains(m.LastError, "HTTP 500") {
				t.Fatalf("outbox row %+v", m)
			}
			if a.ok && a.attemptNo != 3 {
				t.Fatalf("succeeded on attempt header %d, want 3", a.attemptNo)
			}
		}
	}
}

// A message that fails every attempt is parked after MaxAttempts; the
// holder's next message goes out then, and an admin's replay sends the
// parked one again, once.
func TestDispatcher_ParksAfterMaxAttempts_ThenReplayDelivers(t *testing.T) {
	s := db.NewStore(dbtest.Open(t, testURL)).WithWebhookOutbox()
	ctx := context.Background()
	h := newID()
	ids := queue(t, s, h, 2)
	var healthy atomic.Bool
	r := newReceiver(t, func(a attempt, _ int) bool { return a.notification == ids[0] && !healthy.Load() })
	cfg := fastConfig(r.srv.URL)
	cfg.MaxAttempts = 3
	stop := run(t, s, cfg)
	eventually(t, "the first parked and the second delivered", func() bool {
		return outbox(t, s, ids[0]).Status == db.WebhookParked && outbox(t, s, ids[1]).Status == db.WebhookDelivered
	})
	parked := outbox(t, s, ids[0])
	if parked.Attempts != 3 || parked.ParkedAt == nil || !strings.Contains(parked.LastError, "HTTP 500") || !strings.Contains(parked.LastError, "receiver down") {
		t.Fatalf("parked row %+v", parked)
	}
	var order []int64
	for _, a := range r.of(h) {
		order = append(order, a.notification)
	}
	if want := []int64{ids[0], ids[0], ids[0], ids[1]}; fmt.Sprint(order) != fmt.Sprint(want) {
		t.Fatalf("attempts %v, want %v", order, want)
	}
	list, err := s.ParkedWebhooks(ctx, 0, 100)
	if err != nil || !slices.ContainsFunc(list, func(m db.OutboxMessage) bool { return m.ID == parked.ID }) {
		t.Fatalf("parked list %+v, %v: want %d in it", list, err, parked.ID)
	}

	healthy.Store(true)
	replayed, err := s.ReplayWebhook(ctx, parked.ID)
	if err != nil || replayed.Status != db.WebhookPending || replayed.Attempts != 0 || replayed.ParkedAt != nil {
		t.Fatalf("replay: %+v, %v", replayed, err)
	}
	eventually(t, "the replayed message delivered", func() bool { return outbox(t, s, ids[0]).Status == db.WebhookDelivered })
	stop()
	ok := 0
	for _, a := range r.of(h) {
		if a.ok && a.notification == ids[0] {
			ok++
		}
	}
	if ok != 1 {
		t.Fatalf("the replayed message was delivered %d times, want once", ok)
	}
	if _, err := s.ReplayWebhook(ctx, parked.ID); domain.ErrorCode(err) != domain.CodeWebhookNotParked {
		t.Fatalf("replaying a delivered message: %v, want WEBHOOK_NOT_PARKED", err)
	}
	if _, err := s.ReplayWebhook(ctx, 1<<62); domain.ErrorCode(err) != domain.CodeWebhookNotFound {
		t.Fatalf("replaying an unknown message: %v, want WEBHOOK_NOT_FOUND", err)
	}
}

// An attempt cut short by the dispatcher's shutdown does not count: the
// message stays pending with no attempt recorded.
func TestDispatcher_ShutdownDuringAnAttempt_DoesNotCountIt(t *testing.T) {
	s := db.NewStore(dbtest.Open(t, testURL)).WithWebhookOutbox()
	h := newID()
	ids := queue(t, s, h, 1)
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the body, so that the server notices the client going away.
		_, _ = io.ReadAll(r.Body)
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	cfg := fastConfig(srv.URL)
	cfg.Workers = 1
	stop := run(t, s, cfg)
	select {
	case <-arrived:
	case <-time.After(20 * time.Second):
		t.Fatal("the receiver was never called")
	}
	stop()
	if m := outbox(t, s, ids[0]); m.Status != db.WebhookPending || m.Attempts != 0 || m.LastError != "" {
		t.Fatalf("after shutdown: %+v", m)
	}
}

// A receiver that cannot be reached is a failed attempt; the error kept
// does not repeat the URL, which may carry a token.
func TestDispatcher_UnreachableReceiver_IsAFailedAttemptWithoutTheURL(t *testing.T) {
	s := db.NewStore(dbtest.Open(t, testURL)).WithWebhookOutbox()
	h := newID()
	ids := queue(t, s, h, 1)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	cfg := fastConfig(closed.URL + "/hook?token=tok-very-secret")
	cfg.MaxAttempts, cfg.Workers = 2, 1
	stop := run(t, s, cfg)
	eventually(t, "the message parked", func() bool { return outbox(t, s, ids[0]).Status == db.WebhookParked })
	stop()
	m := outbox(t, s, ids[0])
	if m.Attempts != 2 || m.LastError == "" || strings.Contains(m.LastError, "tok-very-secret") {
		t.Fatalf("row %+v", m)
	}
}
