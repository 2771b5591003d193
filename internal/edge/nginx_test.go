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
