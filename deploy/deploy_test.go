// Package deploy_test reads the deployment files as data — docker-compose.yml
// and the Dockerfile at the module root, the Temporal dynamic config here —
// and checks them against the code: the settings config reads, the secrets
// that must be given, the dev servers' dynamic config, the go.mod toolchain. Nothing here runs Docker.
package deploy_test

import (
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/caarlos0/env/v11"
	"go.yaml.in/yaml/v3"

	"gongji/config"
)

// compose is what the checks read of docker-compose.yml, in the one spelling
// the file uses (maps for depends_on and environment). Other keys are ignored.
type compose struct {
	Services map[string]struct {
		Image, Build            string
		Command, Ports, Volumes []string
		Environment             map[string]string
		DependsOn               map[string]struct{ Condition string } `yaml:"depends_on"`
		Healthcheck             struct{ Test []string }
	}
}

// read reads a file of the module root.
func read(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", path))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func loadCompose(t *testing.T) (c compose) {
	t.Helper()
	if err := yaml.Unmarshal(read(t, "docker-compose.yml"), &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return c
}

// pinned says whether an image reference names a tag other than latest, or a digest.
func pinned(ref string) bool {
	name, digest, _ := strings.Cut(ref, "@")
	i := strings.LastIndex(name, ":")
	tagged := i > strings.LastIndex(name, "/") && name[i+1:] != "latest"
	return !strings.Contains(ref, "$") && (tagged || strings.HasPrefix(digest, "sha256:"))
}

// TestComposeWiresTheServices checks each service's command, what it waits
// for, its ports and volumes; gongji's three build the repository's image,
// the others run pinned images, and Temporal persists in the postgres service.
func TestComposeWiresTheServices(t *testing.T) {
	c := loadCompose(t)
	want := map[string]string{ // service: [command] map[dependency:condition] [published ports] [volumes]
		"postgres":    "[] map[] [5432:5432] [pgdata:/var/lib/postgresql/data]",
		"temporal":    "[] map[postgres:service_healthy] [7233:7233] [./deploy/temporal-dynamic-config.yaml:/etc/temporal/config/dynamicconfig/gongji.yaml:ro]",
		"temporal-ui": "[] map[temporal:service_started] [8233:8080] []",
		"migrate":     "[migrate] map[postgres:service_healthy] [] []",
		"worker":      "[worker] map[migrate:service_completed_successfully temporal:service_started] [] []",
		"api":         "[api] map[migrate:service_completed_successfully worker:service_started] [8080:8080] []",
	}
	got := map[string]string{}
	for name, s := range c.Services {
		conditions := map[string]string{}
		for dep, d := range s.DependsOn {
			conditions[dep] = d.Condition
			if d.Condition == "service_healthy" && len(c.Services[dep].Healthcheck.Test) == 0 {
				t.Errorf("%s waits for %s to be healthy, but %s has no healthcheck", name, dep, dep)
			}
		}
		got[name] = fmt.Sprint(s.Command, conditions, s.Ports, s.Volumes)
		if (s.Build == ".") != (len(s.Command) > 0) || s.Build == "" && !pinned(s.Image) {
			t.Errorf("%s: build %q, image %q; want gongji's services built from . and other images pinned to a tag or digest", name, s.Build, s.Image)
		}
	}
	for name := range want {
		if got[name] != want[name] {
			t.Errorf("%s: %s\n want %s", name, got[name], want[name])
		}
	}
	if len(got) != len(want) {
		t.Errorf("services %v, want %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
	}
	pg, tp := c.Services["postgres"], c.Services["temporal"]
	if e := tp.Environment; e["DB"] != "postgres12" || e["POSTGRES_SEEDS"] != "postgres" ||
		e["POSTGRES_USER"] != pg.Environment["POSTGRES_USER"] || e["POSTGRES_PWD"] != pg.Environment["POSTGRES_PASSWORD"] {
		t.Errorf("temporal persists in DB=%q at %q as %q/%q, want postgres12 in the postgres service as %q/%q", e["DB"], e["POSTGRES_SEEDS"],
			e["POSTGRES_USER"], e["POSTGRES_PWD"], pg.Environment["POSTGRES_USER"], pg.Environment["POSTGRES_PASSWORD"])
	}
}

// composeVar is one ${NAME}, ${NAME:-default} or ${NAME:?message}.
var composeVar = regexp.MustCompile(`\$\{(\w+)(?::([-?])([^}]*))?\}`)

// expand interpolates value as compose does with the environment env: a
// default for an unset ${NAME:-default}, an error for an unset
// ${NAME:?message}.
func expand(value string, env map[string]string) (string, error) {
	var err error
	out := composeVar.ReplaceAllStringFunc(value, func(ref string) string {
		m := composeVar.FindStringSubmatch(ref)
		if v := env[m[1]]; v != "" {
			return v
		}
		if m[2] == "?" {
			err = errors.Join(err, fmt.Errorf("%s: %s", m[1], m[3]))
		}
		return m[3]
	})
	return out, err
}

// TestComposeSetsOnlyWhatConfigReads loads each gongji service's
// environment through config.Load, with ${VAR:-default} at its default and
// the secrets that have to be given set as an operator sets them: at random.
func TestComposeSetsOnlyWhatConfigReads(t *testing.T) {
	c := loadCompose(t)
	params, err := env.GetFieldParams(&config.Config{})
	if err != nil {
		t.Fatal(err)
	}
	pg := c.Services["postgres"].Environment
	operator := map[string]string{"GONGJI_JWT_SECRET": rand.Text() + rand.Text()}
	for _, name := range []string{"migrate", "worker", "api"} {
		t.Run(name, func(t *testing.T) {
			vars := c.Services[name].Environment
			for key := range vars {
				if !slices.ContainsFunc(params, func(p env.FieldParams) bool { return p.Key == key }) {
					t.Errorf("sets %s, which config.Config does not read", key)
				}
			}
			for _, p := range params {
				value, err := expand(vars[p.Key], operator)
				if err != nil {
					t.Fatal(err)
				}
				t.Setenv(p.Key, value)
				if _, set := vars[p.Key]; !set {
					os.Unsetenv(p.Key) // t.Setenv restores it after the test
				}
			}
			cfg, err := config.Load()
			if err = errors.Join(err, cfg.RequireJWTSecret(), cfg.RequireWebhookSecret(), cfg.RefuseKnownSecrets()); err != nil {
				t.Fatal(err)
			}
			db, err := url.Parse(cfg.DatabaseURL)
			if pw, _ := db.User.Password(); err != nil || db.Host != "postgres:5432" || db.Path != "/"+pg["POSTGRES_DB"] ||
				db.User.Username() != pg["POSTGRES_USER"] || pw != pg["POSTGRES_PASSWORD"] {
				t.Errorf("DATABASE_URL %q is not the postgres service's database %q as %q", cfg.DatabaseURL, pg["POSTGRES_DB"], pg["POSTGRES_USER"])
			}
			if cfg.TemporalAddress != "temporal:7233" || cfg.HTTPAddr != ":8080" {
				t.Errorf("TEMPORAL_ADDRESS %q, GONGJI_HTTP_ADDR %q; want temporal:7233 and :8080 (published)", cfg.TemporalAddress, cfg.HTTPAddr)
			}
		})
	}
}

// TestComposeShipsNoSecret checks that docker-compose.yml gives no secret a
// value: the JWT secret must be set by whoever starts the stack (compose
// refuses to start without it), and an optional secret defaults to empty.
func TestComposeShipsNoSecret(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{"migrate", "worker", "api"} {
		for key, value := range c.Services[name].Environment {
			if !strings.HasSuffix(key, "_SECRET") {
				continue
			}
			required := strings.HasPrefix(value, "${"+key+":?") && strings.HasSuffix(value, "}")
			switch {
			case key == "GONGJI_JWT_SECRET" && !required:
				t.Errorf("%s: GONGJI_JWT_SECRET is %q; it has to be given: ${GONGJI_JWT_SECRET:?…}", name, value)
			case !required && value != "${"+key+":-}":
				t.Errorf("%s: %s is %q; take it from ${%s:?…} (or ${%s:-} if it is optional)", name, key, value, key, key)
			}
		}
		if _, err := expand(c.Services[name].Environment["GONGJI_JWT_SECRET"], nil); err == nil {
			t.Errorf("%s starts without GONGJI_JWT_SECRET", name)
		}
	}
}

// TestTemporalRunsEagerActivities checks that the Temporal server reads
// deploy/temporal-dynamic-config.yaml and that it enables eager activity
// execution, as temporaltest.DevServerArgs does for the dev servers.
func TestTemporalRunsEagerActivities(t *testing.T) {
	tp, file := loadCompose(t).Services["temporal"], map[string][]struct{ Value any }{}
	mount := "./deploy/temporal-dynamic-config.yaml:/etc/temporal/" + tp.Environment["DYNAMIC_CONFIG_FILE_PATH"] + ":ro"
	if !slices.Contains(tp.Volumes, mount) {
		t.Errorf("temporal does not mount %s: volumes %q", mount, tp.Volumes)
	}
	if err := yaml.Unmarshal(read(t, "deploy/temporal-dynamic-config.yaml"), &file); err != nil {
		t.Fatal(err)
	}
	if v := file["system.enableActivityEagerExecution"]; len(v) != 1 || v[0].Value != true {
		t.Errorf("the dynamic config sets system.enableActivityEagerExecution to %v, want [{true}]", v)
	}
}

// TestDockerfileBuildsCmdGongji checks the image: the go.mod toolchain
// builds ./cmd/gongji statically into a distroless image run as nonroot.
func TestDockerfileBuildsCmdGongji(t *testing.T) {
	dockerfile := strings.ReplaceAll(string(read(t, "Dockerfile")), "\\\n", " ")
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(read(t, "go.mod"))
	if goVersion == nil {
		t.Fatal("go.mod has no go directive")
	}
	for _, m := range regexp.MustCompile(`(?m)^FROM (\S+)`).FindAllStringSubmatch(dockerfile, -1) {
		if !pinned(m[1]) {
			t.Errorf("FROM %s is not pinned to a tag or digest", m[1])
		}
	}
	for _, want := range []string{
		`^FROM golang:` + regexp.QuoteMeta(string(goVersion[1])) + ` AS build$`, `^ENV CGO_ENABLED=0$`,
		`^RUN .*go build -trimpath -o /out/gongji \./cmd/gongji$`, `^FROM gcr\.io/distroless/static\S*:nonroot$`,
		`^COPY --from=build /out/gongji /gongji$`, `^USER nonroot`, `^ENTRYPOINT \["/gongji"\]$`,
	} {
		if !regexp.MustCompile(`(?m)` + want).MatchString(dockerfile) {
			t.Errorf("Dockerfile has no line matching %s", want)
		}
	}
}
