package config

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
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

func TestLoad_WebhookDefaults(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.WebhookMaxAttempts != 8 || c.WebhookBackoff != 10*time.Second || c.WebhookMaxBackoff != time.Hour || c.WebhookTimeout != 10*time.Second {
		t.Fatalf("webhook defaults = %d %s %s %s", c.WebhookMaxAttempts, c.WebhookBackoff, c.WebhookMaxBackoff, c.WebhookTimeout)
	}
}

func TestLoad_RejectsBadWebhookSettings(t *testing.T) {
	tests := []struct{ name, key, value string }{
		{"zero attempts", "GONGJI_WEBHOOK_MAX_ATTEMPTS", "0"},
		{"attempts not a number", "GONGJI_WEBHOOK_MAX_ATTEMPTS", "many"},
		{"negative backoff", "GONGJI_WEBHOOK_BACKOFF", "-1s"},
		{"zero cap", "GONGJI_WEBHOOK_MAX_BACKOFF", "0s"},
		{"zero timeout", "GONGJI_WEBHOOK_TIMEOUT", "0s"},
		{"relative URL", "GONGJI_WEBHOOK_URL", "/hooks"},
		{"not http", "GONGJI_WEBHOOK_URL", "ftp://hooks.example/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(tt.key, tt.value)
			if _, err := Load(); err == nil {
				t.Fatalf("%s=%q was accepted", tt.key, tt.value)
			}
		})
	}
	t.Setenv("GONGJI_WEBHOOK_URL", "https://hooks.example/gongji")
	t.Setenv("GONGJI_WEBHOOK_MAX_ATTEMPTS", "3")
	c, err := Load()
	if err != nil || c.WebhookMaxAttempts != 3 {
		t.Fatalf("a good webhook setting: %+v, %v", c.WebhookMaxAttempts, err)
	}
}

func TestRequireWebhookSecret_OnlyWhenAURLIsSet(t *testing.T) {
	tests := []struct {
		name   string
		c      Config
		wantOK bool
	}{
		{"no webhook", Config{}, true},
		{"URL without secret", Config{WebhookURL: "https://hooks.example/x"}, false},
		{"URL with a short secret", Config{WebhookURL: "https://hooks.example/x", WebhookSecret: "short"}, false},
		{"URL with a secret", Config{WebhookURL: "https://hooks.example/x", WebhookSecret: strings.Repeat("s", 16)}, true},
		{"URL with a whsec_ secret", Config{WebhookURL: "https://hooks.example/x", WebhookSecret: "whsec_" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 16)))}, true},
		{"URL with a short whsec_ key", Config{WebhookURL: "https://hooks.example/x", WebhookSecret: "whsec_" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 15)))}, false},
		{"URL with a whsec_ secret not base64", Config{WebhookURL: "https://hooks.example/x", WebhookSecret: "whsec_" + strings.Repeat("!", 24)}, false},
	}
	for _, tt := range tests {
		if err := tt.c.RequireWebhookSecret(); (err == nil) != tt.wantOK {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func TestLogValue_MasksAWebhookTokenInTheQuery(t *testing.T) {
	c := Config{WebhookURL: "https://hooks.example/x?token=tok-in-query", LogFormat: "json", WebhookMaxAttempts: 8}
	var buf bytes.Buffer
	c.NewLogger(&buf).Info("config", "config", c)
	out := buf.String()
	if strings.Contains(out, "tok-in-query") || !strings.Contains(out, "hooks.example") || !strings.Contains(out, "GONGJI_WEBHOOK_MAX_ATTEMPTS") {
		t.Fatalf("log: %s", out)
	}
}

// GONGJI_WEBHOOK_SECRET in the Standard Webhooks form is the base64 of the
// key (the libraries' shared test vector's secret here); any other value
// is the key's bytes.
func TestWebhookKey_DecodesTheWhsecForm(t *testing.T) {
	tests := []struct{ secret, wantHex string }{
		{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "31f290f6bf06298aab4f08d43c3f082cf648a362da2da4b0"},
		{"a-raw-secret-of-some-length", hex.EncodeToString([]byte("a-raw-secret-of-some-length"))},
	}
	for _, tt := range tests {
		key, err := Config{WebhookSecret: tt.secret}.WebhookKey()
		if err != nil || hex.EncodeToString(key) != tt.wantHex {
			t.Errorf("WebhookKey(%q) = %x, %v; want %s", tt.secret, key, err, tt.wantHex)
		}
	}
}
