package chaos

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"gongji/api"
	"gongji/db"
	"gongji/db/dbtest"
	"gongji/domain"
	"gongji/internal/invariants"
	"gongji/internal/temporaltest"
	"gongji/sim"
)

// TestChaos runs a stream of settlements (several children sharing
// paying parents, random bills at two hospitals and a pharmacy, cards
// that pay, decline or never answer, cash collected or never, some
// visits sent twice, some cancelled), interleaved with the parents paying
// the children's premiums from the shared account (each with an
// Idempotency-Key, some sent again or twice at once, some already booked
// at the counter), and, with -chaos.holder-changes, parents who die, move
// out of Bortala or lose cover mid-stream, while it SIGKILLs the `gongji
// worker` process, restarts the Temporal dev server (state kept in its
// file) and terminates every PostgreSQL connection of the database, at
// moments drawn from the seed. The API runs in this process. At the end
// every settlement and premium payment must have ended (completed,
// reversed, cancelled, or failed with a reason), each visit must be one
// settlement and each key one payment, what the client saw must match the
// ledger, no debit of a changed holder may have begun after the change was
// answered, and internal/invariants must find nothing broken. Flags:
// -chaos.long and the others in params_test.go.
func TestChaos(t *testing.T) {
	p := loadParams()
	t.Logf("seed %d: %d settlements, %d at a time, %d worker kills, %d Temporal restarts, %d PostgreSQL terminations, %d holder changes",
		p.Seed, p.Settlements, p.Concurrency, p.Kills, p.TemporalRestarts, p.PGTerminations, p.HolderChanges)
	begin := time.Now()
	ctx := context.Background()
	dir := t.TempDir()
	env := startEnvironment(t, ctx, dir, p)

	rng := rand.New(rand.NewPCG(uint64(p.Seed), 0))
	setupCtx, cancel := context.WithTimeout(ctx, time.Minute+time.Duration(p.Families)*20*time.Second)
	pop, err := setUp(setupCtx, env.client, env.tokens, rng, p.Families)
	admin := env.tokens.sign(domain.RoleAdmin, "chaos-admin")
	day := domain.DateOf(time.Now())
	var years []premium
	if err == nil {
		years, err = premiumYears(setupCtx, env.client, admin, day)
	}
	cancel()
	if err != nil {
		t.Fatalf("set-up: %v", err)
	}
	plan := planRun(rng, pop, years, p)
	w := workload{visits: plan.visits, premiums: plan.premiums, tokens: env.tokens, day: day}
	conn := dbtest.Open(t, env.dbURL)
	if err := bookAtCounter(ctx, conn, w.premiums); err != nil {
		t.Fatal(err)
	}
	prep := time.Since(begin)

	var started atomic.Int64
	injected := make(chan faultStats, 1)
	injectErr := make(chan error, 1)
	go func() {
		st, err := env.injector.run(ctx, rng, plan.faults, &started)
		injected <- st
		injectErr <- err
	}()
	changed := make(chan []changeResult, 1)
	go func() {
		changed <- changer{c: env.client, admin: admin, temporal: env.temporal, day: day}.run(ctx, plan.changes, &started)
	}()
	credited := make(chan int, 1)
	creditErr := make(chan error, 1)
	go func() {
		n, err := postCredits(ctx, env.client, admin, plan.credits, &started)
		credited <- n
		creditErr <- err
	}()
	results, premiums := runWorkload(ctx, env.client, w, p.Concurrency, p.VisitDeadline, &started)
	fstats := <-injected
	if err := <-injectErr; err != nil {
		t.Errorf("fault injection: %v", err)
	}
	changeResults := <-changed
	credits := <-credited
	if err := <-creditErr; err != nil {
		t.Errorf("contributions: %v", err)
	}

	problems := checkVisits(results, unboundSince(pop, changeResults))
	problems = append(problems, checkPremiums(premiums)...)
	problems = append(problems, waitSettled(ctx, env.dbURL, 2*time.Minute)...)
	report, money := checkDatabase(t, ctx, env.dbURL, env.temporal, results, premiums)
	problems = append(problems, money...)
	late := checkChanges(t, ctx, env.dbURL, changeResults)
	for _, c := range changeResults {
		if c.err != nil {
			problems = append(problems, fmt.Sprintf("holder %s: %s: %v", c.change.holder, changeNames[c.change.kind], c.err))
		}
		for _, d := range late[c.change.holder] {
			problems = append(problems, fmt.Sprintf("holder %s (%s, answered at %s): %s %s of %s began at %s, after the change",
				c.change.holder, changeNames[c.change.kind], c.at.Format(time.RFC3339Nano), d.Kind, d.Amount, d.Reference,
				d.At.Format(time.RFC3339Nano)))
		}
	}

	r := runReport{params: p, wall: time.Since(begin), prep: prep, pop: pop, years: years, results: results, premiums: premiums,
		changes: changeResults, late: late, credits: credits, worker: env.worker.snapshot(), faults: fstats, retries: env.client.retries.Load(),
		invariants: report}
	var out strings.Builder
	if err := r.write(&out); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	for _, res := range report.Results {
		for _, v := range res.Violations {
			problems = append(problems, fmt.Sprintf("invariant %d broken: %s: %s", res.Design, res.Name, v))
		}
	}
	for _, pr := range problems {
		t.Error(pr)
	}
	if t.Failed() {
		t.Logf("seed %d; worker log (last lines):\n%s", p.Seed, tail(filepath.Join(dir, "worker.log"), 40))
	}
}

