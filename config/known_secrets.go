package config

import (
	"fmt"
	"slices"
)

// knownSecrets are the secrets written in gongji's own repository: defaults
// its docker-compose.yml once shipped, the tests' fixed secrets, published
// test vectors. Anyone who has read the repository knows them, so tokens or
// webhooks signed with one prove nothing. This is the one place in the
// code they are listed; TestKnownSecrets_ListsEverySecretWrittenInTheRepository
// fails when a tracked file assigns GONGJI_JWT_SECRET, GONGJI_WEBHOOK_SECRET
// or a Go secret a literal that is missing here.
var knownSecrets = []string{
	"change-me-in-production-at-least-32-chars", // docker-compose.yml's default until it required the secret
	"test-secret-test-secret-test-secret!",      // api tests' JWT secret
	"api-test-webhook-secret-0123456789",        // api tests' webhook key
	"whsec-test-secret-0123456789",              // webhook tests' key
	"jwt-secret-value-that-is-long-enough",      // config tests
	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",    // the Standard Webhooks libraries' test vector
}

// RefuseKnownSecrets fails when GONGJI_JWT_SECRET or GONGJI_WEBHOOK_SECRET
// is one of the secrets written in the repository. `gongji api` and
// `gongji worker` refuse to start with one; `gongji dev` accepts them.
func (c Config) RefuseKnownSecrets() error {
	for _, s := range []struct{ name, value string }{
		{"GONGJI_JWT_SECRET", c.JWTSecret},
		{"GONGJI_WEBHOOK_SECRET", c.WebhookSecret},
	} {
		if slices.Contains(knownSecrets, s.value) {
			return fmt.Errorf("config: %s is a secret written in gongji's repository, known to anyone who has read it; set a random one (openssl rand -hex 32)", s.name)
		}
	}
	return nil
}
