package stack

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

var (
	validName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)
	// Project names end up in image names, which must be lowercase.
	validProject = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
)

// Validate checks the stack as a whole and names the offending field of
// every problem it finds.
func (s *Stack) Validate() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if !validProject.MatchString(s.ProjectName()) {
		fail("project name %q: use lowercase letters, digits, '_' and '-', starting with a letter or digit", s.ProjectName())
	}
	networks := map[string]bool{}
	for i, n := range s.Networks {
		if networks[n.Name] {
			fail("networks[%d].name: duplicate network %q", i, n.Name)
		}
		networks[n.Name] = true
	}
	volumes := map[string]bool{}
	for i, v := range s.Volumes {
		if volumes[v.Name] {
			fail("volumes[%d].name: duplicate volume %q", i, v.Name)
		}
		volumes[v.Name] = true
	}

	services := map[string]bool{}
	containers := map[string]string{}
	for i := range s.Services {
		svc := &s.Services[i]
		at := fmt.Sprintf("services.%s", svc.Name)
		if !validName.MatchString(svc.Name) {
			fail("services[%d].name: invalid service name %q", i, svc.Name)
		}
		if services[svc.Name] {
			fail("%s: duplicate service name", at)
		}
		services[svc.Name] = true
		// A service without a container name runs under its own name.
		containerName := cmp.Or(svc.ContainerName, svc.Name)
		if other, ok := containers[containerName]; ok {
			fail("%s.container_name: %q is also the container name of service %q", at, containerName, other)
		}
		containers[containerName] = svc.Name
		if svc.Image == "" && svc.Build == nil {
			fail("%s.image: a service needs an image or a build", at)
		}
		if svc.Replicas < 0 {
			fail("%s.replicas: %d is negative", at, svc.Replicas)
		}
		if svc.Replicas > 1 && hasFixedHostPort(svc.Ports) {
			fail("%s.ports: %d replicas cannot all bind a fixed host port; put them behind a load balancer", at, svc.Replicas)
		}
		if err := svc.Restart.validate(); err != nil {
			fail("%s.restart: %w", at, err)
		}
		for j, p := range svc.Ports {
			if err := p.validate(); err != nil {
				fail("%s.ports[%d]: %w", at, j, err)
			}
		}
		for j, m := range svc.Mounts {
			if !volumes[m.Volume] {
				fail("%s.volumes[%d]: unknown volume %q", at, j, m.Volume)
			}
			if !strings.HasPrefix(m.Target, "/") {
				fail("%s.volumes[%d].target: %q is not an absolute path", at, j, m.Target)
			}
		}
		if len(svc.Networks) > 1 {
			fail("%s.networks: stackctl attaches one network per service, got %d", at, len(svc.Networks))
		}
		for j, n := range svc.Networks {
			if !networks[n] {
				fail("%s.networks[%d]: unknown network %q", at, j, n)
			}
		}
		if lb := svc.LoadBalancer; lb != nil {
			target, ok := s.Service(lb.Target)
			switch {
			case !ok:
				fail("%s.load_balancer.target: unknown service %q", at, lb.Target)
			case !target.Healthcheck.Enabled():
				fail("%s.load_balancer.target: service %q needs a healthcheck, so replicas take traffic only once healthy", at, lb.Target)
			case len(target.Ports) > 0:
				fail("%s.load_balancer.target: service %q must not publish host ports behind a load balancer", at, lb.Target)
			}
			if lb.TargetPort < 1 || lb.TargetPort > 65535 || lb.ListenPort < 1 || lb.ListenPort > 65535 {
				fail("%s.load_balancer: ports %d and %d must be in 1-65535", at, lb.TargetPort, lb.ListenPort)
			}
		}
		if hc := svc.Healthcheck; hc != nil {
			disabled := len(hc.Test) == 1 && hc.Test[0] == "NONE"
			if !disabled && (len(hc.Test) < 2 || (hc.Test[0] != "CMD" && hc.Test[0] != "CMD-SHELL")) {
				fail("%s.healthcheck.test: want [\"CMD\", ...], [\"CMD-SHELL\", \"...\"] or [\"NONE\"], got %q", at, hc.Test)
			}
			if hc.Interval < 0 || hc.Timeout < 0 || hc.StartPeriod < 0 || hc.Retries < 0 {
				fail("%s.healthcheck: durations and retries must not be negative", at)
			}
		}
	}

	for i := range s.Services {
		svc := &s.Services[i]
		for j, d := range svc.DependsOn {
			at := fmt.Sprintf("services.%s.depends_on[%d]", svc.Name, j)
			dep, ok := s.Service(d.Service)
			switch {
			case !ok:
				fail("%s: unknown service %q", at, d.Service)
			case d.Condition == ServiceHealthy && !dep.Healthcheck.Enabled():
				fail("%s: condition %s, but service %q has no healthcheck", at, d.Condition, d.Service)
			case d.Condition == ServiceCompletedSuccessfully && !dep.OneShot:
				fail("%s: condition %s, but service %q is not a one-shot task", at, d.Condition, d.Service)
			case d.Condition != ServiceStarted && d.Condition != ServiceHealthy && d.Condition != ServiceCompletedSuccessfully:
				fail("%s.condition: unknown condition %q", at, d.Condition)
			}
		}
	}
	if len(errs) == 0 {
		if _, err := s.StartOrder(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func hasFixedHostPort(ports []Port) bool {
	for _, p := range ports {
		if p.HostPort != 0 {
			return true
		}
	}
	return false
}

func (r RestartPolicy) validate() error {
	switch r.Name {
	case "", "no", "always", "unless-stopped":
		if r.MaxRetries != 0 {
			return fmt.Errorf("max retries %d only go with on-failure, not %q", r.MaxRetries, r.Name)
		}
	case "on-failure":
		if r.MaxRetries < 0 {
			return fmt.Errorf("max retries %d is negative", r.MaxRetries)
		}
	default:
		return fmt.Errorf("unknown policy %q (want no, always, unless-stopped or on-failure)", r.Name)
	}
	return nil
}

func (p Port) validate() error {
	if p.ContainerPort < 1 || p.ContainerPort > 65535 {
		return fmt.Errorf("container port %d is out of range 1-65535", p.ContainerPort)
	}
	if p.HostPort < 0 || p.HostPort > 65535 {
		return fmt.Errorf("host port %d is out of range 0-65535", p.HostPort)
	}
	switch p.Protocol {
	case "", "tcp", "udp", "sctp":
	default:
		return fmt.Errorf("unknown protocol %q", p.Protocol)
	}
	return nil
}
