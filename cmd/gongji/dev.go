package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"gongji/api"
	"gongji/config"
	"gongji/db"
	"gongji/domain"
	"gongji/internal/demo"
	"gongji/sim"
)

// runDev is `make run`'s process: it creates the database if needed,
// migrates, seeds the demo data, and runs the worker and the API together
// until interrupted. Without GONGJI_JWT_SECRET it signs with a random
// secret of its own; unlike api and worker, it accepts the secrets written
// in the repository.
func runDev(ctx context.Context, _ []string) error {
	cfg, log, err := loadConfig("dev")
	if err != nil {
		return err
	}
	if cfg.JWTSecret == "" {
		if cfg.JWTSecret, err = randomSecret(); err != nil {
			return err
		}
		log.Info("GONGJI_JWT_SECRET is not set: this run signs its tokens with a random secret, which `gongji token` does not know (make run keeps one in .data/jwt-secret)")
	}
	if err := cfg.RequireJWTSecret(); err != nil {
		return err
	}
	if err := cfg.RequireWebhookSecret(); err != nil {
		return err
	}
	if err := db.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	conn, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	version, err := db.Migrate(ctx, conn.DB)
	if err != nil {
		return err
	}
	simVersion, err := sim.Migrate(ctx, conn.DB)
	if err != nil {
		return err
	}
	store := db.NewStore(conn)
	if err := demo.Seed(ctx, store); err != nil {
		return err
	}
	log.Info("database ready", "version", version, "simulators_version", simVersion)
	tc, err := temporalClient(cfg, log)
	if err != nil {
		return err
	}
	defer tc.Close()

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return runWorkerUntil(gctx, cfg, log, store, tc) })
	g.Go(func() error { return serveAPI(gctx, cfg, log, store, tc) })
	g.Go(func() error { return printWelcome(gctx, cfg) })
	return g.Wait()
}

// randomSecret is 32 random bytes in hex.
func randomSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// printWelcome tells the person at the terminal where to go and gives a
// token for each demo role.
func printWelcome(ctx context.Context, cfg config.Config) error {
	select {
	case <-ctx.Done():
		return nil
	case <-time.After(500 * time.Millisecond):
	}
	text, err := welcome(cfg, time.Now())
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(os.Stdout, text)
	return err
}

// welcome is the text printWelcome prints: the API and Temporal UI
// addresses and a token for each demo role, issued at now.
func welcome(cfg config.Config, now time.Time) (string, error) {
	base := "http://" + displayAddr(cfg.HTTPAddr)
	var b strings.Builder
	fmt.Fprintf(&b, "\n gongji is running\n\n")
	fmt.Fprintf(&b, "  API          %s   (OpenAPI: %s/openapi.yaml, health: %s/readyz)\n", base, base, base)
	if cfg.TemporalUIURL != "" {
		fmt.Fprintf(&b, "  Temporal UI  %s\n\n", cfg.TemporalUIURL)
	} else {
		fmt.Fprintf(&b, "  Temporal     %s (namespace %s; its UI is wherever that server's UI runs)\n\n", cfg.TemporalAddress, cfg.TemporalNamespace)
	}
	fmt.Fprintf(&b, " Demo tokens (valid 24 h; more with: gongji token --role R --sub S):\n\n")
	tokens := []struct {
		label string
		role  domain.Role
		sub   string
	}{
		{"admin (core-system sync)", domain.RoleAdmin, demo.AdminID},
		{"reviewer", domain.RoleReviewer, demo.ReviewerID},
		{"holder 张伟", domain.RoleInsured, string(demo.Holder)},
		{"spouse 李娜", domain.RoleInsured, string(demo.Spouse)},
		{"hospital", domain.RoleInstitution, string(demo.Hospital)},
		{"pharmacy", domain.RoleInstitution, string(demo.Pharmacy)},
	}
	for _, t := range tokens {
		tok, err := api.IssueToken([]byte(cfg.JWTSecret), t.role, t.sub, 24*time.Hour, now)
		if err != nil {
			return "", err
		}
		varName := strings.ToUpper(strings.Fields(t.label)[0]) + "_TOKEN"
		fmt.Fprintf(&b, "  # %s, sub %s\n  export %s=%s\n\n", t.label, t.sub, varName, tok)
	}
	fmt.Fprintf(&b, " Demo family: holder %s, spouse %s, child %s, parent %s\n", demo.Holder, demo.Spouse, demo.Child, demo.Parent)
	fmt.Fprintf(&b, " Try: curl -H \"Authorization: Bearer $ADMIN_TOKEN\" %s/v1/persons/%s\n\n Ctrl-C stops everything.\n", base, demo.Holder)
	return b.String(), nil
}

func displayAddr(addr string) string {
	if strings.HasPrefix(addr, ":") {
		return "127.0.0.1" + addr
	}
	if u, err := url.Parse("http://" + addr); err == nil && u.Hostname() == "0.0.0.0" {
		return "127.0.0.1:" + u.Port()
	}
	return addr
}
