package stack

import "time"

// DefaultOptions are the few knobs of the built-in stack.
type DefaultOptions struct {
	// Project names the deployment; "" is DefaultProject.
	Project string
	// AppDir is the web app's build context (the repository's app/).
	AppDir string
	// PostgresPassword is the database password; "" is the seed's "secret".
	PostgresPassword string
	// WebPort is the host port web publishes: 0 is DefaultWebPort, and
	// AnyPort lets the engine choose a free one.
	WebPort int
	// WebReplicas is the number of web containers; 0 is one.
	WebReplicas int
	// Edge puts web behind the edge load balancer even with one replica.
	// More than one replica always does: they cannot all bind WebPort.
	Edge bool
}

// DefaultWebPort is the seed's published port.
const DefaultWebPort = 5000

// AnyPort asks for a host port the engine chooses.
const AnyPort = -1

// The stack's names, shared by its services.
const (
	AppNetwork   = "app-network"
	PostgresData = "postgres_data"
)

// Default is the seed's compose file, adapted to the Go app: postgres and
// redis, a one-shot schema migration, and the web tier gated on all three.
func Default(opts DefaultOptions) *Stack {
	password := opts.PostgresPassword
	if password == "" {
		password = "secret"
	}
	appDir := opts.AppDir
	if appDir == "" {
		appDir = "app"
	}
	webPort := opts.WebPort
	switch webPort {
	case 0:
		webPort = DefaultWebPort
	case AnyPort:
		webPort = 0
	}
	project := opts.Project
	if project == "" {
		project = DefaultProject
	}
	appImage := "stackctl-app:latest"
	if project != DefaultProject {
		appImage = "stackctl-" + project + "-app:latest"
	}
	appEnv := []EnvVar{
		{Name: "POSTGRES_HOST", Value: "db"},
		{Name: "POSTGRES_USER", Value: "appuser"},
		{Name: "POSTGRES_PASSWORD", Value: password, Secret: true},
		{Name: "POSTGRES_DB", Value: "appdb"},
		{Name: "REDIS_ADDR", Value: "cache:6379"},
	}
	hardened := func(svc Service) Service {
		svc.User = "65532:65532"
		svc.ReadOnlyRootfs = true
		svc.CapDrop = []string{"ALL"}
		svc.SecurityOpt = []string{"no-new-privileges:true"}
		return svc
	}
	webReplicas := max(opts.WebReplicas, 1)
	st := &Stack{
		Project:  project,
		Networks: []Network{{Name: AppNetwork, Driver: "bridge"}},
		Volumes:  []Volume{{Name: PostgresData}},
		Services: []Service{
			{
				Name:          "db",
				ContainerName: "postgres-db",
				Image:         "postgres:15",
				Restart:       RestartPolicy{Name: "always"},
				Environment: []EnvVar{
					{Name: "POSTGRES_USER", Value: "appuser"},
					{Name: "POSTGRES_PASSWORD", Value: password, Secret: true},
					{Name: "POSTGRES_DB", Value: "appdb"},
				},
				Mounts:   []Mount{{Volume: PostgresData, Target: "/var/lib/postgresql/data"}},
				Networks: []string{AppNetwork},
				// The seed's check, with a start period: a first start runs
				// initdb, which on a busy host outlasts 5 retries of 5 s, and
				// failures then must not count. stackctl's own fast probe
				// still gates dependents on the first passing check.
				Healthcheck: &Healthcheck{
					Test:          []string{"CMD-SHELL", "pg_isready -U appuser -h 127.0.0.1"},
					Interval:      5 * time.Second,
					Timeout:       5 * time.Second,
					StartPeriod:   60 * time.Second,
					StartInterval: time.Second,
					Retries:       5,
				},
				StopSignal:      "SIGINT",
				StopGracePeriod: 10 * time.Second,
				Replicas:        1,
			},
			{
				Name:            "cache",
				ContainerName:   "redis-cache",
				Image:           "redis:7",
				Restart:         RestartPolicy{Name: "always"},
				Networks:        []string{AppNetwork},
				StopGracePeriod: 10 * time.Second,
				Replicas:        1,
			},
			hardened(Service{
				Name:          "migrate",
				ContainerName: "app-migrate",
				Image:         appImage,
				Build:         &Build{Context: appDir, Dockerfile: "Dockerfile"},
				Command:       []string{"migrate"},
				// The image's healthcheck probes the web server, which a
				// migration does not run.
				Healthcheck:     &Healthcheck{Test: []string{"NONE"}},
				Environment:     appEnv,
				DependsOn:       []Dependency{{Service: "db", Condition: ServiceHealthy}},
				Restart:         RestartPolicy{Name: "on-failure", MaxRetries: 3},
				Networks:        []string{AppNetwork},
				OneShot:         true,
				StopGracePeriod: 10 * time.Second,
				Replicas:        1,
			}),
			hardened(Service{
				Name:          "web",
				ContainerName: "web-app",
				Image:         appImage,
				Build:         &Build{Context: appDir, Dockerfile: "Dockerfile"},
				Command:       []string{"serve"},
				Environment:   append([]EnvVar{{Name: "PORT", Value: "5000"}}, appEnv...),
				DependsOn: []Dependency{
					{Service: "db", Condition: ServiceHealthy},
					{Service: "cache", Condition: ServiceStarted},
					{Service: "migrate", Condition: ServiceCompletedSuccessfully},
				},
				Restart:   RestartPolicy{Name: "on-failure"},
				Ports:     []Port{{HostPort: webPort, ContainerPort: 5000, Protocol: "tcp"}},
				Networks:  []string{AppNetwork},
				Labels:    map[string]string{"project": "day-34", "environment": "dev"},
				Readiness: []string{"/app", "healthcheck", "/readyz"},
				Healthcheck: &Healthcheck{
					Test:        []string{"CMD", "/app", "healthcheck"},
					Interval:    5 * time.Second,
					Timeout:     3 * time.Second,
					StartPeriod: 5 * time.Second,
					Retries:     3,
				},
				StopSignal:      "SIGTERM",
				StopGracePeriod: 10 * time.Second,
				Replicas:        webReplicas,
			}),
		},
	}
	if webReplicas > 1 || opts.Edge {
		web := &st.Services[len(st.Services)-1]
		edge := edgeService(web.Ports[0].HostPort)
		web.Ports = nil
		st.Services = append(st.Services, edge)
	}
	return st
}

