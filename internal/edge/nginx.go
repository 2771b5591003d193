// Package edge renders the configuration of the edge load balancer (nginx)
// from the replicas that should take traffic.
package edge

import (
	"bytes"
	"fmt"
	"net"
	"slices"
	"strconv"
	"text/template"
)

// ConfigPath is where the rendered configuration goes in the nginx
// container; the image's nginx.conf includes conf.d/*.conf, and this file
// replaces its default server.
const ConfigPath = "/etc/nginx/conf.d/default.conf"

// Upstream is what the edge balances: the replicas' addresses and the port
// they serve on.
type Upstream struct {
	Name       string
	Addresses  []string
	Port       int
	ListenPort int
}

// HealthPath answers 200 from nginx itself: the edge's own liveness.
const HealthPath = "/.stackctl/edge-health"

var configTemplate = template.Must(template.New("nginx").Parse(`# Rendered by stackctl; replaced on every change of the upstream.
{{- if .Servers}}
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

    location = {{.HealthPath}} {
        access_log off;
        return 200 "ok\n";
    }

    location / {
{{- if .Servers}}
        proxy_pass http://{{.Name}};
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

// Render returns the nginx configuration for u. Addresses are sorted, so
// the same set of replicas always renders the same bytes.
func Render(u Upstream) ([]byte, error) {
	if u.Name == "" || u.Port < 1 || u.Port > 65535 || u.ListenPort < 1 || u.ListenPort > 65535 {
		return nil, fmt.Errorf("render edge config: invalid upstream %+v", u)
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
		ListenPort int
		HealthPath string
	}{u.Name, servers, u.ListenPort, HealthPath})
	if err != nil {
		return nil, fmt.Errorf("render edge config: %w", err)
	}
	return b.Bytes(), nil
}
