// Package edge renders the configuration of the edge load balancer (nginx):
// from the replicas that should take traffic, or from a DNS name that
// resolves to them.
package edge

import (
	"bytes"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"text/template"
	"time"
)

// ConfigPath is where the rendered configuration goes in the nginx
// container; the image's nginx.conf includes conf.d/*.conf, and this file
// replaces its default server.
const ConfigPath = "/etc/nginx/conf.d/default.conf"

// Upstream is what the edge balances: the replicas' addresses and the port
// they serve on.
type Upstream struct {
	Name      string
	Addresses []string
	// Host, instead of Addresses, is a DNS name that resolves to every
	// replica that should take traffic now (a swarm's tasks.<service>),
	// asked of Resolver (an IP address) at request time.
	Host       string
	Resolver   string
	Port       int
	ListenPort int
}

// ResolveValid is how long nginx keeps an answer about Host: a replica
// that joins or leaves the name is seen within it.
const ResolveValid = time.Second

// HealthPath answers 200 from nginx itself: the edge's own liveness.
const HealthPath = "/.stackctl/edge-health"

var configTemplate = template.Must(template.New("nginx").Parse(`# Rendered by stackctl{{if not .Host}}; replaced on every change of the upstream{{end}}.
# Which replicas each request went to, and how each answered: a request
# that was retried lists several.
log_format stackctl_edge '$remote_addr [$time_iso8601] "$request" $status $request_time '
                         'upstream=$upstream_addr upstream_status=$upstream_status';
{{- if .Host}}
# The replicas are whatever {{.Host}} resolves to at request time: a
# replica joins the name once healthy, and leaves it about 2 s before it
# is told to stop, so an answer is kept for a second only.
resolver {{.Resolver}} valid={{.Valid}} ipv6=off;
resolver_timeout 2s;
{{- else if .Servers}}
upstream {{.Name}} {
    # A replica that fails is skipped for a while (passive health check).
{{- range .Servers}}
    server {{.}} max_fails=1 fail_timeout=5s;
{{- end}}
    keepalive 32;
}
{{- end}}

server {
    listen {{.ListenPort}};
    access_log /var/log/nginx/access.log stackctl_edge;

    location = {{.HealthPath}} {
        access_log off;
        return 200 "ok\n";
    }

    location / {
{{- if or .Host .Servers}}
{{- if .Host}}
        # A variable makes nginx resolve the name per request (once per
        # valid= period), and every address it resolves to is a peer the
        # request may be retried on.
        set $replicas {{.Host}};
        proxy_pass http://$replicas:{{.Port}};
{{- else}}
        proxy_pass http://{{.Name}};
{{- end}}
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_connect_timeout 1s;
        proxy_send_timeout 10s;
        proxy_read_timeout 10s;
        # Retry idempotent requests on the next replica when one fails to
        # answer; nginx never retries non-idempotent ones here.
        proxy_next_upstream error timeout http_502 http_504;
        proxy_next_upstream_tries 3;
        proxy_next_upstream_timeout 5s;
{{- else}}
        default_type text/plain;
        return 503 "no healthy replica of {{.Name}}\n";
{{- end}}
    }
}
`))

// hostRE is a DNS name as a swarm names services: labels of letters,
// digits, '-' and '_', joined by dots.
var hostRE = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)

// Render returns the nginx configuration for u. Addresses are sorted, so
// the same set of replicas always renders the same bytes.
func Render(u Upstream) ([]byte, error) {
	if u.Name == "" || u.Port < 1 || u.Port > 65535 || u.ListenPort < 1 || u.ListenPort > 65535 {
		return nil, fmt.Errorf("render edge config: invalid upstream %+v", u)
	}
	if u.Host != "" && (!hostRE.MatchString(u.Host) || net.ParseIP(u.Resolver) == nil || len(u.Addresses) > 0) {
		return nil, fmt.Errorf("render edge config: upstream %s: want a DNS name %q, a resolver's IP address %q and no addresses", u.Name, u.Host, u.Resolver)
	}
	servers := make([]string, 0, len(u.Addresses))
	for _, addr := range u.Addresses {
		if net.ParseIP(addr) == nil {
			return nil, fmt.Errorf("render edge config: %q is not an IP address", addr)
		}
		servers = append(servers, net.JoinHostPort(addr, strconv.Itoa(u.Port)))
	}
	slices.Sort(servers)
	var b bytes.Buffer
	err := configTemplate.Execute(&b, struct {
		Name       string
		Servers    []string
		Host       string
		Resolver   string
		Valid      string
		Port       int
		ListenPort int
		HealthPath string
	}{u.Name, servers, u.Host, u.Resolver, ResolveValid.String(), u.Port, u.ListenPort, HealthPath})
	if err != nil {
		return nil, fmt.Errorf("render edge config: %w", err)
	}
	return b.Bytes(), nil
}
