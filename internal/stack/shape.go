package stack

import (
	"fmt"
	"time"
)

// Shape is what the command line and the running deployment add to the
// file: how many replicas each service runs and which run behind the edge.
type Shape struct {
	// Scale sets a service's replicas (--scale), over the file's.
	Scale map[string]int
	// Edge puts every service that declares x-stackctl.edge: auto behind
	// its edge now, even with one replica.
	Edge bool
	// Distributed shapes the stack for a swarm, which spreads replicas over
	// its nodes: a service behind its edge is reached through it as on one
	// engine (the swarm runs the edge on one node); any other replica
	// publishes its ports on its own node, so a fixed host port does not
	// stop a service from scaling.
	Distributed bool
	// Deployed is what runs now. A service whose replicas the file does
	// not fix keeps its running count, and an edge that runs stays, so
	// requests never lose the port.
	Deployed Deployment
}

// Deployment is the shape of what runs on the engine.
type Deployment struct {
	Replicas map[string]int
	// Edges holds the services whose edge runs.
	Edges map[string]bool
}

// ApplyShape sets replica counts and puts services behind their edge,
// refusing, with the reason, a service that cannot run that many replicas.
func (s *Stack) ApplyShape(shape Shape) error {
	for name := range shape.Scale {
		if _, ok := s.Service(name); !ok {
			return fmt.Errorf("--scale %s: no such service (services: %v)", name, s.ServiceNames())
		}
	}
	var edges []Service
	for i := range s.Services {
		svc := &s.Services[i]
		if n, ok := shape.Scale[svc.Name]; ok {
			svc.Replicas = n
		} else if n := shape.Deployed.Replicas[svc.Name]; n > 0 && !svc.ReplicasFixed {
			svc.Replicas = n
		}
		behindEdge := svc.Edge == EdgeAlways ||
			(svc.Edge == EdgeAuto && (svc.Replicas > 1 || shape.Edge || shape.Deployed.Edges[svc.Name]))
		if behindEdge {
			if svc.Update.Order == "stop-first" {
				return s.inFiles(fmt.Errorf("services.%s.deploy.update_config.order: stop-first would drop requests; behind the edge replicas are replaced start-first", svc.Name))
			}
			edge, err := s.edgeFor(svc)
			if err != nil {
				return s.inFiles(err)
			}
			edges = append(edges, edge)
			svc.Ports = nil
		}
		if err := s.canScale(svc, shape.Distributed); err != nil {
			return s.inFiles(err)
		}
	}
	s.Services = append(s.Services, edges...)
	return nil
}

// canScale refuses replicas that would fight over something only one
// container can hold.
func (s *Stack) canScale(svc *Service, distributed bool) error {
	if svc.Replicas <= 1 {
		return nil
	}
	at := fmt.Sprintf("services.%s: %d replicas", svc.Name, svc.Replicas)
	if svc.ContainerName != "" {
		return fmt.Errorf("%s: container_name %q names one container; remove container_name to scale it", at, svc.ContainerName)
	}
	for _, p := range svc.Ports {
		if p.HostPort != 0 && p.HostPortEnd == 0 && !distributed {
			return fmt.Errorf("%s cannot all bind host port %d; declare %s: {edge: auto} on the service to put them behind the edge load balancer, or publish a range", at, p.HostPort, Extension)
		}
	}
	for _, m := range svc.Mounts {
		if v, ok := s.Volume(m.Source); ok && m.Type == MountVolume && v.SingleWriter && !m.ReadOnly {
			return fmt.Errorf("%s: volume %s is single_writer (one container writes it at a time); scale a service that does not write it", at, m.Source)
		}
	}
	return nil
}

// edgeFor is the nginx load balancer in front of svc's replicas: it takes
// over the service's published port and sends traffic to healthy replicas.
func (s *Stack) edgeFor(svc *Service) (Service, error) {
	name := svc.Name + EdgeSuffix
	at := fmt.Sprintf("services.%s.%s.edge", svc.Name, Extension)
	switch {
	case len(svc.Ports) != 1 || svc.Ports[0].Protocol != "tcp":
		return Service{}, fmt.Errorf("%s: the edge balances one published TCP port; the service publishes %d ports", at, len(svc.Ports))
	case !svc.Healthcheck.Enabled():
		return Service{}, fmt.Errorf("%s: the edge sends traffic to healthy replicas only; give the service a healthcheck", at)
	case len(svc.Networks) == 0:
		return Service{}, fmt.Errorf("%s: the service joins no network the edge could reach it on", at)
	}
	if _, taken := s.Service(name); taken {
		return Service{}, fmt.Errorf("%s: the edge would be service %s, which the file already has", at, name)
	}
	port := svc.Ports[0]
	const listen = 80
	port.ContainerPort = listen
	return Service{
		Name:         name,
		Image:        EdgeImage,
		Restart:      RestartPolicy{Name: "always"},
		Ports:        []Port{port},
		Networks:     []ServiceNetwork{{Name: svc.Networks[0].Name}},
		DependsOn:    []Dependency{{Service: svc.Name, Condition: ServiceHealthy, Required: true}},
		LoadBalancer: &LoadBalancer{Target: svc.Name, TargetPort: svc.Ports[0].ContainerPort, ListenPort: listen},
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
		ReplicasFixed:   true,
	}, nil
}
