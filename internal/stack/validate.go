package stack

import (
	"errors"
	"fmt"
	"strings"
)

// Validate checks what compose-go's own validation leaves to the stack:
// the model as a whole, after its shape is applied. Every problem names
// the key concerned.
func (s *Stack) Validate() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if s.Project == "" || s.Project != normalizeProject(s.Project) {
		fail("project name %q: use lowercase letters, digits, '_' and '-', starting with a letter or digit", s.Project)
	}
	containers := map[string]string{}
	for i := range s.Services {
		svc := &s.Services[i]
		at := "services." + svc.Name
		if svc.Image == "" && svc.Build == nil {
			fail("%s.image: a service needs an image or a build", at)
		}
		if svc.Replicas < 0 {
			fail("%s: %d replicas is negative", at, svc.Replicas)
		}
		if svc.ContainerName != "" {
			if other, ok := containers[svc.ContainerName]; ok {
				fail("%s.container_name: %q is also the container name of service %q", at, svc.ContainerName, other)
			}
			containers[svc.ContainerName] = svc.Name
		}
		if err := svc.Restart.validate(); err != nil {
			fail("%s.restart: %w", at, err)
		}
		for j, m := range svc.Mounts {
			if m.Type == MountVolume && m.Source != "" {
				if _, ok := s.Volume(m.Source); !ok {
					fail("%s.volumes[%d]: unknown volume %q", at, j, m.Source)
				}
			}
		}
		for j, n := range svc.Networks {
			if _, ok := s.Network(n.Name); !ok {
				fail("%s.networks[%d]: unknown network %q", at, j, n.Name)
			}
		}
		if lb := svc.LoadBalancer; lb != nil {
			target, ok := s.Service(lb.Target)
			switch {
			case !ok:
				fail("%s: balances unknown service %q", at, lb.Target)
			case len(target.Ports) > 0:
				fail("%s: service %q must not publish host ports behind a load balancer", at, lb.Target)
			}
		}
		for j, d := range svc.DependsOn {
			dep, ok := s.Service(d.Service)
			switch {
			case !ok:
				fail("%s.depends_on[%d]: unknown service %q", at, j, d.Service)
			case d.Condition == ServiceCompletedSuccessfully && !dep.OneShot:
				fail("%s.depends_on.%s: condition %s, but service %q is not a one-shot task", at, d.Service, d.Condition, d.Service)
			case d.Condition != ServiceStarted && d.Condition != ServiceHealthy && d.Condition != ServiceCompletedSuccessfully:
				fail("%s.depends_on.%s.condition: unknown condition %q", at, d.Service, d.Condition)
			}
		}
	}
	if len(errs) == 0 {
		if _, err := s.StartOrder(); err != nil {
			errs = append(errs, err)
		}
	}
	return s.inFiles(errors.Join(errs...))
}

// inFiles puts the compose files in front of err: the stack's refusals
// name the file, as the loader's do. A stack made in code has none.
func (s *Stack) inFiles(err error) error {
	if err == nil || len(s.Files) == 0 {
		return err
	}
	return fmt.Errorf("%s: %w", strings.Join(s.Files, ", "), err)
}

func normalizeProject(name string) string {
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || (i > 0 && (r == '-' || r == '_'))
		if !ok {
			return ""
		}
	}
	return name
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

// String is the policy as Compose writes it.
func (r RestartPolicy) String() string {
	if r.Name == "on-failure" && r.MaxRetries > 0 {
		return fmt.Sprintf("on-failure:%d", r.MaxRetries)
	}
	return r.Name
}
