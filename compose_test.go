package gongji_test

// Static checks of docker-compose.yml, Dockerfile and .dockerignore. Nothing here runs Docker:
// the files are parsed and their wiring is checked against the documented configuration
// (API.md "Configuration") and the architecture (DESIGN.md). Every check is a function that
// returns its problems, so TestCompose_ChecksRejectBrokenConfigs can prove each one fails on a
// broken file.

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const (
	composePath      = "docker-compose.yml"
	dockerfilePath   = "Dockerfile"
	dockerignorePath = ".dockerignore"
)

// documentedEnv is the configuration surface of the gongji binary (API.md "Configuration").
var documentedEnv = []string{
	"DATABASE_URL",
	"TEMPORAL_ADDRESS",
	"TEMPORAL_NAMESPACE",
	"GONGJI_HTTP_ADDR",
	"GONGJI_JWT_SECRET",
	"GONGJI_TOPUP_TIMEOUT",
	"GONGJI_WEBHOOK_URL",
	"GONGJI_WEBHOOK_SECRET",
}

// ---------------------------------------------------------------------------------------------
// The slice of the Compose specification these checks need. Compose allows several spellings
// for most fields (list or map environment, short or long ports, ...); each type accepts all.

type composeFile struct {
	Services map[string]*service `yaml:"services"`
	Volumes  map[string]any      `yaml:"volumes"`
}

type service struct {
	Image       string        `yaml:"image"`
	Build       buildSpec     `yaml:"build"`
	Command     stringList    `yaml:"command"`
	Environment envMap        `yaml:"environment"`
	DependsOn   dependsOn     `yaml:"depends_on"`
	Ports       []portSpec    `yaml:"ports"`
	Volumes     []volumeMount `yaml:"volumes"`
	Healthcheck *healthcheck  `yaml:"healthcheck"`
}

type healthcheck struct {
	Test    stringList `yaml:"test"`
	Disable bool       `yaml:"disable"`
}

// buildSpec is `build: .` or `build: {context: ., dockerfile: Dockerfile}`.
type buildSpec struct {
	Set        bool
	Context    string
	Dockerfile string
}

func (b *buildSpec) UnmarshalYAML(n *yaml.Node) error {
	b.Set = true
	if n.Kind == yaml.ScalarNode {
		b.Context = n.Value
		return nil
	}
	var long struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	}
	if err := n.Decode(&long); err != nil {
		return err
	}
	b.Context, b.Dockerfile = long.Context, long.Dockerfile
	return nil
}

// stringList is a command or healthcheck test: a string or a list of strings.
type stringList []string

func (s *stringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = strings.Fields(n.Value)
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return err
	}
	*s = list
	return nil
}

// envMap is `environment:` as a map (anchors and merge keys allowed) or as a KEY=VALUE list.
type envMap map[string]string

func (e *envMap) UnmarshalYAML(n *yaml.Node) error {
	out := envMap{}
	var asMap map[string]any
	if err := n.Decode(&asMap); err == nil {
		for k, v := range asMap {
			if v == nil {
				out[k] = ""
			} else {
				out[k] = fmt.Sprint(v)
			}
		}
		*e = out
		return nil
	}
	var asList []string
	if err := n.Decode(&asList); err != nil {
		return fmt.Errorf("environment is neither a map nor a list: %w", err)
	}
	for _, kv := range asList {
		k, v, _ := strings.Cut(kv, "=")
		out[k] = v
	}
	*e = out
	return nil
}

// dependsOn maps each target service to its condition; the list form means service_started.
type dependsOn map[string]string

func (d *dependsOn) UnmarshalYAML(n *yaml.Node) error {
	out := dependsOn{}
	var asList []string
	if err := n.Decode(&asList); err == nil {
		for _, target := range asList {
			out[target] = "service_started"
		}
		*d = out
		return nil
	}
	var asMap map[string]struct {
		Condition string `yaml:"condition"`
	}
	if err := n.Decode(&asMap); err != nil {
		return fmt.Errorf("depends_on is neither a list nor a map: %w", err)
	}
	for target, spec := range asMap {
		cond := spec.Condition
		if cond == "" {
			cond = "service_started"
		}
		out[target] = cond
	}
	*d = out
	return nil
}

// portSpec is one published port: "8080:8080", "127.0.0.1:8080:8080/tcp" or {target, published}.
type portSpec struct {
	Host      string
	Container string
}

func (p *portSpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		spec, _, _ := strings.Cut(n.Value, "/")
		parts := strings.Split(spec, ":")
		p.Container = parts[len(parts)-1]
		if len(parts) >= 2 {
			p.Host = parts[len(parts)-2]
		}
		return nil
	}
	var long struct {
		Target    any `yaml:"target"`
		Published any `yaml:"published"`
	}
	if err := n.Decode(&long); err != nil {
		return err
	}
	p.Container = fmt.Sprint(long.Target)
	if long.Published != nil {
		p.Host = fmt.Sprint(long.Published)
	}
	return nil
}

// volumeMount is "source:target[:mode]" or {type, source, target}.
type volumeMount struct {
	Source string
	Target string
}

func (v *volumeMount) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		parts := strings.Split(n.Value, ":")
		if len(parts) == 1 {
			v.Target = parts[0]
		} else {
			v.Source, v.Target = parts[0], parts[1]
		}
		return nil
	}
	var long struct {
		Source string `yaml:"source"`
		Target string `yaml:"target"`
	}
	if err := n.Decode(&long); err != nil {
		return err
	}
	v.Source, v.Target = long.Source, long.Target
	return nil
}

