package bench

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/stackctl/stackctl/internal/stack"
)

// The benchmark is only fair while bench/compose.yaml asks Compose for the
// stack stackctl runs. These tests render stackctl's side with the same code
// as `stackctl config` and compare every field that changes what the engine
// runs. A key this comparison does not know fails the test, so a new field
// on either side gets compared rather than silently ignored.

// TestComposeFileMatchesStackctl compares the file with the built-in stack
// for the default project and for a prefixed one, as the benchmark uses it.
func TestComposeFileMatchesStackctl(t *testing.T) {
	appDir, err := filepath.Abs("testdata-app")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		env  map[string]string
		opts stack.DefaultOptions
	}{
		{name: "default project", env: map[string]string{}, opts: stack.DefaultOptions{}},
		{
			name: "benchmark project",
			env: map[string]string{
				"STACK_PREFIX": "bench-c-", "WEB_PORT": "5123",
				"POSTGRES_PASSWORD": "hunter2", "APP_DIR": appDir,
			},
			opts: stack.DefaultOptions{Project: "bench-c", WebPort: 5123, PostgresPassword: "hunter2", AppDir: appDir},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			composeSide, err := loadComposeFile("compose.yaml", tc.env)
			if err != nil {
				t.Fatalf("load compose.yaml: %v", err)
			}
			st := stack.Default(tc.opts)
			stackctlSide, err := loadStackctlConfig(st)
			if err != nil {
				t.Fatalf("load stackctl config: %v", err)
			}
			for _, diff := range diffStacks(stackctlSide, composeSide) {
				t.Error(diff)
			}
		})
	}
}

