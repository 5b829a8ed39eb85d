package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

// api and worker refuse, before they connect to anything, a secret that
// is written in the repository (here the api tests' JWT secret and the
// webhook tests' key).
func TestAPIAndWorker_RefuseSecretsWrittenInTheRepository(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a command that got past its checks stops at once
	tests := []struct {
		name string
		run  func(context.Context, []string) error
		env  map[string]string
	}{
		{"api with the api tests' JWT secret", runAPI, map[string]string{"GONGJI_JWT_SECRET": "test-secret-test-secret-test-secret!"}},
		{"worker with the api tests' JWT secret", runWorker, map[string]string{"GONGJI_JWT_SECRET": "test-secret-test-secret-test-secret!"}},
		{"worker with the webhook tests' key", runWorker, map[string]string{
			"GONGJI_WEBHOOK_URL": "https://hooks.example/gongji", "GONGJI_WEBHOOK_SECRET": "whsec-test-secret-0123456789"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GONGJI_JWT_SECRET", "")
			t.Setenv("GONGJI_WEBHOOK_URL", "")
			t.Setenv("GONGJI_WEBHOOK_SECRET", "")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if err := tt.run(ctx, nil); err == nil || !strings.Contains(err.Error(), "written in gongji's repository") {
				t.Fatalf("started with a secret from the repository: %v", err)
			}
		})
	}
}

func TestRandomSecret_Is32RandomBytesInHex(t *testing.T) {
	a, errA := randomSecret()
	b, errB := randomSecret()
	if errA != nil || errB != nil || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(a) || a == b {
		t.Fatalf("randomSecret = %q, %q (%v, %v); want two different 64-digit hex strings", a, b, errA, errB)
	}
}