// ---------------------------------------------------------------------------------------------
// Loading and small helpers.

func parseCompose(t *testing.T, data []byte) *composeFile {
	t.Helper()
	var c composeFile
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatalf("parse %s: %v", composePath, err)
	}
	if len(c.Services) == 0 {
		t.Fatalf("%s defines no services", composePath)
	}
	return &c
}

func loadCompose(t *testing.T) *composeFile {
	t.Helper()
	return parseCompose(t, readFile(t, composePath))
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return data
}

func reportProblems(t *testing.T, problems []string) {
	t.Helper()
	for _, p := range problems {
		t.Error(p)
	}
}

var interpolation = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}`)

// resolveDefaults replaces ${VAR:-default} with its default and ${VAR} with "", as Compose does
// when VAR is unset, so values can be checked without a shell environment.
func resolveDefaults(s string) string {
	return interpolation.ReplaceAllStringFunc(s, func(m string) string {
		sub := interpolation.FindStringSubmatch(m)
		if strings.HasSuffix(sub[2], "-") {
			return sub[3]
		}
		return ""
	})
}

// gongjiServices are the services built from this repository, i.e. running the gongji binary.
func gongjiServices(c *composeFile) []string {
	var names []string
	for name, s := range c.Services {
		if s.Build.Set {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

func sortedServiceNames(c *composeFile) []string {
	names := make([]string, 0, len(c.Services))
	for name := range c.Services {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// imageRepo is an image reference without tag or digest, e.g. "temporalio/ui".
func imageRepo(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return ref
}

// imageTagProblem says why an image reference is not pinned, or "" when it is.
func imageTagProblem(ref string) string {
	switch {
	case ref == "":
		return "has an empty image reference"
	case strings.Contains(ref, "${"):
		return fmt.Sprintf("image %q is chosen by a variable; pin it", ref)
	case strings.Contains(ref, "@sha256:"):
		return ""
	}
	colon := strings.LastIndex(ref, ":")
	if colon <= strings.LastIndex(ref, "/") {
		return fmt.Sprintf("image %q has no tag (means latest)", ref)
	}
	if tag := ref[colon+1:]; tag == "latest" || tag == "" {
		return fmt.Sprintf("image %q uses the latest tag", ref)
	}
	return ""
}

func isPostgresService(c *composeFile, name string) bool {
	s, ok := c.Services[name]
	return ok && imageRepo(s.Image) == "postgres"
}

func isTemporalServerService(c *composeFile, name string) bool {
	s, ok := c.Services[name]
	if !ok {
		return false
	}
	switch imageRepo(s.Image) {
	case "temporalio/auto-setup", "temporalio/server", "temporalio/temporal":
		return true
	}
	return false
}

// ---------------------------------------------------------------------------------------------
// Checks on docker-compose.yml. Each returns a list of problems; none means the check passed.

func checkRequiredServices(c *composeFile) []string {
	var problems []string
	for _, name := range []string{"postgres", "temporal", "temporal-ui", "migrate", "worker", "api"} {
		if _, ok := c.Services[name]; !ok {
			problems = append(problems, fmt.Sprintf("service %q is missing", name))
		}
	}
	return problems
}

func checkTemporalPostgresPersistence(c *composeFile) []string {
	temporal, ok := c.Services["temporal"]
	if !ok {
		return []string{`service "temporal" is missing`}
	}
	var problems []string
	if !isTemporalServerService(c, "temporal") {
		problems = append(problems, fmt.Sprintf("temporal runs %q, want a Temporal server image (temporalio/auto-setup)", temporal.Image))
	}
	env := temporal.Environment
	switch db := env["DB"]; db {
	case "postgres12", "postgres12_pgx", "postgresql":
	default:
		problems = append(problems, fmt.Sprintf("temporal DB=%q, want PostgreSQL persistence (postgres12)", db))
	}
	seeds := env["POSTGRES_SEEDS"]
	if !isPostgresService(c, seeds) {
		problems = append(problems, fmt.Sprintf("temporal POSTGRES_SEEDS=%q does not name a postgres service", seeds))
	}
	if port, ok := env["DB_PORT"]; ok && port != "5432" {
		problems = append(problems, fmt.Sprintf("temporal DB_PORT=%q, postgres listens on 5432", port))
	}
	if pg, ok := c.Services[seeds]; ok {
		if env["POSTGRES_USER"] != pg.Environment["POSTGRES_USER"] || env["POSTGRES_PWD"] != pg.Environment["POSTGRES_PASSWORD"] {
			problems = append(problems, fmt.Sprintf("temporal logs in as %q/%q, postgres is set up for %q/%q",
				env["POSTGRES_USER"], env["POSTGRES_PWD"], pg.Environment["POSTGRES_USER"], pg.Environment["POSTGRES_PASSWORD"]))
		}
	}
	if cond := temporal.DependsOn[seeds]; cond != "service_healthy" {
		problems = append(problems, fmt.Sprintf("temporal depends on %q with condition %q, want service_healthy", seeds, cond))
	}
	return problems
}

func checkDependsOnTargetsExist(c *composeFile) []string {
	var problems []string
	valid := []string{"service_started", "service_healthy", "service_completed_successfully"}
	for _, name := range sortedServiceNames(c) {
		for target, cond := range c.Services[name].DependsOn {
			dep, ok := c.Services[target]
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("%s depends on undefined service %q", name, target))
			case target == name:
				problems = append(problems, fmt.Sprintf("%s depends on itself", name))
			case !slices.Contains(valid, cond):
				problems = append(problems, fmt.Sprintf("%s depends on %s with unknown condition %q", name, target, cond))
			case cond == "service_healthy" && (dep.Healthcheck == nil || dep.Healthcheck.Disable || len(dep.Healthcheck.Test) == 0):
				problems = append(problems, fmt.Sprintf("%s waits for %s to be healthy, but %s has no healthcheck", name, target, target))
			}
		}
	}
	return problems
}

func checkStartupOrder(c *composeFile) []string {
	want := []struct {
		service, target string
		conditions      []string
	}{
		{"migrate", "postgres", []string{"service_healthy"}},
		{"worker", "migrate", []string{"service_completed_successfully"}},
		{"worker", "temporal", []string{"service_started", "service_healthy"}},
		{"api", "migrate", []string{"service_completed_successfully"}},
		{"api", "worker", []string{"service_started", "service_healthy"}},
	}
	var problems []string
	for _, w := range want {
		s, ok := c.Services[w.service]
		if !ok {
			problems = append(problems, fmt.Sprintf("service %q is missing", w.service))
			continue
		}
		cond, ok := s.DependsOn[w.target]
		if !ok || !slices.Contains(w.conditions, cond) {
			problems = append(problems, fmt.Sprintf("%s must depend on %s with condition %v, has %q", w.service, w.target, w.conditions, cond))
		}
	}
	return problems
}

func checkSubcommands(c *composeFile) []string {
	var problems []string
	for _, name := range []string{"migrate", "worker", "api"} {
		s, ok := c.Services[name]
		if !ok {
			problems = append(problems, fmt.Sprintf("service %q is missing", name))
			continue
		}
		if !slices.Equal(s.Command, []string{name}) {
			problems = append(problems, fmt.Sprintf("%s runs command %q, want [%q]", name, []string(s.Command), name))
		}
	}
	return problems
}

func checkGongjiServicesBuildFromRepo(c *composeFile) []string {
	var problems []string
	for _, name := range []string{"migrate", "worker", "api"} {
		s, ok := c.Services[name]
		if !ok {
			problems = append(problems, fmt.Sprintf("service %q is missing", name))
			continue
		}
		if !s.Build.Set || filepath.Clean(s.Build.Context) != "." {
			problems = append(problems, fmt.Sprintf("%s must be built from this repository (build: .), has build context %q", name, s.Build.Context))
		}
		if df := s.Build.Dockerfile; df != "" && df != dockerfilePath {
			problems = append(problems, fmt.Sprintf("%s builds from %q, want %s", name, df, dockerfilePath))
		}
	}
	return problems
}

func checkDatabaseURL(c *composeFile) []string {
	var problems []string
	gongji := gongjiServices(c)
	if len(gongji) == 0 {
		return []string{"no service is built from this repository"}
	}
	for _, name := range gongji {
		raw, ok := c.Services[name].Environment["DATABASE_URL"]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s does not set DATABASE_URL", name))
			continue
		}
		u, err := url.Parse(resolveDefaults(raw))
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s DATABASE_URL %q: %v", name, raw, err))
			continue
		}
		if u.Scheme != "postgres" && u.Scheme != "postgresql" {
			problems = append(problems, fmt.Sprintf("%s DATABASE_URL scheme %q, want postgres", name, u.Scheme))
		}
		host := u.Hostname()
		if !isPostgresService(c, host) {
			problems = append(problems, fmt.Sprintf("%s DATABASE_URL host %q is not a postgres service", name, host))
			continue
		}
		if port := u.Port(); port != "" && port != "5432" {
			problems = append(problems, fmt.Sprintf("%s DATABASE_URL port %q, postgres listens on 5432", name, port))
		}
		pgEnv := c.Services[host].Environment
		password, _ := u.User.Password()
		if u.User.Username() != pgEnv["POSTGRES_USER"] || password != pgEnv["POSTGRES_PASSWORD"] {
			problems = append(problems, fmt.Sprintf("%s DATABASE_URL logs in as %q/%q, postgres is set up for %q/%q",
				name, u.User.Username(), password, pgEnv["POSTGRES_USER"], pgEnv["POSTGRES_PASSWORD"]))
		}
		wantDB := pgEnv["POSTGRES_DB"]
		if wantDB == "" {
			wantDB = pgEnv["POSTGRES_USER"] // the postgres image's default database
		}
		if db := strings.TrimPrefix(u.Path, "/"); db != wantDB {
			problems = append(problems, fmt.Sprintf("%s DATABASE_URL database %q, postgres creates %q", name, db, wantDB))
		}
	}
	return problems
}

func checkTemporalAddress(c *composeFile) []string {
	var problems []string
	for _, name := range gongjiServices(c) {
		raw, ok := c.Services[name].Environment["TEMPORAL_ADDRESS"]
		if !ok {
			if name == "worker" || name == "api" {
				problems = append(problems, fmt.Sprintf("%s does not set TEMPORAL_ADDRESS", name))
			}
			continue
		}
		host, port, err := net.SplitHostPort(resolveDefaults(raw))
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s TEMPORAL_ADDRESS %q is not host:port: %v", name, raw, err))
			continue
		}
		if !isTemporalServerService(c, host) {
			problems = append(problems, fmt.Sprintf("%s TEMPORAL_ADDRESS host %q is not a Temporal server service", name, host))
		}
		if port != "7233" {
			problems = append(problems, fmt.Sprintf("%s TEMPORAL_ADDRESS port %q, Temporal frontend listens on 7233", name, port))
		}
	}
	for _, name := range []string{"worker", "api"} {
		if _, ok := c.Services[name]; ok && !c.Services[name].Build.Set {
			problems = append(problems, fmt.Sprintf("%s is not built from this repository", name))
		}
	}
	return problems
}

func checkTemporalUIAddress(c *composeFile) []string {
	ui, ok := c.Services["temporal-ui"]
	if !ok {
		return []string{`service "temporal-ui" is missing`}
	}
	var problems []string
	if imageRepo(ui.Image) != "temporalio/ui" {
		problems = append(problems, fmt.Sprintf("temporal-ui runs %q, want temporalio/ui", ui.Image))
	}
	host, port, err := net.SplitHostPort(ui.Environment["TEMPORAL_ADDRESS"])
	if err != nil || !isTemporalServerService(c, host) || port != "7233" {
		problems = append(problems, fmt.Sprintf("temporal-ui TEMPORAL_ADDRESS=%q, want temporal:7233", ui.Environment["TEMPORAL_ADDRESS"]))
	}
	return problems
}

func checkDocumentedEnvOnly(c *composeFile) []string {
	var problems []string
	gongji := gongjiServices(c)
	if len(gongji) == 0 {
		return []string{"no service is built from this repository"}
	}
	for _, name := range gongji {
		for key := range c.Services[name].Environment {
			if !slices.Contains(documentedEnv, key) {
				problems = append(problems, fmt.Sprintf("%s sets %s, which is not a documented setting %v", name, key, documentedEnv))
			}
		}
	}
	return problems
}

func checkJWTSecretFromEnvironment(c *composeFile) []string {
	var problems []string
	for _, name := range gongjiServices(c) {
		secret, ok := c.Services[name].Environment["GONGJI_JWT_SECRET"]
		if !ok {
			if name == "api" {
				problems = append(problems, "api does not set GONGJI_JWT_SECRET")
			}
			continue
		}
		if !strings.HasPrefix(secret, "${GONGJI_JWT_SECRET") {
			problems = append(problems, fmt.Sprintf("%s hard-codes GONGJI_JWT_SECRET=%q; take it from ${GONGJI_JWT_SECRET:-...}", name, secret))
		}
		// The API refuses to start with a secret under 32 characters.
		if _, def, hasDefault := strings.Cut(strings.TrimSuffix(secret, "}"), ":-"); hasDefault && len(def) < 32 {
			problems = append(problems, fmt.Sprintf("%s's default GONGJI_JWT_SECRET %q is shorter than the 32 characters the API requires", name, def))
		}
	}
	return problems
}

func checkComposeImagesPinned(c *composeFile) []string {
	var problems []string
	for _, name := range sortedServiceNames(c) {
		s := c.Services[name]
		switch {
		case s.Image == "" && !s.Build.Set:
			problems = append(problems, fmt.Sprintf("%s has neither image nor build", name))
		case s.Image != "":
			if p := imageTagProblem(s.Image); p != "" {
				problems = append(problems, name+": "+p)
			}
		}
	}
	return problems
}

func publishes(s *service, host, container string) bool {
	return slices.ContainsFunc(s.Ports, func(p portSpec) bool { return p.Host == host && p.Container == container })
}

func checkPublishedPorts(c *composeFile) []string {
	var problems []string
	if api, ok := c.Services["api"]; !ok {
		problems = append(problems, `service "api" is missing`)
	} else {
		addr := resolveDefaults(api.Environment["GONGJI_HTTP_ADDR"])
		if addr == "" {
			addr = ":8080" // documented default
		}
		_, listen, err := net.SplitHostPort(addr)
		if err != nil {
			problems = append(problems, fmt.Sprintf("api GONGJI_HTTP_ADDR %q is not [host]:port: %v", addr, err))
		}
		if listen != "8080" {
			problems = append(problems, fmt.Sprintf("api listens on port %q, want 8080", listen))
		}
		if !publishes(api, "8080", "8080") {
			problems = append(problems, "api does not publish 8080:8080")
		}
	}
	if ui, ok := c.Services["temporal-ui"]; !ok {
		problems = append(problems, `service "temporal-ui" is missing`)
	} else if !publishes(ui, "8233", "8080") {
		problems = append(problems, "temporal-ui does not publish 8233:8080")
	}
	return problems
}

func checkPostgresDurableAndProbed(c *composeFile) []string {
	pg, ok := c.Services["postgres"]
	if !ok {
		return []string{`service "postgres" is missing`}
	}
	var problems []string
	if !strings.HasPrefix(pg.Image, "postgres:15") {
		problems = append(problems, fmt.Sprintf("postgres runs %q, want postgres:15", pg.Image))
	}
	if pg.Healthcheck == nil || pg.Healthcheck.Disable || !slices.Contains(pg.Healthcheck.Test, "pg_isready") {
		problems = append(problems, "postgres has no pg_isready healthcheck")
	}
	for _, key := range []string{"POSTGRES_USER", "POSTGRES_PASSWORD"} {
		if pg.Environment[key] == "" {
			problems = append(problems, "postgres does not set "+key)
		}
	}
	named := slices.ContainsFunc(pg.Volumes, func(v volumeMount) bool {
		_, declared := c.Volumes[v.Source]
		return v.Target == "/var/lib/postgresql/data" && declared
	})
	if !named {
		problems = append(problems, "postgres does not keep /var/lib/postgresql/data on a declared named volume")
	}
	return problems
}

// ---------------------------------------------------------------------------------------------
// Checks on the Dockerfile and .dockerignore.

type dockerInstruction struct {
	Cmd  string // upper case
	Args string
}

type dockerStage struct {
	Image        string
	Name         string
	Instructions []dockerInstruction
}

// parseDockerfile splits a Dockerfile into stages, joining continuation lines and dropping comments.
func parseDockerfile(src string) []dockerStage {
	var logical []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		logical = append(logical, cur.String())
		cur.Reset()
	}
	if cur.Len() > 0 {
		logical = append(logical, cur.String())
	}

	var stages []dockerStage
	for _, l := range logical {
		cmd, args, _ := strings.Cut(l, " ")
		cmd, args = strings.ToUpper(cmd), strings.TrimSpace(args)
		if cmd == "FROM" {
			var words []string
			for _, w := range strings.Fields(args) {
				if !strings.HasPrefix(w, "--") {
					words = append(words, w)
				}
			}
			st := dockerStage{}
			if len(words) > 0 {
				st.Image = words[0]
			}
			if len(words) == 3 && strings.EqualFold(words[1], "AS") {
				st.Name = words[2]
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) == 0 {
			continue // ARG before the first FROM
		}
		last := &stages[len(stages)-1]
		last.Instructions = append(last.Instructions, dockerInstruction{Cmd: cmd, Args: args})
	}
	return stages
}

func (s dockerStage) all(cmd string) []string {
	var out []string
	for _, in := range s.Instructions {
		if in.Cmd == cmd {
			out = append(out, in.Args)
		}
	}
	return out
}

var goBuildOutput = regexp.MustCompile(`-o\s+(\S+)`)

func checkDockerfile(src string) []string {
	stages := parseDockerfile(src)
	if len(stages) < 2 {
		return []string{fmt.Sprintf("Dockerfile has %d stage(s), want a multi-stage build", len(stages))}
	}
	var problems []string
	stageNames := map[string]bool{}
	for i, st := range stages {
		if !stageNames[st.Image] {
			if p := imageTagProblem(st.Image); p != "" {
				problems = append(problems, fmt.Sprintf("Dockerfile stage %d: %s", i, p))
			}
		}
		stageNames[st.Name] = true
	}

	build, final := stages[0], stages[len(stages)-1]
	if !strings.HasPrefix(build.Image, "golang:1.26") {
		problems = append(problems, fmt.Sprintf("build stage uses %q, want golang:1.26", build.Image))
	}
	cgoOff := slices.ContainsFunc(build.all("ENV"), func(a string) bool { return strings.Contains(a, "CGO_ENABLED=0") })
	var output string
	for _, run := range build.all("RUN") {
		if !strings.Contains(run, "go build") {
			continue
		}
		if strings.Contains(run, "CGO_ENABLED=0") {
			cgoOff = true
		}
		if !strings.Contains(run, "./cmd/gongji") {
			problems = append(problems, fmt.Sprintf("go build does not build ./cmd/gongji: %q", run))
		}
		if !strings.Contains(run, "-trimpath") {
			problems = append(problems, fmt.Sprintf("go build lacks -trimpath: %q", run))
		}
		if m := goBuildOutput.FindStringSubmatch(run); m != nil {
			output = m[1]
		}
	}
	if output == "" {
		problems = append(problems, "build stage has no `go build -o <binary> ./cmd/gongji`")
	}
	if !cgoOff {
		problems = append(problems, "build stage does not set CGO_ENABLED=0")
	}

	if strings.HasPrefix(final.Image, "golang:") {
		problems = append(problems, fmt.Sprintf("final stage uses the toolchain image %q", final.Image))
	}
	if !strings.Contains(final.Image, "distroless") && !strings.HasPrefix(final.Image, "alpine:") {
		problems = append(problems, fmt.Sprintf("final stage uses %q, want a distroless or alpine image", final.Image))
	}
	copied := slices.ContainsFunc(final.all("COPY"), func(a string) bool {
		return strings.Contains(a, "--from=") && output != "" && strings.Contains(a, output) && strings.HasSuffix(a, " /gongji")
	})
	if !copied {
		problems = append(problems, fmt.Sprintf("final stage does not copy the built binary %q to /gongji", output))
	}
	users := final.all("USER")
	nonRoot := strings.HasSuffix(final.Image, ":nonroot") || strings.Contains(final.Image, ":nonroot@")
	if len(users) > 0 {
		user, _, _ := strings.Cut(users[len(users)-1], ":")
		nonRoot = user != "root" && user != "0"
	}
	if !nonRoot {
		problems = append(problems, "final stage runs as root")
	}
	entrypoints := final.all("ENTRYPOINT")
	var entry []string
	if len(entrypoints) > 0 {
		_ = json.Unmarshal([]byte(entrypoints[len(entrypoints)-1]), &entry)
	}
	if !slices.Equal(entry, []string{"/gongji"}) {
		problems = append(problems, fmt.Sprintf(`final stage ENTRYPOINT is %v, want ["/gongji"] (exec form)`, entrypoints))
	}
	return problems
}

// checkDockerignore keeps VCS data, binaries and local data out of the build context while
// leaving everything the build needs.
func checkDockerignore(src string) []string {
	var patterns []string
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "!") {
			continue
		}
		patterns = append(patterns, strings.Trim(filepath.Clean(line), "/"))
	}
	excluded := func(path string) bool {
		for p := path; p != "." && p != "/"; p = filepath.Dir(p) {
			for _, pat := range patterns {
				if ok, _ := filepath.Match(pat, p); ok {
					return true
				}
			}
		}
		return false
	}
	var problems []string
	for _, path := range []string{".git/HEAD", "bin/gongji", ".data/pg/PG_VERSION"} {
		if !excluded(path) {
			problems = append(problems, fmt.Sprintf(".dockerignore lets %s into the build context", path))
		}
	}
	for _, path := range []string{"go.mod", "go.sum", "cmd/gongji/main.go", "db/migrations/00001_init.sql", "api/openapi.yaml", "domain/person.go"} {
		if excluded(path) {
			problems = append(problems, fmt.Sprintf(".dockerignore excludes %s, which the build needs", path))
		}
	}
	return problems
}

// checkTemporalEagerActivities wants the Temporal server to read a dynamic
// config file, mounted from this repository, that enables eager activity
// execution, as the dev servers of `make run` and the tests do.
func checkTemporalEagerActivities(c *composeFile) []string {
	tp, ok := c.Services["temporal"]
	if !ok {
		return []string{`service "temporal" is missing`}
	}
	path := tp.Environment["DYNAMIC_CONFIG_FILE_PATH"]
	if path == "" {
		return []string{"temporal does not set DYNAMIC_CONFIG_FILE_PATH"}
	}
	target := "/etc/temporal/" + path
	i := slices.IndexFunc(tp.Volumes, func(v volumeMount) bool { return v.Target == target })
	if i < 0 {
		return []string{"temporal mounts nothing at " + target}
	}
	data, err := os.ReadFile(tp.Volumes[i].Source)
	if err != nil {
		return []string{fmt.Sprintf("temporal's dynamic config %s cannot be read: %v", tp.Volumes[i].Source, err)}
	}
	var cfg map[string][]struct {
		Value any `yaml:"value"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return []string{fmt.Sprintf("temporal's dynamic config is not YAML: %v", err)}
	}
	if v := cfg["system.enableActivityEagerExecution"]; len(v) != 1 || v[0].Value != true {
		return []string{"temporal's dynamic config does not enable system.enableActivityEagerExecution"}
	}
	return nil
}