// environment is one run's processes and the API client.
type environment struct {
	dbURL    string
	temporal client.Client
	client   *apiClient
	tokens   tokens
	worker   *workerSupervisor
	injector injector
}

// startEnvironment builds gongji, creates the database, starts the
// Temporal dev server on a file, the supervised worker process and the
// API in this process. Everything is stopped and dropped when t ends.
func startEnvironment(t *testing.T, ctx context.Context, dir string, p params) environment {
	t.Helper()
	cli, err := temporaltest.CLIPath()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := buildGongji(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	dbURL, drop, err := dbtest.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	admin := dbtest.Open(t, dbtest.AdminURL())

	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	ts := &temporalServer{cli: cli, dbFile: filepath.Join(dir, "temporal.db"), logPath: filepath.Join(dir, "temporal.log"),
		addr: fmt.Sprintf("127.0.0.1:%d", port)}
	if err := ts.start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ts.p.stop(syscall.SIGTERM) })

	taskQueue := fmt.Sprintf("chaos-%d", p.Seed)
	sup := newWorkerSupervisor(bin, filepath.Join(dir, "worker.log"), workerEnv(map[string]string{
		"DATABASE_URL": dbURL, "TEMPORAL_ADDRESS": ts.addr, "TEMPORAL_NAMESPACE": "default", "GONGJI_TASK_QUEUE": taskQueue,
		"GONGJI_TOPUP_TIMEOUT": p.TopupTimeout.String(), "GONGJI_LOG_FORMAT": "text", "GONGJI_LOG_LEVEL": "warn",
	}), p.Seed)
	go sup.run()
	t.Cleanup(sup.stop)

	conn := dbtest.Open(t, dbURL)
	discard := slog.New(slog.DiscardHandler)
	tc, err := client.NewLazyClient(client.Options{HostPort: ts.addr, Namespace: "default", Logger: tlog.NewStructuredLogger(discard)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	secret := make([]byte, 32)
	_, _ = crand.Read(secret)
	k := tokens{secret: []byte(hex.EncodeToString(secret))}
	srv := httptest.NewServer(api.NewHandler(api.Deps{Store: db.NewStore(conn), Temporal: tc, Premiums: sim.Premiums{DB: conn}, TaskQueue: taskQueue,
		TopupTimeout: p.TopupTimeout, JWTSecret: k.secret, Logger: discard}))
	t.Cleanup(srv.Close)

	return environment{dbURL: dbURL, temporal: tc, client: newAPIClient(srv.URL), tokens: k, worker: sup,
		injector: injector{worker: sup, temporal: ts, admin: admin, dbName: strings.TrimPrefix(u.Path, "/")}}
}

// workerEnv is this process's environment without gongji's, Temporal's
// and the database's settings, plus set.
func workerEnv(set map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "GONGJI_") || strings.HasPrefix(name, "TEMPORAL_") || name == "DATABASE_URL" {
			continue
		}
		out = append(out, kv)
	}
	for k, v := range set {
		out = append(out, k+"="+v)
	}
	return out
}

// checkVisits lists what the client saw that must not happen: a visit not
// followed to its end, answered with two ids, failed without a reason,
// ended otherwise than its accepted top-up or cancellation says, or
// refused for want of a binding while one of the patient's holders could
// still pay (unbound: since when none can).
func checkVisits(results []visitResult, unbound map[domain.IDNumber]time.Time) []string {
	var out []string
	for _, v := range results {
		name := v.plan.inst.code + ":" + v.plan.visitNo
		switch {
		case v.refused != "":
			if since, ok := unbound[v.plan.patient]; !ok || !since.Before(v.ended) {
				out = append(out, fmt.Sprintf("%s: refused %s while a holder of %s could still pay", name, v.refused, v.plan.patient))
			}
		case v.err != nil:
			out = append(out, fmt.Sprintf("%s: %v", name, v.err))
			continue
		case len(v.ids) != 1:
			out = append(out, fmt.Sprintf("%s: answered with %d settlement ids", name, len(v.ids)))
		case (v.final.Status == "failed" || v.final.Status == "reversed") && (v.final.Refusal == nil || v.final.Refusal.Code == ""):
			out = append(out, fmt.Sprintf("%s: %s without a refusal code", name, v.final.Status))
		case v.cancelRequested && v.final.Status != "cancelled":
			out = append(out, fmt.Sprintf("%s: cancellation accepted but %s", name, v.final.Status))
		case v.topupAccepted && v.final.Status != "completed" && !(v.cancelRequested && v.final.Status == "cancelled"):
			out = append(out, fmt.Sprintf("%s: cash top-up accepted but %s", name, v.final.Status))
		}
	}
	return out
}

