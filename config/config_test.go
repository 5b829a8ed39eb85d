package config

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestLoad_Defaults(t *testing.T) {
	t.Setenv("TEMPORAL_ADDRESS", "")
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.TemporalAddress != "127.0.0.1:7233" || c.TemporalNamespace != "default" || c.HTTPAddr != ":8080" || c.TopupTimeout != 15*time.Minute {
		t.Fatalf("defaults = %+v", c)
	}
}

func TestLoad_RejectsBadDuration(t *testing.T) {
	t.Setenv("GONGJI_TOPUP_TIMEOUT", "soon")
	if _, err := Load(); err == nil {
		t.Fatal("a malformed GONGJI_TOPUP_TIMEOUT was accepted")
	}
}

func TestLoad_RejectsUnknownLogFormat(t *testing.T) {
	t.Setenv("GONGJI_LOG_FORMAT", "xml")
	if _, err := Load(); err == nil {
		t.Fatal("an unknown log format was accepted")
	}
}

func TestRequireJWTSecret_RefusesShortSecrets(t *testing.T) {
	if err := (Config{JWTSecret: "short"}).RequireJWTSecret(); err == nil {
		t.Fatal("a 5-character secret was accepted")
	}
	if err := (Config{JWTSecret: strings.Repeat("s", 32)}).RequireJWTSecret(); err != nil {
		t.Fatal(err)
	}
}

func TestLogValue_MasksSecrets(t *testing.T) {
	c := Config{
		DatabaseURL:   "postgres://gongji:hunter2@db:5432/gongji",
		JWTSecret:     "jwt-secret-value-that-is-long-enough",
		WebhookURL:    "https://user:webhookpass@hooks.example/x",
		WebhookSecret: "whsec-value",
		LogFormat:     "json",
	}
	var buf bytes.Buffer
	c.NewLogger(&buf).Info("config", "config", c)
	out := buf.String()
	for _, secret := range []string{"hunter2", "jwt-secret-value", "webhookpass", "whsec-value"} {
		if strings.Contains(out, secret) {
			t.Errorf("log shows secret %q: %s", secret, out)
		}
	}
	if !strings.Contains(out, "db:5432") {
		t.Errorf("log hides the database host: %s", out)
	}
}