// ---------------------------------------------------------------------------------------------
// Tests against the real files.

func TestCompose_TemporalRunsEagerActivities(t *testing.T) {
	reportProblems(t, checkTemporalEagerActivities(loadCompose(t)))
}

func TestCompose_DefinesRequiredServices(t *testing.T) {
	reportProblems(t, checkRequiredServices(loadCompose(t)))
}

func TestCompose_TemporalUsesPostgresPersistence(t *testing.T) {
	reportProblems(t, checkTemporalPostgresPersistence(loadCompose(t)))
}

func TestCompose_DependsOnOnlyDefinedServices(t *testing.T) {
	reportProblems(t, checkDependsOnTargetsExist(loadCompose(t)))
}

func TestCompose_MigrateCompletesBeforeWorkerAndAPIStart(t *testing.T) {
	reportProblems(t, checkStartupOrder(loadCompose(t)))
}

func TestCompose_ServicesRunTheirSubcommands(t *testing.T) {
	reportProblems(t, checkSubcommands(loadCompose(t)))
}

func TestCompose_GongjiServicesBuildFromThisRepository(t *testing.T) {
	reportProblems(t, checkGongjiServicesBuildFromRepo(loadCompose(t)))
}

func TestCompose_DatabaseURLPointsAtPostgresService(t *testing.T) {
	reportProblems(t, checkDatabaseURL(loadCompose(t)))
}