// EdgeImage is the load balancer's image.
const EdgeImage = "nginx:1.22"

// edgeService is the nginx load balancer in front of web's replicas. It
// takes over web's published port.
func edgeService(hostPort int) Service {
	return Service{
		Name:          "edge",
		ContainerName: "edge",
		Image:         EdgeImage,
		Restart:       RestartPolicy{Name: "always"},
		Ports:         []Port{{HostPort: hostPort, ContainerPort: 80, Protocol: "tcp"}},
		Networks:      []string{AppNetwork},
		DependsOn:     []Dependency{{Service: "web", Condition: ServiceHealthy}},
		LoadBalancer:  &LoadBalancer{Target: "web", TargetPort: 5000, ListenPort: 80},
		// Healthy once nginx listens on port 80 (0x0050): a started
		// container is not yet a listening one, and the engine's port
		// proxy resets connections until it is.
		Healthcheck: &Healthcheck{
			Test:     []string{"CMD-SHELL", "grep -q ':0050 00000000:0000 0A' /proc/net/tcp"},
			Interval: 5 * time.Second,
			Timeout:  3 * time.Second,
			Retries:  3,
		},
		// SIGQUIT: nginx finishes the requests in flight before it exits.
		StopSignal:      "SIGQUIT",
		StopGracePeriod: 10 * time.Second,
		Replicas:        1,
	}
}