// waitSettled waits until no settlement or premium payment is in flight,
// and lists those still in flight at the deadline.
func waitSettled(ctx context.Context, dbURL string, wait time.Duration) []string {
	conn, err := db.Open(ctx, dbURL)
	if err != nil {
		return []string{err.Error()}
	}
	defer conn.Close()
	deadline := time.Now().Add(wait)
	for {
		var stuck []string
		err := conn.SelectContext(ctx, &stuck, `SELECT id || ' ' || institution_code || ':' || visit_no || ' ' || status
			FROM settlements WHERE status IN ('processing', 'awaiting_topup')`)
		if err == nil && len(stuck) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return []string{err.Error()}
			}
			for i, s := range stuck {
				stuck[i] = "stuck: " + s
			}
			return stuck
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// checkDatabase runs the invariants over the database (on a fresh
// connection: the old ones may have been terminated), and with Temporal
// the check that no live binding row has lost its workflow, and compares it with
// what the client saw: one settlement row per visit, with the id the API
// answered, and the holders' balances down by exactly the shared-account
// pay of the settlements that stayed completed and the premiums of the
// payments that completed, less the contributions credited.
func checkDatabase(t *testing.T, ctx context.Context, dbURL string, tc client.Client, results []visitResult, premiums []premiumResult) (invariants.Report, []string) {
	t.Helper()
	conn := dbtest.Open(t, dbURL)
	store := db.NewStore(conn)
	report, err := invariants.Check(ctx, store, invariants.Options{Settled: true})
	if err != nil {
		t.Fatal(err)
	}
	workflows, err := invariants.CheckWorkflows(ctx, store, invariants.Workflows{Client: tc})
	if err != nil {
		t.Fatal(err)
	}
	report.Results = append(report.Results, workflows)
	var rows []struct {
		Key string `db:"key"`
		ID  string `db:"id"`
	}
	if err := conn.SelectContext(ctx, &rows, `SELECT institution_code || ':' || visit_no AS key, id FROM settlements`); err != nil {
		t.Fatal(err)
	}
	byVisit := map[string]string{}
	for _, r := range rows {
		byVisit[r.Key] = r.ID
	}
	var out []string
	refused := 0
	for _, v := range results {
		if v.refused != "" {
			refused++
		}
	}
	if len(rows) != len(results)-refused {
		out = append(out, fmt.Sprintf("%d settlement rows for %d visits, %d of them refused", len(rows), len(results), refused))
	}
	paid := domain.Zero
	for _, v := range results {
		key := v.plan.inst.code + ":" + v.plan.visitNo
		if v.refused != "" {
			if id, ok := byVisit[key]; ok {
				out = append(out, fmt.Sprintf("%s: refused %s, yet settlement %s", key, v.refused, id))
			}
			continue
		}
		if id, ok := byVisit[key]; !ok || !v.ids[id] {
			out = append(out, fmt.Sprintf("%s: row %q, the API answered %v", key, id, v.ids))
		}
		if v.err == nil && v.final.Status == "completed" {
			a, err := domain.ParseAmount(v.final.FamilyAccountPay)
			if err != nil {
				out = append(out, fmt.Sprintf("%s: family_account_pay %q: %v", key, v.final.FamilyAccountPay, err))
				continue
			}
			paid = paid.Add(a)
		}
	}
	settled := paid
	for _, p := range premiums {
		if p.err == nil && p.refused == "" && p.final.Status == "completed" {
			a, err := domain.ParseAmount(p.final.Amount)
			if err != nil {
				out = append(out, fmt.Sprintf("premium %s: amount %q: %v", p.plan.key(), p.final.Amount, err))
				continue
			}
			paid = paid.Add(a)
		}
	}
	var spent domain.Amount
	if err := conn.GetContext(ctx, &spent, `SELECT COALESCE(sum(opening_balance - balance), 0)
		+ (SELECT COALESCE(sum(amount), 0) FROM ledger_entries WHERE kind = 'contribution') FROM accounts`); err != nil {
		t.Fatal(err)
	}
	if !spent.Equal(paid.Decimal) {
		out = append(out, fmt.Sprintf("the accounts are down %s net of contributions; the completed settlements took %s from them, the completed premium payments %s",
			spent, settled, paid.Sub(settled)))
	}
	return report, out
}
