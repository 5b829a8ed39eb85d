package main

import (
	"strings"
	"testing"
	"time"

	"gongji/config"
)

func TestWelcome_NamesTheConfiguredTemporalUI(t *testing.T) {
	cfg := config.Config{HTTPAddr: ":8080", JWTSecret: strings.Repeat("s", 32),
		TemporalAddress: "127.0.0.1:7244", TemporalNamespace: "default", TemporalUIURL: "http://127.0.0.1:8299"}
	text, err := welcome(cfg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"http://127.0.0.1:8080", "Temporal UI  http://127.0.0.1:8299", "export HOLDER_TOKEN="} {
		if !strings.Contains(text, want) {
			t.Errorf("welcome lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "8233") {
		t.Errorf("welcome names a UI port it was not given:\n%s", text)
	}
}

func TestWelcome_WithoutAUIURL_NamesTheTemporalServer(t *testing.T) {
	cfg := config.Config{HTTPAddr: "127.0.0.1:9000", JWTSecret: strings.Repeat("s", 32),
		TemporalAddress: "temporal:7233", TemporalNamespace: "gongji"}
	text, err := welcome(cfg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "temporal:7233 (namespace gongji") || strings.Contains(text, "Temporal UI") {
		t.Errorf("welcome should name the Temporal server and no UI:\n%s", text)
	}
	if !strings.Contains(text, "http://127.0.0.1:9000") {
		t.Errorf("welcome lacks the API address:\n%s", text)
	}
}
