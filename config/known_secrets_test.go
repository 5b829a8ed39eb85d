package config

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// secretAssignments find a literal given to a secret, in the forms the
// repository writes them: GONGJI_JWT_SECRET=x, GONGJI_JWT_SECRET: x,
// ${GONGJI_JWT_SECRET:-x}, t.Setenv("GONGJI_JWT_SECRET", "x") or a Go map's
// "GONGJI_JWT_SECRET": "x", a Kubernetes
// env entry's value: x, and in Go a field or variable named …secret… given
// "x" or []byte("x"). The first group is the literal; values that are
// expansions ($…, <…>, ?message) are not literals.
var secretAssignments = []*regexp.Regexp{
	regexp.MustCompile(`GONGJI_(?:JWT|WEBHOOK)_SECRET(?::-|[ \t]*[=:][ \t]*)["']?` + literal),
	regexp.MustCompile(`GONGJI_(?:JWT|WEBHOOK)_SECRET"\s*[,:]\s*"([^"]*)"`),
	regexp.MustCompile(`GONGJI_(?:JWT|WEBHOOK)_SECRET["']?[ \t]*\n[ \t]*value:[ \t]*["']?` + literal),
}

// literal is a value up to a quote, brace, backquote or space that is not
// an expansion (it starts with none of $ < ? ( {); an expansion matches it
// empty, so that the scan goes on inside it.
const literal = `([^\s"'}\x60$<?({][^\s"'}\x60]*)?`

var goSecretAssignment = regexp.MustCompile(`(?i)secret\w*\s*(?::=|=|:)\s*(?:\[\]byte\()?"([^"]+)"`)

// minSecretLength is the shortest secret config accepts (a webhook key of
// 16 bytes); shorter literals are refused anyway.
const minSecretLength = 16

// secretsWrittenIn returns the literal secrets a file's text assigns.
func secretsWrittenIn(path, text string) []string {
	patterns := secretAssignments
	if strings.HasSuffix(path, ".go") {
		patterns = append(slices.Clone(patterns), goSecretAssignment)
	}
	var out []string
	for _, re := range patterns {
		for _, m := range re.FindAllStringSubmatch(text, -1) {
			if len(m[1]) >= minSecretLength {
				out = append(out, m[1])
			}
		}
	}
	return out
}

func TestSecretsWrittenIn_FindsEachForm(t *testing.T) {
	const s = "test-secret-test-secret-test-secret!"
	tests := []struct{ path, text string }{
		{"docker-compose.yml", "  GONGJI_JWT_SECRET: ${GONGJI_JWT_SECRET:-" + s + "}"},
		{"docker-compose.yml", "  GONGJI_WEBHOOK_SECRET: " + s},
		{"README.md", "GONGJI_JWT_SECRET='" + s + "' bin/gongji api"},
		{"deploy/k8s/api.yaml", "  - name: GONGJI_JWT_SECRET\n    value: \"" + s + "\""},
		{"x_test.go", "t.Setenv(\"GONGJI_WEBHOOK_SECRET\", \"" + s + "\")"},
		{"x_test.go", "map[string]string{\"GONGJI_JWT_SECRET\": \"" + s + "\"}"},
		{"x_test.go", "var hookSecret = []byte(\"" + s + "\")"},
		{"x_test.go", "cfg := Config{JWTSecret: \"" + s + "\"}"},
	}
	for _, tt := range tests {
		if got := secretsWrittenIn(tt.path, tt.text); !slices.Equal(got, []string{s}) {
			t.Errorf("%s %q: found %q, want [%s]", tt.path, tt.text, got, s)
		}
	}
	for _, text := range []string{
		"  GONGJI_JWT_SECRET: ${GONGJI_JWT_SECRET:?set a random GONGJI_JWT_SECRET of at least 32 characters}",
		"GONGJI_JWT_SECRET=$(cat .data/jwt-secret) bin/gongji token",
		"| `GONGJI_JWT_SECRET` | none; `api` needs at least 32 characters | HS256 signing key |",
		"  GONGJI_WEBHOOK_SECRET: ${GONGJI_WEBHOOK_SECRET:-}",
	} {
		if got := secretsWrittenIn("docker-compose.yml", text); len(got) != 0 {
			t.Errorf("%q: found %q, which is no literal secret", text, got)
		}
	}
}

// Every secret a tracked file writes is refused by gongji api and worker,
// so a new one cannot be added without being added to knownSecrets.
func TestKnownSecrets_ListsEverySecretWrittenInTheRepository(t *testing.T) {
	out, err := exec.Command("git", "-C", "..", "ls-files", "-z").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	files, found := 0, 0
	for path := range strings.SplitSeq(strings.TrimRight(string(out), "\x00"), "\x00") {
		data, err := os.ReadFile(filepath.Join("..", path))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if bytes.IndexByte(data, 0) >= 0 {
			continue // not text
		}
		files++
		for _, s := range secretsWrittenIn(path, string(data)) {
			found++
			t.Logf("%s: %s", path, s)
			if err := (Config{JWTSecret: s}).RefuseKnownSecrets(); err == nil {
				t.Errorf("%s writes the secret %q, which knownSecrets (config/known_secrets.go) does not list", path, s)
			}
		}
	}
	if files < 100 || found == 0 {
		t.Fatalf("read %d tracked text files and found %d secrets in them; the walk is broken", files, found)
	}
}

func TestRefuseKnownSecrets_RefusesEachOfThemInEitherSetting(t *testing.T) {
	for _, s := range knownSecrets {
		if (Config{JWTSecret: s}).RefuseKnownSecrets() == nil || (Config{WebhookSecret: s}).RefuseKnownSecrets() == nil {
			t.Errorf("%q was accepted", s)
		}
	}
	if err := (Config{JWTSecret: strings.Repeat("r", 32), WebhookSecret: strings.Repeat("w", 16)}).RefuseKnownSecrets(); err != nil {
		t.Fatal(err)
	}
}