func TestCompose_TemporalAddressPointsAtTemporalService(t *testing.T) {
	c := loadCompose(t)
	reportProblems(t, checkTemporalAddress(c))
	reportProblems(t, checkTemporalUIAddress(c))
}

func TestCompose_GongjiServicesUseOnlyDocumentedSettings(t *testing.T) {
	reportProblems(t, checkDocumentedEnvOnly(loadCompose(t)))
}

func TestCompose_JWTSecretComesFromEnvironment(t *testing.T) {
	reportProblems(t, checkJWTSecretFromEnvironment(loadCompose(t)))
}

func TestCompose_ImagesArePinned(t *testing.T) {
	reportProblems(t, checkComposeImagesPinned(loadCompose(t)))
}

func TestCompose_PublishesAPIAndTemporalUIPorts(t *testing.T) {
	reportProblems(t, checkPublishedPorts(loadCompose(t)))
}

func TestCompose_PostgresIsProbedAndKeepsDataOnNamedVolume(t *testing.T) {
	reportProblems(t, checkPostgresDurableAndProbed(loadCompose(t)))
}

func TestCompose_DockerfileBuildsCmdGongjiIntoSmallNonRootImage(t *testing.T) {
	reportProblems(t, checkDockerfile(string(readFile(t, dockerfilePath))))
}