// TestDiffStacksCatchesDrift makes sure the comparison is not vacuous: a
// changed field on the Compose side is reported.
func TestDiffStacksCatchesDrift(t *testing.T) {
	want, err := loadStackctlConfig(stack.Default(stack.DefaultOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	mutations := map[string]func(s *normalizedStack){
		"image":       func(s *normalizedStack) { s.Services["db"].Image = "postgres:16" },
		"healthcheck": func(s *normalizedStack) { s.Services["db"].Healthcheck.Interval = time.Second },
		"depends_on": func(s *normalizedStack) {
			s.Services["web"].DependsOn["migrate"] = string(stack.ServiceStarted)
		},
		"read_only":   func(s *normalizedStack) { s.Services["web"].ReadOnly = false },
		"environment": func(s *normalizedStack) { s.Services["web"].Environment["PORT"] = "5001" },
		"restart":     func(s *normalizedStack) { s.Services["migrate"].Restart = "on-failure" },
		"service":     func(s *normalizedStack) { delete(s.Services, "cache") },
		"volume":      func(s *normalizedStack) { s.Volumes = []string{"other"} },
	}
	for name, mutate := range mutations {
		got, err := loadStackctlConfig(stack.Default(stack.DefaultOptions{}))
		if err != nil {
			t.Fatal(err)
		}
		mutate(got)
		if diffs := diffStacks(want, got); len(diffs) == 0 {
			t.Errorf("changing %s went unnoticed", name)
		}
	}
}

func TestInterpolate(t *testing.T) {
	env := map[string]string{"SET": "x", "EMPTY": ""}
	cases := map[string]string{
		"plain":           "plain",
		"${SET}":          "x",
		"$SET-y":          "x-y",
		"${UNSET}":        "",
		"${UNSET:-d}":     "d",
		"${EMPTY:-d}":     "d",
		"${EMPTY-d}":      "",
		"${UNSET-d}":      "d",
		"a$${SET}":        "a${SET}",
		"${SET}:${SET}":   "x:x",
		"p-${UNSET:-5}:5": "p-5:5",
	}
	for in, want := range cases {
		got, err := interpolate(in, env)
		if err != nil || got != want {
			t.Errorf("interpolate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"${", "${SET", "${SET:?must be set}"} {
		if _, err := interpolate(bad, env); err == nil {
			t.Errorf("interpolate(%q): want an error", bad)
		}
	}
}

// normalizedStack is one side of the comparison in a form where equal means
// "the engine is asked for the same thing": networks and volumes by engine
// name, build contexts as absolute paths, durations parsed, list-or-map
// fields as maps.
type normalizedStack struct {
	Services map[string]*normalizedService
	Networks []string // "engine-name driver"
	Volumes  []string // engine names
}

type normalizedService struct {
	Image           string
	BuildContext    string
	Dockerfile      string
	ContainerName   string
	Command         []string
	Environment     map[string]string
	Healthcheck     normalizedHealthcheck
	Restart         string
	Ports           []string
	Volumes         []string
	Networks        []string
	Labels          map[string]string
	DependsOn       map[string]string
	User            string
	ReadOnly        bool
	CapDrop         []string
	SecurityOpt     []string
	StopSignal      string
	StopGracePeriod time.Duration
	Scale           int
}

type normalizedHealthcheck struct {
	Test          []string
	Interval      time.Duration
	Timeout       time.Duration
	StartPeriod   time.Duration
	StartInterval time.Duration
	Retries       int
}

// composeDoc is the subset of the Compose format either side may use.
// Decoding is strict: an unknown key is an error.
type composeDoc struct {
	Name     string                           `yaml:"name"`
	Services map[string]composeDocService     `yaml:"services"`
	Networks map[string]composeDocNamedObject `yaml:"networks"`
	Volumes  map[string]composeDocNamedObject `yaml:"volumes"`
}

type composeDocNamedObject struct {
	Name   string `yaml:"name"`
	Driver string `yaml:"driver"`
}

type composeDocService struct {
	Image         string `yaml:"image"`
	ContainerName string `yaml:"container_name"`
	Build         *struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	} `yaml:"build"`
	Command     yaml.Node `yaml:"command"`
	Restart     string    `yaml:"restart"`
	Environment yaml.Node `yaml:"environment"`
	Healthcheck *struct {
		Test          yaml.Node `yaml:"test"`
		Disable       bool      `yaml:"disable"`
		Interval      string    `yaml:"interval"`
		Timeout       string    `yaml:"timeout"`
		StartPeriod   string    `yaml:"start_period"`
		StartInterval string    `yaml:"start_interval"`
		Retries       int       `yaml:"retries"`
	} `yaml:"healthcheck"`
	DependsOn       yaml.Node `yaml:"depends_on"`
	Ports           []string  `yaml:"ports"`
	Volumes         []string  `yaml:"volumes"`
	Networks        yaml.Node `yaml:"networks"`
	Labels          yaml.Node `yaml:"labels"`
	Scale           int       `yaml:"scale"`
	User            string    `yaml:"user"`
	ReadOnly        bool      `yaml:"read_only"`
	CapDrop         []string  `yaml:"cap_drop"`
	SecurityOpt     []string  `yaml:"security_opt"`
	StopSignal      string    `yaml:"stop_signal"`
	StopGracePeriod string    `yaml:"stop_grace_period"`
}

// loadComposeFile reads the Compose file as Compose would with env as the
// environment: variables interpolated in values, relative build contexts
// resolved against the file's directory.
func loadComposeFile(path string, env map[string]string) (*normalizedStack, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if err := interpolateNode(&root, env); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	return decodeAndNormalize(&root, dir)
}

// loadStackctlConfig renders st as `stackctl config` does. Masked secrets are
// replaced by their real values after checking that exactly the model's
// secrets were masked, so the Compose side's values can be compared too.
// Relative build contexts are resolved against the repository root, where
// stackctl runs.
func loadStackctlConfig(st *stack.Stack) (*normalizedStack, error) {
	raw, err := st.ComposeYAML()
	if err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("parse stackctl config: %w", err)
	}
	repoRoot, err := filepath.Abs("..")
	if err != nil {
		return nil, err
	}
	norm, err := decodeAndNormalize(&root, repoRoot)
	if err != nil {
		return nil, err
	}
	for i := range st.Services {
		svc := &st.Services[i]
		rendered := norm.Services[svc.Name]
		for _, e := range svc.Environment {
			if masked := rendered.Environment[e.Name] == stack.Masked; masked != e.Secret {
				return nil, fmt.Errorf("service %s: %s masked=%v, secret=%v", svc.Name, e.Name, masked, e.Secret)
			}
			rendered.Environment[e.Name] = e.Value
		}
	}
	return norm, nil
}

func decodeAndNormalize(root *yaml.Node, baseDir string) (*normalizedStack, error) {
	// Re-encode so the strict decoder (unknown keys are errors) sees the
	// interpolated document.
	text, err := yaml.Marshal(root)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(text))
	dec.KnownFields(true)
	var doc composeDoc
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return normalize(&doc, baseDir)
}

func normalize(doc *composeDoc, baseDir string) (*normalizedStack, error) {
	out := &normalizedStack{Services: map[string]*normalizedService{}}
	networkNames := map[string]string{}
	for key, n := range doc.Networks {
		networkNames[key] = cmpOr(n.Name, key)
		out.Networks = append(out.Networks, networkNames[key]+" "+cmpOr(n.Driver, "bridge"))
	}
	volumeNames := map[string]string{}
	for key, v := range doc.Volumes {
		volumeNames[key] = cmpOr(v.Name, key)
		out.Volumes = append(out.Volumes, volumeNames[key])
	}
	slices.Sort(out.Networks)
	slices.Sort(out.Volumes)
	for name, svc := range doc.Services {
		n, err := normalizeService(svc, baseDir, networkNames, volumeNames)
		if err != nil {
			return nil, fmt.Errorf("service %s: %w", name, err)
		}
		out.Services[name] = n
	}
	return out, nil
}

func normalizeService(svc composeDocService, baseDir string, networkNames, volumeNames map[string]string) (*normalizedService, error) {
	n := &normalizedService{
		Image: svc.Image, ContainerName: svc.ContainerName, Restart: svc.Restart,
		User: svc.User, ReadOnly: svc.ReadOnly, StopSignal: svc.StopSignal,
		CapDrop: sorted(svc.CapDrop), SecurityOpt: sorted(svc.SecurityOpt), Scale: svc.Scale,
	}
	var err error
	if svc.Build != nil {
		n.BuildContext = svc.Build.Context
		if !filepath.IsAbs(n.BuildContext) {
			n.BuildContext = filepath.Join(baseDir, n.BuildContext)
		}
		n.BuildContext = filepath.Clean(n.BuildContext)
		n.Dockerfile = cmpOr(svc.Build.Dockerfile, "Dockerfile")
	}
	if n.Command, err = stringList(&svc.Command); err != nil {
		return nil, fmt.Errorf("command: %w", err)
	}
	if n.Environment, err = stringMap(&svc.Environment); err != nil {
		return nil, fmt.Errorf("environment: %w", err)
	}
	if n.Labels, err = stringMap(&svc.Labels); err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	if n.DependsOn, err = dependsOn(&svc.DependsOn); err != nil {
		return nil, fmt.Errorf("depends_on: %w", err)
	}
	if n.Healthcheck, err = healthcheck(svc); err != nil {
		return nil, fmt.Errorf("healthcheck: %w", err)
	}
	if n.StopGracePeriod, err = duration(svc.StopGracePeriod); err != nil {
		return nil, fmt.Errorf("stop_grace_period: %w", err)
	}
	for _, p := range svc.Ports {
		port, err := normalizePort(p)
		if err != nil {
			return nil, fmt.Errorf("ports: %w", err)
		}
		n.Ports = append(n.Ports, port)
	}
	for _, v := range svc.Volumes {
		mount, err := normalizeMount(v, volumeNames)
		if err != nil {
			return nil, fmt.Errorf("volumes: %w", err)
		}
		n.Volumes = append(n.Volumes, mount)
	}
	networks, err := networkKeys(&svc.Networks)
	if err != nil {
		return nil, fmt.Errorf("networks: %w", err)
	}
	for _, key := range networks {
		name, ok := networkNames[key]
		if !ok {
			return nil, fmt.Errorf("networks: %s is not declared", key)
		}
		n.Networks = append(n.Networks, name)
	}
	slices.Sort(n.Ports)
	slices.Sort(n.Volumes)
	slices.Sort(n.Networks)
	return n, nil
}

func healthcheck(svc composeDocService) (normalizedHealthcheck, error) {
	hc := svc.Healthcheck
	if hc == nil {
		return normalizedHealthcheck{}, nil
	}
	if hc.Disable {
		return normalizedHealthcheck{Test: []string{"NONE"}}, nil
	}
	var out normalizedHealthcheck
	var err error
	switch hc.Test.Kind {
	case yaml.ScalarNode:
		out.Test = []string{"CMD-SHELL", hc.Test.Value}
	case yaml.SequenceNode:
		if err := hc.Test.Decode(&out.Test); err != nil {
			return out, err
		}
	}
	out.Retries = hc.Retries
	for _, d := range []struct {
		in  string
		out *time.Duration
	}{{hc.Interval, &out.Interval}, {hc.Timeout, &out.Timeout}, {hc.StartPeriod, &out.StartPeriod}, {hc.StartInterval, &out.StartInterval}} {
		if *d.out, err = duration(d.in); err != nil {
			return out, err
		}
	}
	return out, nil
}

// stringList reads a list, or a string split on spaces (Compose splits a
// string command like a shell; this file has no quoting to honour).
func stringList(node *yaml.Node) ([]string, error) {
	switch node.Kind {
	case 0:
		return nil, nil
	case yaml.ScalarNode:
		return strings.Fields(node.Value), nil
	}
	var out []string
	return out, node.Decode(&out)
}

// stringMap reads Compose's map form or its KEY=VALUE list form.
func stringMap(node *yaml.Node) (map[string]string, error) {
	out := map[string]string{}
	switch node.Kind {
	case 0:
		return out, nil
	case yaml.SequenceNode:
		var items []string
		if err := node.Decode(&items); err != nil {
			return nil, err
		}
		for _, item := range items {
			k, v, _ := strings.Cut(item, "=")
			out[k] = v
		}
		return out, nil
	}
	return out, node.Decode(&out)
}

// dependsOn reads the long form (service: {condition: ...}) or the short
// list form, whose condition is service_started.
func dependsOn(node *yaml.Node) (map[string]string, error) {
	out := map[string]string{}
	switch node.Kind {
	case 0:
		return out, nil
	case yaml.SequenceNode:
		var names []string
		if err := node.Decode(&names); err != nil {
			return nil, err
		}
		for _, name := range names {
			out[name] = string(stack.ServiceStarted)
		}
		return out, nil
	}
	var long map[string]struct {
		Condition string `yaml:"condition"`
	}
	if err := node.Decode(&long); err != nil {
		return nil, err
	}
	for name, d := range long {
		out[name] = cmpOr(d.Condition, string(stack.ServiceStarted))
	}
	return out, nil
}

// networkKeys reads a service's networks, list or map form.
func networkKeys(node *yaml.Node) ([]string, error) {
	switch node.Kind {
	case 0:
		return nil, nil
	case yaml.SequenceNode:
		var keys []string
		return keys, node.Decode(&keys)
	}
	var m map[string]yaml.Node
	if err := node.Decode(&m); err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(m)), nil
}

// normalizePort turns Compose's short syntax into "ip:host:container/proto"
// with every part spelled out.
func normalizePort(spec string) (string, error) {
	spec, proto, _ := strings.Cut(spec, "/")
	proto = cmpOr(proto, "tcp")
	parts := strings.Split(spec, ":")
	var ip, host, container string
	switch len(parts) {
	case 1:
		container = parts[0]
	case 2:
		host, container = parts[0], parts[1]
	case 3:
		ip, host, container = parts[0], parts[1], parts[2]
	default:
		return "", fmt.Errorf("cannot read port %q", spec)
	}
	for _, number := range []string{host, container} {
		if _, err := strconv.Atoi(cmpOr(number, "0")); err != nil {
			return "", fmt.Errorf("port %q: %q is not a number", spec, number)
		}
	}
	return fmt.Sprintf("%s:%s:%s/%s", ip, host, container, proto), nil
}

// normalizeMount resolves a named volume mount to the volume's engine name.
func normalizeMount(spec string, volumeNames map[string]string) (string, error) {
	parts := strings.Split(spec, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return "", fmt.Errorf("cannot read mount %q", spec)
	}
	name, ok := volumeNames[parts[0]]
	if !ok {
		return "", fmt.Errorf("mount %q: %s is not a declared volume", spec, parts[0])
	}
	mode := "rw"
	if len(parts) == 3 {
		mode = parts[2]
	}
	return name + ":" + parts[1] + ":" + mode, nil
}

func duration(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	return time.ParseDuration(s)
}

func sorted(s []string) []string {
	return slices.Sorted(slices.Values(s))
}

func cmpOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// diffStacks lists every difference, one line per service field.
func diffStacks(want, got *normalizedStack) []string {
	var diffs []string
	add := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }
	if !reflect.DeepEqual(want.Networks, got.Networks) {
		add("networks: stackctl %q, compose %q", want.Networks, got.Networks)
	}
	if !reflect.DeepEqual(want.Volumes, got.Volumes) {
		add("volumes: stackctl %q, compose %q", want.Volumes, got.Volumes)
	}
	names := slices.Sorted(maps.Keys(want.Services))
	if gotNames := slices.Sorted(maps.Keys(got.Services)); !slices.Equal(names, gotNames) {
		add("services: stackctl %q, compose %q", names, gotNames)
	}
	for _, name := range names {
		g, ok := got.Services[name]
		if !ok {
			continue
		}
		w := reflect.ValueOf(*want.Services[name])
		gv := reflect.ValueOf(*g)
		for i := range w.NumField() {
			if !reflect.DeepEqual(w.Field(i).Interface(), gv.Field(i).Interface()) {
				add("service %s: %s: stackctl %+v, compose %+v", name, w.Type().Field(i).Name,
					w.Field(i).Interface(), gv.Field(i).Interface())
			}
		}
	}
	return diffs
}

// interpolateNode substitutes variables in every scalar value (not in keys),
// as Compose does.
func interpolateNode(node *yaml.Node, env map[string]string) error {
	switch node.Kind {
	case yaml.ScalarNode:
		v, err := interpolate(node.Value, env)
		if err != nil {
			return fmt.Errorf("line %d: %w", node.Line, err)
		}
		node.Value = v
	case yaml.MappingNode:
		for i := 1; i < len(node.Content); i += 2 {
			if err := interpolateNode(node.Content[i], env); err != nil {
				return err
			}
		}
	default:
		for _, child := range node.Content {
			if err := interpolateNode(child, env); err != nil {
				return err
			}
		}
	}
	return nil
}

// interpolate implements the part of Compose's variable syntax this file
// may use: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default} and $$.
func interpolate(s string, env map[string]string) (string, error) {
	var out strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			out.WriteByte(s[i])
			continue
		}
		rest := s[i+1:]
		switch {
		case strings.HasPrefix(rest, "$"):
			out.WriteByte('$')
			i++
		case strings.HasPrefix(rest, "{"):
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return "", fmt.Errorf("unterminated ${ in %q", s)
			}
			v, err := expand(rest[1:end], env)
			if err != nil {
				return "", fmt.Errorf("%q: %w", s, err)
			}
			out.WriteString(v)
			i += end + 1
		default:
			n := 0
			for n < len(rest) && (rest[n] == '_' || rest[n] >= 'A' && rest[n] <= 'Z' || rest[n] >= 'a' && rest[n] <= 'z' || n > 0 && rest[n] >= '0' && rest[n] <= '9') {
				n++
			}
			if n == 0 {
				out.WriteByte('$')
				continue
			}
			out.WriteString(env[rest[:n]])
			i += n
		}
	}
	return out.String(), nil
}

func expand(expr string, env map[string]string) (string, error) {
	if name, def, ok := strings.Cut(expr, ":-"); ok {
		if v := env[name]; v != "" {
			return v, nil
		}
		return def, nil
	}
	if name, def, ok := strings.Cut(expr, "-"); ok {
		if v, set := env[name]; set {
			return v, nil
		}
		return def, nil
	}
	if strings.ContainsAny(expr, ":?+") {
		return "", fmt.Errorf("unsupported expansion ${%s}", expr)
	}
	return env[expr], nil
}
