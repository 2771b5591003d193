package edge

import (
	"strings"
	"testing"
)

func TestRenderListsEveryReplicaWithPassiveHealthAndRetries(t *testing.T) {
	conf, err := Render(Upstream{Name: "web", Addresses: []string{"172.18.0.7", "172.18.0.5"}, Port: 5000, ListenPort: 80})
	if err != nil {
		t.Fatal(err)
	}
	got := string(conf)
	for _, want := range []string{
		"upstream web {",
		"server 172.18.0.5:5000 max_fails=1 fail_timeout=5s;",
		"server 172.18.0.7:5000 max_fails=1 fail_timeout=5s;",
		"keepalive 32;",
		"listen 80;",
		"proxy_pass http://web;",
		"proxy_next_upstream error timeout http_502 http_504;",
		`proxy_set_header Connection "";`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %q:\n%s", want, got)
		}
	}
	if strings.Index(got, "172.18.0.5") > strings.Index(got, "172.18.0.7") {
		t.Errorf("servers are not sorted, so equal sets would render differently:\n%s", got)
	}
}

func TestRenderWithoutReplicasAnswers503(t *testing.T) {
	conf, err := Render(Upstream{Name: "web", Port: 5000, ListenPort: 80})
	if err != nil {
		t.Fatal(err)
	}
	got := string(conf)
	if strings.Contains(got, "upstream web") || !strings.Contains(got, "return 503") {
		t.Errorf("an empty upstream must not be declared (nginx rejects it) and / must answer 503:\n%s", got)
	}
}

func TestRenderRejectsBadInput(t *testing.T) {
	for name, u := range map[string]Upstream{
		"no name":        {Port: 5000, ListenPort: 80},
		"bad port":       {Name: "web", Port: 0, ListenPort: 80},
		"bad listen":     {Name: "web", Port: 5000, ListenPort: 70000},
		"not an address": {Name: "web", Port: 5000, ListenPort: 80, Addresses: []string{"web-app-1; evil"}},
	} {
		if _, err := Render(u); err == nil {
			t.Errorf("%s: Render(%+v) succeeded, want an error", name, u)
		}
	}
}

// With a DNS name, nginx resolves it per request through the resolver,
// briefly cached, and retries on the other addresses it resolved to.
func TestRenderResolvesAHostAtRequestTime(t *testing.T) {
	conf, err := Render(Upstream{Name: "web", Host: "tasks.p_web", Resolver: "127.0.0.11", Port: 5000, ListenPort: 80})
	if err != nil {
		t.Fatal(err)
	}
	got := string(conf)
	for _, want := range []string{
		"resolver 127.0.0.11 valid=1s ipv6=off;",
		"set $replicas tasks.p_web;",
		"proxy_pass http://$replicas:5000;",
		"proxy_next_upstream error timeout http_502 http_504;",
		"listen 80;",
		"upstream=$upstream_addr",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %q:\n%s", want, got)
		}
	}
	// An upstream block of the same name would win over the resolver, and
	// keepalive needs one.
	if strings.Contains(got, "upstream web {") || strings.Contains(got, "return 503") {
		t.Errorf("a resolved upstream declares no upstream block and serves no 503:\n%s", got)
	}
}

func TestRenderRejectsABadHost(t *testing.T) {
	for name, u := range map[string]Upstream{
		"not a name":       {Name: "web", Host: "tasks.web; evil", Resolver: "127.0.0.11", Port: 5000, ListenPort: 80},
		"no resolver":      {Name: "web", Host: "tasks.web", Port: 5000, ListenPort: 80},
		"name and servers": {Name: "web", Host: "tasks.web", Resolver: "127.0.0.11", Addresses: []string{"10.0.0.2"}, Port: 5000, ListenPort: 80},
	} {
		if _, err := Render(u); err == nil {
			t.Errorf("%s: Render(%+v) succeeded, want an error", name, u)
		}
	}
}