func TestCompose_DockerignoreKeepsLocalStateOutOfBuildContext(t *testing.T) {
	reportProblems(t, checkDockerignore(string(readFile(t, dockerignorePath))))
}

// TestCompose_ChecksRejectBrokenConfigs proves every check above can fail: each case breaks one
// thing in a copy of the real file and expects the matching check to report it.
func TestCompose_ChecksRejectBrokenConfigs(t *testing.T) {
	composeData := readFile(t, composePath)
	env := func(c *composeFile, svc, key, value string) {
		e := envMap{}
		for k, v := range c.Services[svc].Environment {
			e[k] = v // the anchor is shared between services; copy before editing
		}
		e[key] = value
		c.Services[svc].Environment = e
	}
	unsetEnv := func(c *composeFile, svc, key string) {
		e := envMap{}
		for k, v := range c.Services[svc].Environment {
			if k != key {
				e[k] = v
			}
		}
		c.Services[svc].Environment = e
	}
	composeCases := []struct {
		name   string
		check  func(*composeFile) []string
		mutate func(*composeFile)
	}{
		{"temporal-ui missing", checkRequiredServices, func(c *composeFile) { delete(c.Services, "temporal-ui") }},
		{"migrate missing", checkRequiredServices, func(c *composeFile) { delete(c.Services, "migrate") }},
		{"temporal on sqlite", checkTemporalPostgresPersistence, func(c *composeFile) { env(c, "temporal", "DB", "sqlite") }},
		{"temporal seeds unknown host", checkTemporalPostgresPersistence, func(c *composeFile) { env(c, "temporal", "POSTGRES_SEEDS", "db") }},
		{"temporal wrong password", checkTemporalPostgresPersistence, func(c *composeFile) { env(c, "temporal", "POSTGRES_PWD", "nope") }},
		{"temporal not waiting for healthy postgres", checkTemporalPostgresPersistence, func(c *composeFile) {
			c.Services["temporal"].DependsOn = dependsOn{"postgres": "service_started"}
		}},
		{"temporal image not a server", checkTemporalPostgresPersistence, func(c *composeFile) { c.Services["temporal"].Image = "busybox:1.36" }},
		{"temporal without dynamic config", checkTemporalEagerActivities, func(c *composeFile) { unsetEnv(c, "temporal", "DYNAMIC_CONFIG_FILE_PATH") }},
		{"temporal dynamic config not mounted", checkTemporalEagerActivities, func(c *composeFile) { c.Services["temporal"].Volumes = nil }},
		{"temporal dynamic config missing", checkTemporalEagerActivities, func(c *composeFile) {
			c.Services["temporal"].Volumes = []volumeMount{{Source: "./deploy/nope.yaml", Target: "/etc/temporal/config/dynamicconfig/gongji.yaml"}}
		}},
		{"depends on undefined service", checkDependsOnTargetsExist, func(c *composeFile) { c.Services["api"].DependsOn = dependsOn{"redis": "service_started"} }},
		{"waits for healthy service without healthcheck", checkDependsOnTargetsExist, func(c *composeFile) {
			c.Services["api"].DependsOn = dependsOn{"temporal-ui": "service_healthy"}
		}},
		{"unknown depends_on condition", checkDependsOnTargetsExist, func(c *composeFile) { c.Services["api"].DependsOn = dependsOn{"worker": "service_ready"} }},
		{"worker does not wait for migrate", checkStartupOrder, func(c *composeFile) {
			c.Services["worker"].DependsOn = dependsOn{"temporal": "service_started", "migrate": "service_started"}
		}},
		{"api does not wait for worker", checkStartupOrder, func(c *composeFile) {
			c.Services["api"].DependsOn = dependsOn{"migrate": "service_completed_successfully"}
		}},
		{"migrate does not wait for healthy postgres", checkStartupOrder, func(c *composeFile) { c.Services["migrate"].DependsOn = nil }},
		{"worker runs api", checkSubcommands, func(c *composeFile) { c.Services["worker"].Command = stringList{"api"} }},
		{"api has no command", checkSubcommands, func(c *composeFile) { c.Services["api"].Command = nil }},
		{"api from a registry image", checkGongjiServicesBuildFromRepo, func(c *composeFile) {
			c.Services["api"].Build = buildSpec{}
			c.Services["api"].Image = "gongji:1.0"
		}},
		{"worker built from another context", checkGongjiServicesBuildFromRepo, func(c *composeFile) {
			c.Services["worker"].Build = buildSpec{Set: true, Context: "./worker"}
		}},
		{"api without DATABASE_URL", checkDatabaseURL, func(c *composeFile) { unsetEnv(c, "api", "DATABASE_URL") }},
		{"DATABASE_URL to unknown host", checkDatabaseURL, func(c *composeFile) {
			env(c, "worker", "DATABASE_URL", "postgres://gongji:gongji@db:5432/gongji?sslmode=disable")
		}},
		{"DATABASE_URL wrong password", checkDatabaseURL, func(c *composeFile) {
			env(c, "migrate", "DATABASE_URL", "postgres://gongji:secret@postgres:5432/gongji?sslmode=disable")
		}},
		{"DATABASE_URL wrong database", checkDatabaseURL, func(c *composeFile) {
			env(c, "migrate", "DATABASE_URL", "postgres://gongji:gongji@postgres:5432/temporal?sslmode=disable")
		}},
		{"worker without TEMPORAL_ADDRESS", checkTemporalAddress, func(c *composeFile) { unsetEnv(c, "worker", "TEMPORAL_ADDRESS") }},
		{"api TEMPORAL_ADDRESS to localhost", checkTemporalAddress, func(c *composeFile) { env(c, "api", "TEMPORAL_ADDRESS", "127.0.0.1:7233") }},
		{"TEMPORAL_ADDRESS without port", checkTemporalAddress, func(c *composeFile) { env(c, "api", "TEMPORAL_ADDRESS", "temporal") }},
		{"TEMPORAL_ADDRESS to the UI", checkTemporalAddress, func(c *composeFile) { env(c, "worker", "TEMPORAL_ADDRESS", "temporal-ui:7233") }},
		{"UI pointed at nothing", checkTemporalUIAddress, func(c *composeFile) { env(c, "temporal-ui", "TEMPORAL_ADDRESS", "localhost:7233") }},
		{"undocumented setting", checkDocumentedEnvOnly, func(c *composeFile) { env(c, "api", "GONGJI_DEBUG", "1") }},
		{"legacy setting name", checkDocumentedEnvOnly, func(c *composeFile) { env(c, "worker", "JWT_SECRET", "x") }},
		{"hard-coded JWT secret", checkJWTSecretFromEnvironment, func(c *composeFile) { env(c, "api", "GONGJI_JWT_SECRET", "s3cret") }},
		{"api without JWT secret", checkJWTSecretFromEnvironment, func(c *composeFile) { unsetEnv(c, "api", "GONGJI_JWT_SECRET") }},
		{"untagged image", checkComposeImagesPinned, func(c *composeFile) { c.Services["postgres"].Image = "postgres" }},
		{"latest image", checkComposeImagesPinned, func(c *composeFile) { c.Services["temporal-ui"].Image = "temporalio/ui:latest" }},
		{"registry port is not a tag", checkComposeImagesPinned, func(c *composeFile) { c.Services["temporal"].Image = "localhost:5000/temporal" }},
		{"variable image tag", checkComposeImagesPinned, func(c *composeFile) { c.Services["temporal"].Image = "temporalio/auto-setup:${TAG}" }},
		{"service without image or build", checkComposeImagesPinned, func(c *composeFile) { c.Services["api"].Build = buildSpec{} }},
		{"api port not published", checkPublishedPorts, func(c *composeFile) { c.Services["api"].Ports = nil }},
		{"api published on another host port", checkPublishedPorts, func(c *composeFile) { c.Services["api"].Ports = []portSpec{{Host: "9090", Container: "8080"}} }},
		{"api listens elsewhere", checkPublishedPorts, func(c *composeFile) { env(c, "api", "GONGJI_HTTP_ADDR", ":9000") }},
		{"ui port not published", checkPublishedPorts, func(c *composeFile) { c.Services["temporal-ui"].Ports = nil }},
		{"postgres without healthcheck", checkPostgresDurableAndProbed, func(c *composeFile) { c.Services["postgres"].Healthcheck = nil }},
		{"postgres on anonymous volume", checkPostgresDurableAndProbed, func(c *composeFile) { c.Volumes = nil }},
		{"postgres 16", checkPostgresDurableAndProbed, func(c *composeFile) { c.Services["postgres"].Image = "postgres:16" }},
	}
	for _, tc := range composeCases {
		t.Run(tc.name, func(t *testing.T) {
			c := parseCompose(t, composeData)
			if got := tc.check(c); len(got) != 0 {
				t.Fatalf("check already fails on the real file: %v", got)
			}
			tc.mutate(c)
			if got := tc.check(c); len(got) == 0 {
				t.Errorf("check accepted a compose file with %s", tc.name)
			}
		})
	}

	dockerfile := string(readFile(t, dockerfilePath))
	dockerignore := string(readFile(t, dockerignorePath))
	textCases := []struct {
		name   string
		check  func(string) []string
		src    string
		mutate func(string) string
	}{
		{"builds another package", checkDockerfile, dockerfile, func(s string) string { return strings.ReplaceAll(s, "./cmd/gongji", "./cmd/other") }},
		{"cgo on", checkDockerfile, dockerfile, func(s string) string { return strings.ReplaceAll(s, "CGO_ENABLED=0", "CGO_ENABLED=1") }},
		{"no trimpath", checkDockerfile, dockerfile, func(s string) string { return strings.ReplaceAll(s, "-trimpath", "") }},
		{"golang latest", checkDockerfile, dockerfile, func(s string) string { return strings.Replace(s, "golang:1.26", "golang:latest", 1) }},
		{"old toolchain", checkDockerfile, dockerfile, func(s string) string { return strings.Replace(s, "golang:1.26", "golang:1.22", 1) }},
		{"single stage", checkDockerfile, "FROM golang:1.26\nRUN CGO_ENABLED=0 go build -trimpath -o /gongji ./cmd/gongji\nENTRYPOINT [\"/gongji\"]\n", func(s string) string { return s }},
		{"runs as root", checkDockerfile, dockerfile, func(s string) string {
			s = strings.ReplaceAll(s, ":nonroot\n", ":debug\n")
			return regexp.MustCompile(`(?m)^USER .*$`).ReplaceAllString(s, "USER root")
		}},
		{"shell-form entrypoint", checkDockerfile, dockerfile, func(s string) string {
			return regexp.MustCompile(`(?m)^ENTRYPOINT .*$`).ReplaceAllString(s, "ENTRYPOINT /gongji")
		}},
		{"binary not copied", checkDockerfile, dockerfile, func(s string) string {
			return regexp.MustCompile(`(?m)^COPY --from.*$`).ReplaceAllString(s, "")
		}},
		{"fat final image", checkDockerfile, dockerfile, func(s string) string {
			return regexp.MustCompile(`(?m)^FROM gcr.io/distroless\S*`).ReplaceAllString(s, "FROM debian:12")
		}},
		{".git in context", checkDockerignore, dockerignore, func(s string) string {
			return regexp.MustCompile(`(?m)^\.git$`).ReplaceAllString(s, "")
		}},
		{"bin in context", checkDockerignore, dockerignore, func(s string) string { return strings.ReplaceAll(s, "bin/", "") }},
		{"sources excluded", checkDockerignore, dockerignore, func(s string) string { return s + "\n*.go\ncmd/\n" }},
		{"go.sum excluded", checkDockerignore, dockerignore, func(s string) string { return s + "\ngo.*\n" }},
	}
	for _, tc := range textCases {
		t.Run(tc.name, func(t *testing.T) {
			mutated := tc.mutate(tc.src)
			if got := tc.check(mutated); len(got) == 0 {
				t.Errorf("check accepted a file with %s:\n%s", tc.name, mutated)
			}
		})
	}
}
