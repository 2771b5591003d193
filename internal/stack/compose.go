package stack

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// Masked stands in for a secret's value wherever the stack is printed.
const Masked = "********"

// The stack in Compose file form, so `stackctl config` reads like the file
// users know and can be compared field by field with one.
type composeFile struct {
	Name     string                    `yaml:"name"`
	Services yaml.Node                 `yaml:"services"`
	Networks map[string]composeNetwork `yaml:"networks,omitempty"`
	Volumes  map[string]map[string]any `yaml:"volumes,omitempty"`
}

type composeNetwork struct {
	Name   string `yaml:"name"`
	Driver string `yaml:"driver,omitempty"`
}

type composeService struct {
	Image           string                       `yaml:"image,omitempty"`
	Build           *composeBuild                `yaml:"build,omitempty"`
	ContainerName   string                       `yaml:"container_name,omitempty"`
	Command         []string                     `yaml:"command,omitempty"`
	Restart         string                       `yaml:"restart,omitempty"`
	Environment     yaml.Node                    `yaml:"environment,omitempty"`
	Healthcheck     *composeHealthcheck          `yaml:"healthcheck,omitempty"`
	DependsOn       map[string]composeDependency `yaml:"depends_on,omitempty"`
	Ports           []string                     `yaml:"ports,omitempty"`
	Volumes         []string                     `yaml:"volumes,omitempty"`
	Networks        []string                     `yaml:"networks,omitempty"`
	Labels          map[string]string            `yaml:"labels,omitempty"`
	Scale           int                          `yaml:"scale,omitempty"`
	User            string                       `yaml:"user,omitempty"`
	ReadOnly        bool                         `yaml:"read_only,omitempty"`
	CapDrop         []string                     `yaml:"cap_drop,omitempty"`
	SecurityOpt     []string                     `yaml:"security_opt,omitempty"`
	StopSignal      string                       `yaml:"stop_signal,omitempty"`
	StopGracePeriod string                       `yaml:"stop_grace_period,omitempty"`
}

type composeBuild struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile,omitempty"`
}

type composeHealthcheck struct {
	Test          []string `yaml:"test,flow"`
	Interval      string   `yaml:"interval,omitempty"`
	Timeout       string   `yaml:"timeout,omitempty"`
	StartPeriod   string   `yaml:"start_period,omitempty"`
	StartInterval string   `yaml:"start_interval,omitempty"`
	Retries       int      `yaml:"retries,omitempty"`
}

type composeDependency struct {
	Condition Condition `yaml:"condition"`
}

// ComposeYAML renders the resolved stack as a Compose file, with engine
// names for networks and volumes. Secret values are masked.
func (s *Stack) ComposeYAML() ([]byte, error) {
	doc := composeFile{Name: s.ProjectName()}
	doc.Services.Kind = yaml.MappingNode
	for i := range s.Services {
		svc := &s.Services[i]
		var value yaml.Node
		if err := value.Encode(s.composeService(svc)); err != nil {
			return nil, fmt.Errorf("render service %s: %w", svc.Name, err)
		}
		doc.Services.Content = append(doc.Services.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: svc.Name}, &value)
	}
	if len(s.Networks) > 0 {
		doc.Networks = map[string]composeNetwork{}
		for _, n := range s.Networks {
			doc.Networks[n.Name] = composeNetwork{Name: s.NetworkName(n.Name), Driver: n.Driver}
		}
	}
	if len(s.Volumes) > 0 {
		doc.Volumes = map[string]map[string]any{}
		for _, v := range s.Volumes {
			doc.Volumes[v.Name] = map[string]any{"name": s.VolumeName(v.Name)}
		}
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("render stack: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("render stack: %w", err)
	}
	return out.Bytes(), nil
}

func (s *Stack) composeService(svc *Service) composeService {
	out := composeService{
		Image:         svc.Image,
		ContainerName: s.ContainerName(svc, 1, svc.Replicas),
		Command:       svc.Command,
		Restart:       svc.Restart.String(),
		Labels:        svc.Labels,
		User:          svc.User,
		ReadOnly:      svc.ReadOnlyRootfs,
		CapDrop:       svc.CapDrop,
		SecurityOpt:   svc.SecurityOpt,
		StopSignal:    svc.StopSignal,
	}
	if svc.Replicas > 1 {
		out.ContainerName = ""
		out.Scale = svc.Replicas
	}
	if svc.StopGracePeriod > 0 {
		out.StopGracePeriod = svc.StopGracePeriod.String()
	}
	if svc.Build != nil {
		out.Build = &composeBuild{Context: svc.Build.Context, Dockerfile: svc.Build.Dockerfile}
	}
	out.Environment.Kind = yaml.MappingNode
	for _, e := range svc.Environment {
		value := e.Value
		if e.Secret {
			value = Masked
		}
		out.Environment.Content = append(out.Environment.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Value: e.Name},
			&yaml.Node{Kind: yaml.ScalarNode, Value: value, Style: yaml.DoubleQuotedStyle})
	}
	if len(svc.Environment) == 0 {
		out.Environment = yaml.Node{}
	}
	if hc := svc.Healthcheck; hc != nil {
		out.Healthcheck = &composeHealthcheck{
			Test: hc.Test, Interval: durationString(hc.Interval), Timeout: durationString(hc.Timeout),
			StartPeriod: durationString(hc.StartPeriod), StartInterval: durationString(hc.StartInterval),
			Retries: hc.Retries,
		}
	}
	if len(svc.DependsOn) > 0 {
		out.DependsOn = map[string]composeDependency{}
		for _, d := range svc.DependsOn {
			out.DependsOn[d.Service] = composeDependency{Condition: d.Condition}
		}
	}
	for _, p := range svc.Ports {
		out.Ports = append(out.Ports, p.String())
	}
	for _, m := range svc.Mounts {
		mount := m.Volume + ":" + m.Target
		if m.ReadOnly {
			mount += ":ro"
		}
		out.Volumes = append(out.Volumes, mount)
	}
	out.Networks = svc.Networks
	return out
}

func durationString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// String is the policy in Compose's form: "always", "on-failure:3".
func (r RestartPolicy) String() string {
	if r.Name == "on-failure" && r.MaxRetries > 0 {
		return r.Name + ":" + strconv.Itoa(r.MaxRetries)
	}
	return r.Name
}

// String is the port in Compose's short form: "[ip:]host:container[/proto]".
func (p Port) String() string {
	s := strconv.Itoa(p.ContainerPort)
	if p.HostPort != 0 {
		s = strconv.Itoa(p.HostPort) + ":" + s
	}
	if p.HostIP != "" {
		if p.HostPort == 0 {
			s = ":" + s
		}
		s = p.HostIP + ":" + s
	}
	if p.Protocol != "" && p.Protocol != "tcp" {
		s += "/" + p.Protocol
	}
	return s
}
