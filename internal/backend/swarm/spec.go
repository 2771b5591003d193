// Package swarm deploys a stack as Docker Swarm services. This file is its
// pure part: the stack model in, the swarm's specs out, no engine calls.
//
// What the model says, and what a swarm service makes of it:
//
//	model                          swarm
//	-----                          -----
//	service web of project p       service p_web (as `docker stack deploy` names it),
//	                               labelled io.stackctl.project/service/config-hash and
//	                               com.docker.stack.namespace=p
//	entrypoint / command           ContainerSpec.Command / Args (Command replaces the
//	                               image's entrypoint, Args its CMD)
//	container_name                 the task's hostname and a network alias: the swarm
//	                               names task containers itself
//	(no container_name)            hostname p-web-<slot>, the docker backend's replica
//	                               names (p-migrate-1 for a one-shot)
//	extra_hosts host:ip            Hosts "ip host" (/etc/hosts order)
//	named volume v                 volume mount p_v (local, on the task's node),
//	                               labelled like the docker backend's
//	bind, anonymous, tmpfs, ro     the same mounts; tmpfs size, mode, exec, noexec
//	secrets                        SecretReferences, /run/secrets/<target>, with their
//	                               uid, gid and mode (root, 0444 unset)
//	configs                        ConfigReferences at their target, likewise
//	healthcheck                    the same, StartInterval included (engines before
//	                               API 1.44 drop it; stackctl's own probe covers them)
//	security_opt                   Privileges: no-new-privileges, seccomp:unconfined,
//	                               apparmor:unconfined, label:...
//	replicas                       Replicated{Replicas}
//	one-shot                       ReplicatedJob{MaxConcurrent 1, TotalCompletions 1},
//	                               no update config (the swarm refuses one on a job)
//	restart no                     condition none
//	restart always                 condition any
//	restart unless-stopped         condition any: a swarm has no manual stop to outlast
//	restart on-failure[:N]         condition on-failure, MaxAttempts N (0: unbounded)
//	(a one-shot)                   any becomes on-failure: a job that succeeded is done
//	deploy.update_config           UpdateConfig and RollbackConfig (see updateConfig)
//	a service with a named volume  pinned to the node labelled Deploy.Pin; stop-first
//	                               when it writes one
//	networks                       attachments to the overlay p_<net>, aliased by the
//	                               service's name and its compose aliases
//	ports                          EndpointSpec in Deploy.EndpointMode: ingress with vip,
//	                               host mode with dnsrr (the routing mesh needs IPVS)
//	the edge of web (web-edge)     nginx, one task on the node labelled Deploy.Edge,
//	                               publishing web's port in host mode; its configuration
//	                               a swarm config (EdgeObject) that resolves tasks.p_web
//	                               through the swarm's DNS, labelled io.stackctl.balances
//	deploy.endpoint_mode           EndpointSpec.Mode (vip refused without IPVS)
//	deploy.labels                  the service's labels, beside labels
//	deploy.restart_policy          RestartPolicy's Delay and Window (unset: the
//	                               swarm's 5 s between attempts, every one counted)
//	deploy.update_config           also Delay and MaxFailureRatio, for the rollback too
//	deploy.rollback_config         RollbackConfig, each key unset taking the update's
//
// Refused, with the service and key named: a host IP or a range of host ports
// in ports; a network driver other than bridge or overlay; a security_opt
// the swarm has no field for (a seccomp or AppArmor profile, other options);
// tmpfs options other than size, mode, exec and noexec; an empty entrypoint
// (a swarm cannot drop the image's); start-first on a single_writer volume;
// names a swarm cannot take. Left to the caller, and so absent from the
// spec: depends_on (its conditions, required and restart are the caller's
// start-up order), x-stackctl.readiness (a swarm routes to a task once its
// healthcheck passes), build (the caller builds, pushes and passes the image).
package swarm

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	swarmapi "github.com/docker/docker/api/types/swarm"
	"github.com/docker/go-units"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// LabelNamespace marks what belongs to a stack for Docker's own tools
// (`docker stack ps`, `docker stack rm`).
const LabelNamespace = "com.docker.stack.namespace"

// Deploy holds what the caller found out about the swarm and the images.
type Deploy struct {
	// EndpointMode is vip (the routing mesh, when the nodes have IPVS) or
	// dnsrr; "" is vip.
	EndpointMode swarmapi.ResolutionMode
	// Image is the reference every node pulls: by digest when the caller
	// pushed it to a registry. "" is the service's image as the file names it.
	Image string
	// Pin is the node label that holds a stateful service on one node.
	Pin NodeLabel
	// Edge is the node label that places the stack's edges: the node
	// whose address serves their published ports.
	Edge NodeLabel
	// SecretIDs and ConfigIDs are the swarm's IDs of the stack's secrets and
	// configs, by their names in the compose file.
	SecretIDs map[string]string
	ConfigIDs map[string]string
}

// NodeLabel is a node label, key=value. The caller labels exactly one node
// with it; every stateful service of the stack is constrained to that node,
// so services that share a volume see the same data.
type NodeLabel struct {
	Key   string
	Value string
}

// ServiceName is the swarm's name for a service of the project, as
// `docker stack deploy` names it.
func ServiceName(project, service string) string { return project + "_" + service }

// ObjectName is the swarm's name for a secret or config of the project.
func ObjectName(project, key string) string { return project + "_" + key }

// defaultMonitor is how long an updated task is watched when no healthcheck
// says more: without one a task counts as running once its process starts,
// so this is the only window in which a crash at start-up fails the update.
// 5 s (Docker's own default) catches a process that dies on a bad setting
// without making each batch of a rolling update wait long.
const defaultMonitor = 5 * time.Second

// defaultHealthInterval is the engine's probe interval when a healthcheck
// sets none.
const defaultHealthInterval = 30 * time.Second

// Names the swarm accepts: services as DNS labels, secrets and configs a
// little more freely (swarmkit's controlapi).
var (
	serviceNameRE = regexp.MustCompile(`^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$`)
	objectNameRE  = regexp.MustCompile(`^[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$`)
)

// ServiceSpec is the swarm service that runs svc of st, made from the
// config hash (stack.ConfigHash) and the deploy facts. Everything the swarm
// cannot do is refused, every refusal named, all at once.
func ServiceSpec(st *stack.Stack, svc *stack.Service, hash string, d Deploy) (swarmapi.ServiceSpec, error) {
	b := &builder{st: st, svc: svc, d: d}
	spec := b.build(hash)
	return spec, errors.Join(b.errs...)
}

type builder struct {
	st   *stack.Stack
	svc  *stack.Service
	d    Deploy
	errs []error
}

// fail records a refusal at key ("" for the service itself).
func (b *builder) fail(key, format string, args ...any) {
	at := "services." + b.svc.Name
	if key != "" {
		at += "." + key
	}
	b.errs = append(b.errs, fmt.Errorf("%s: %s", at, fmt.Sprintf(format, args...)))
}

func (b *builder) build(hash string) swarmapi.ServiceSpec {
	st, svc := b.st, b.svc
	name := ServiceName(st.Project, svc.Name)
	if !serviceNameRE.MatchString(name) || len(name) > 63 {
		b.fail("", "a swarm cannot name a service %s: letters, digits, '-' and '_' only, at most 63 characters", name)
	}
	mode := b.endpointMode()
	if mode != swarmapi.ResolutionModeVIP && mode != swarmapi.ResolutionModeDNSRR {
		b.fail("", "endpoint mode %q: want vip or dnsrr", mode)
	}
	image := cmp.Or(b.d.Image, svc.Image)
	if image == "" {
		b.fail("image", "no image to deploy")
	}

	// deploy.labels are the service's, as docker stack deploy gives them;
	// labels are its containers' (and the service's, as before).
	labels := maps.Clone(svc.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	if sw := svc.Swarm; sw != nil {
		maps.Copy(labels, sw.Labels)
	}
	maps.Copy(labels, st.ProjectLabels())
	labels[stack.LabelService] = svc.Name
	labels[stack.LabelConfigHash] = hash
	labels[LabelNamespace] = st.Project
	if svc.OneShot {
		labels[stack.LabelOneShot] = "true"
	}
	if lb := svc.LoadBalancer; lb != nil {
		labels[stack.LabelBalances] = lb.Target
	}

	b.refuseWhatASwarmCannotRun()
	stateful, writes := b.stateful()
	ports := b.ports(mode)
	spec := swarmapi.ServiceSpec{
		Annotations: swarmapi.Annotations{Name: name, Labels: labels},
		TaskTemplate: swarmapi.TaskSpec{
			ContainerSpec: b.containerSpec(image),
			RestartPolicy: b.restartPolicy(),
			Networks:      b.networks(),
			Resources:     b.resources(),
			LogDriver:     b.logDriver(),
		},
		EndpointSpec: &swarmapi.EndpointSpec{Mode: mode, Ports: ports},
	}
	if stateful {
		if b.d.Pin.Key == "" || b.d.Pin.Value == "" {
			b.fail("volumes", "its named volumes live on one node, and no node label pins it there")
		}
		// A local volume is a directory on one node: a task that landed
		// anywhere else would start on an empty volume of its own.
		spec.TaskTemplate.Placement = &swarmapi.Placement{
			Constraints: []string{fmt.Sprintf("node.labels.%s==%s", b.d.Pin.Key, b.d.Pin.Value)},
		}
	}
	if platforms := b.platforms(); platforms != nil {
		if spec.TaskTemplate.Placement == nil {
			spec.TaskTemplate.Placement = &swarmapi.Placement{}
		}
		spec.TaskTemplate.Placement.Platforms = platforms
	}
	if svc.LoadBalancer != nil {
		b.edge(&spec)
	}
	if svc.OneShot {
		one := uint64(1)
		spec.Mode.ReplicatedJob = &swarmapi.ReplicatedJob{MaxConcurrent: &one, TotalCompletions: &one}
		return spec
	}
	replicas := uint64(max(svc.Replicas, 0))
	spec.Mode.Replicated = &swarmapi.ReplicatedService{Replicas: &replicas}
	spec.UpdateConfig, spec.RollbackConfig = b.updateConfig(writes, fixedHostPort(ports))
	return spec
}

func (b *builder) containerSpec(image string) *swarmapi.ContainerSpec {
	st, svc := b.st, b.svc
	if svc.Entrypoint != nil && len(svc.Entrypoint) == 0 {
		b.fail("entrypoint", "an empty entrypoint cannot drop the image's on a swarm (a task runs the image's entrypoint when given none); name the program to run")
	}
	labels := maps.Clone(svc.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	// Not the io.stackctl labels: the docker backend lists, stops and
	// removes the containers that carry them, and a swarm's tasks are the
	// swarm's to manage. Its tasks are found through their service.
	labels[LabelNamespace] = st.Project
	cs := &swarmapi.ContainerSpec{
		Image:          image,
		Labels:         labels,
		Command:        svc.Entrypoint,
		Args:           svc.Command,
		Hostname:       hostname(st, svc),
		Dir:            svc.WorkingDir,
		User:           svc.User,
		Init:           svc.Init,
		StopSignal:     svc.StopSignal,
		ReadOnly:       svc.ReadOnlyRootfs,
		CapabilityAdd:  svc.CapAdd,
		CapabilityDrop: svc.CapDrop,
		Privileges:     b.privileges(),
		Mounts:         b.mounts(),
		Secrets:        b.secrets(),
		Configs:        b.configs(),
	}
	for _, e := range svc.Environment {
		cs.Env = append(cs.Env, e.Name+"="+e.Value)
	}
	b.runtime(cs)
	for _, h := range svc.ExtraHosts {
		// The model keeps Compose's host:ip; a host name has no colon, so
		// the first one ends it and an IPv6 address keeps its own.
		host, ip, ok := strings.Cut(h, ":")
		if !ok || host == "" || ip == "" {
			b.fail("extra_hosts", "%q: want host:ip", h)
			continue
		}
		cs.Hosts = append(cs.Hosts, ip+" "+host)
	}
	if svc.StopGracePeriod > 0 {
		grace := svc.StopGracePeriod
		cs.StopGracePeriod = &grace
	}
	if hc := svc.Healthcheck; hc != nil {
		cs.Healthcheck = &container.HealthConfig{
			Test:          hc.Test,
			Interval:      hc.Interval,
			Timeout:       hc.Timeout,
			StartPeriod:   hc.StartPeriod,
			StartInterval: hc.StartInterval,
			Retries:       hc.Retries,
		}
	}
	return cs
}

// hostname is the docker backend's name for a replica, so an app that
// reports its hostname names the replica alike on both backends. A job's
// slots count from 0, and a one-shot runs once: it is replica 1.
func hostname(st *stack.Stack, svc *stack.Service) string {
	if svc.ContainerName != "" || svc.OneShot {
		return st.ContainerName(svc, 1)
	}
	return st.Project + "-" + svc.Name + "-{{.Task.Slot}}"
}

// privileges maps security_opt to the swarm's fields for them; what has
// none is refused.
func (b *builder) privileges() *swarmapi.Privileges {
	var p swarmapi.Privileges
	set := false
	for i, opt := range b.svc.SecurityOpt {
		key, value, _ := cutAny(opt, "=:")
		at := fmt.Sprintf("security_opt[%d]", i)
		switch key {
		case "no-new-privileges":
			switch value {
			case "", "true":
				p.NoNewPrivileges, set = true, true
			case "false":
			default:
				b.fail(at, "%q: want no-new-privileges[:true|false]", opt)
			}
		case "seccomp":
			if value != "unconfined" {
				b.fail(at, "%q: a swarm takes seccomp:unconfined, not a profile from this machine", opt)
				continue
			}
			p.Seccomp, set = &swarmapi.SeccompOpts{Mode: swarmapi.SeccompModeUnconfined}, true
		case "apparmor":
			if value != "unconfined" {
				b.fail(at, "%q: a swarm cannot name an AppArmor profile (apparmor:unconfined turns it off)", opt)
				continue
			}
			p.AppArmor, set = &swarmapi.AppArmorOpts{Mode: swarmapi.AppArmorModeDisabled}, true
		case "label":
			if p.SELinuxContext == nil {
				p.SELinuxContext = &swarmapi.SELinuxContext{}
			}
			set = true
			field, v, _ := cutAny(value, ":=")
			switch field {
			case "disable":
				p.SELinuxContext.Disable = true
			case "user":
				p.SELinuxContext.User = v
			case "role":
				p.SELinuxContext.Role = v
			case "type":
				p.SELinuxContext.Type = v
			case "level":
				p.SELinuxContext.Level = v
			default:
				b.fail(at, "%q: want label:disable, or label:user|role|type|level:VALUE", opt)
			}
		default:
			b.fail(at, "%q: a swarm service has no such option (it takes no-new-privileges, seccomp:unconfined, apparmor:unconfined and label:...)", opt)
		}
	}
	if !set {
		return nil
	}
	return &p
}

// cutAny cuts s around the first of the separators (security_opt takes
// both key=value and key:value).
func cutAny(s, seps string) (before, after string, found bool) {
	if i := strings.IndexAny(s, seps); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

func (b *builder) mounts() []mount.Mount {
	st := b.st
	var out []mount.Mount
	for _, m := range b.svc.Mounts {
		switch m.Type {
		case stack.MountVolume:
			mm := mount.Mount{Type: mount.TypeVolume, Target: m.Target, ReadOnly: m.ReadOnly}
			if m.Source != "" {
				mm.Source = st.VolumeName(m.Source)
				// The node creates a missing volume from these options:
				// labelled as the docker backend labels its volumes, so
				// down -v finds it. The user's external ones are not ours.
				if v, ok := st.Volume(m.Source); !ok || !v.External {
					labels := map[string]string{}
					if ok {
						maps.Copy(labels, v.Labels)
					}
					maps.Copy(labels, st.ProjectLabels())
					labels[stack.LabelVolume] = m.Source
					labels[LabelNamespace] = st.Project
					mm.VolumeOptions = &mount.VolumeOptions{Labels: labels, DriverConfig: volumeDriver(v)}
				}
			}
			if m.NoCopy || len(m.VolumeLabels) > 0 {
				if mm.VolumeOptions == nil {
					mm.VolumeOptions = &mount.VolumeOptions{}
				}
				mm.VolumeOptions.NoCopy = m.NoCopy
				if len(m.VolumeLabels) > 0 && mm.VolumeOptions.Labels == nil {
					mm.VolumeOptions.Labels = map[string]string{}
				}
				for k, v := range m.VolumeLabels {
					if _, ours := mm.VolumeOptions.Labels[k]; !ours {
						mm.VolumeOptions.Labels[k] = v
					}
				}
			}
			out = append(out, mm)
		case stack.MountBind:
			// The path must exist on whichever node runs the task.
			mm := mount.Mount{Type: mount.TypeBind, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly}
			if m.Propagation != "" {
				mm.BindOptions = &mount.BindOptions{Propagation: mount.Propagation(m.Propagation)}
			}
			out = append(out, mm)
		case stack.MountTmpfs:
			opts, err := tmpfsOptions(m.Options)
			if err != nil {
				b.fail("tmpfs", "%s: %v", m.Target, err)
			}
			if t := m.Tmpfs; t != nil && (t.Size != 0 || t.Mode != 0) {
				opts = &mount.TmpfsOptions{SizeBytes: t.Size, Mode: os.FileMode(t.Mode)}
			}
			out = append(out, mount.Mount{Type: mount.TypeTmpfs, Target: m.Target, ReadOnly: m.ReadOnly, TmpfsOptions: opts})
		case stack.MountImage:
			// Refused with its reason (refuseWhatASwarmCannotRun).
		default:
			b.fail("volumes", "%s: unknown mount type %q", m.Target, m.Type)
		}
	}
	return out
}

// tmpfsOptions reads Docker's tmpfs options (size=64m,mode=1777) into the
// fields a swarm has for them.
func tmpfsOptions(s string) (*mount.TmpfsOptions, error) {
	if s == "" {
		return nil, nil
	}
	var out mount.TmpfsOptions
	for opt := range strings.SplitSeq(s, ",") {
		key, value, _ := strings.Cut(opt, "=")
		switch key {
		case "size":
			n, err := units.RAMInBytes(value)
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("size %q: want a size like 64m", value)
			}
			out.SizeBytes = n
		case "mode":
			n, err := strconv.ParseUint(value, 8, 32)
			if err != nil {
				return nil, fmt.Errorf("mode %q: want octal permissions like 1777", value)
			}
			out.Mode = os.FileMode(n)
		case "exec", "noexec":
			out.Options = append(out.Options, []string{key})
		default:
			return nil, fmt.Errorf("option %q: a swarm's tmpfs takes size, mode, exec and noexec", opt)
		}
	}
	return &out, nil
}

func (b *builder) secrets() []*swarmapi.SecretReference {
	var out []*swarmapi.SecretReference
	for i, s := range b.svc.Secrets {
		id, ok := b.d.SecretIDs[s.Name]
		if !ok {
			b.fail(fmt.Sprintf("secrets[%d]", i), "secret %s has no swarm ID: create it before the service", s.Name)
		}
		out = append(out, &swarmapi.SecretReference{
			File:     &swarmapi.SecretReferenceFileTarget{Name: s.Target, UID: strconv.Itoa(s.Access.UID), GID: strconv.Itoa(s.Access.GID), Mode: os.FileMode(s.Access.FileMode())},
			SecretID: id, SecretName: cmp.Or(s.External, ObjectName(b.st.Project, s.Name)),
		})
	}
	return out
}

func (b *builder) configs() []*swarmapi.ConfigReference {
	var out []*swarmapi.ConfigReference
	for i, f := range b.svc.Files {
		id, ok := b.d.ConfigIDs[f.Name]
		if !ok {
			b.fail(fmt.Sprintf("configs[%d]", i), "config %s has no swarm ID: create it before the service", f.Name)
		}
		out = append(out, &swarmapi.ConfigReference{
			File:     &swarmapi.ConfigReferenceFileTarget{Name: f.Target, UID: strconv.Itoa(f.Access.UID), GID: strconv.Itoa(f.Access.GID), Mode: os.FileMode(f.Access.FileMode())},
			ConfigID: id, ConfigName: cmp.Or(f.External, ObjectName(b.st.Project, f.Name)),
		})
	}
	return out
}

func (b *builder) restartPolicy() *swarmapi.RestartPolicy {
	r := b.svc.Restart
	var p swarmapi.RestartPolicy
	switch r.Name {
	case "", "no":
		p.Condition = swarmapi.RestartPolicyConditionNone
	case "always", "unless-stopped":
		p.Condition = swarmapi.RestartPolicyConditionAny
		if b.svc.OneShot {
			p.Condition = swarmapi.RestartPolicyConditionOnFailure
		}
	case "on-failure":
		p.Condition = swarmapi.RestartPolicyConditionOnFailure
		if r.MaxRetries > 0 {
			n := uint64(r.MaxRetries)
			p.MaxAttempts = &n
		}
	default:
		b.fail("restart", "unknown policy %q", r.Name)
	}
	if sw := b.svc.Swarm; sw != nil {
		p.Delay, p.Window = sw.RestartDelay, sw.RestartWindow
	}
	return &p
}

// endpointMode is deploy.endpoint_mode, else the caller's: vip where the
// nodes have IPVS, dnsrr where they have none or dnsrr was chosen. vip
// asked for where the caller runs dnsrr is refused: without IPVS its
// virtual IP would route nowhere.
func (b *builder) endpointMode() swarmapi.ResolutionMode {
	mode := cmp.Or(b.d.EndpointMode, swarmapi.ResolutionModeVIP)
	sw := b.svc.Swarm
	if sw == nil || sw.EndpointMode == "" {
		return mode
	}
	asked := swarmapi.ResolutionMode(sw.EndpointMode)
	if asked == swarmapi.ResolutionModeVIP && mode != swarmapi.ResolutionModeVIP {
		b.fail("deploy.endpoint_mode", "vip needs the routing mesh, which this deploy runs without (the nodes' kernel has no IPVS, or dnsrr was chosen): use dnsrr")
	}
	return asked
}

// stateful reports whether the service mounts a named volume (its data
// lives on one node) and whether it writes one.
func (b *builder) stateful() (stateful, writes bool) {
	for _, m := range b.svc.Mounts {
		if m.Type == stack.MountVolume && m.Source != "" {
			stateful = true
			writes = writes || !m.ReadOnly
		}
	}
	return stateful, writes
}

// singleWriter names a single_writer volume the service writes, if any.
func (b *builder) singleWriter() string {
	for _, m := range b.svc.Mounts {
		if v, ok := b.st.Volume(m.Source); ok && m.Type == stack.MountVolume && v.SingleWriter && !m.ReadOnly {
			return m.Source
		}
	}
	return ""
}

// updateConfig is how the swarm replaces the service's tasks, and how it
// rolls them back. Defaults: one task at a time; start-first, so a
// stateless service keeps serving; a failed update rolled back.
//
// Stop-first instead when the service writes a named volume (two tasks
// would write one directory at once, and a database refuses a second
// server on its files) or holds a fixed host port in host mode (the new
// task could not bind it beside the old one on the same node).
//
// The monitor (how long an updated task is watched for failure) is at least
// the healthcheck's interval: a swarm counts a task running once its first
// probe passes, and a shorter window would end before the next probe could
// fail it. Without a healthcheck it is defaultMonitor.
func (b *builder) updateConfig(writes, hostPort bool) (update, rollback *swarmapi.UpdateConfig) {
	u := b.svc.Update
	order := u.Order
	if order == "" {
		order = swarmapi.UpdateOrderStartFirst
		if writes || hostPort {
			order = swarmapi.UpdateOrderStopFirst
		}
	}
	if v := b.singleWriter(); v != "" && order == swarmapi.UpdateOrderStartFirst {
		b.fail("deploy.update_config.order", "start-first would run two writers of single_writer volume %s at once; use stop-first", v)
	}
	monitor := u.Monitor
	if hc := b.svc.Healthcheck; hc.Enabled() {
		monitor = max(monitor, cmp.Or(hc.Interval, defaultHealthInterval))
	} else if monitor == 0 {
		monitor = defaultMonitor
	}
	// The model's 0 is one at a time; the swarm's 0 is all at once.
	parallelism := uint64(max(u.Parallelism, 1))
	update = &swarmapi.UpdateConfig{
		Parallelism:   parallelism,
		FailureAction: cmp.Or(u.FailureAction, swarmapi.UpdateFailureActionRollback),
		Monitor:       monitor,
		Order:         order,
	}
	// A rollback that fails too is left paused for the caller to report:
	// there is no older state to fall back to.
	rollback = &swarmapi.UpdateConfig{
		Parallelism:   parallelism,
		FailureAction: swarmapi.UpdateFailureActionPause,
		Monitor:       monitor,
		Order:         order,
	}
	sw := b.svc.Swarm
	if sw == nil {
		return update, rollback
	}
	update.Delay, update.MaxFailureRatio = sw.UpdateDelay, sw.UpdateMaxFailureRatio
	rollback.Delay, rollback.MaxFailureRatio = sw.UpdateDelay, sw.UpdateMaxFailureRatio
	if r := sw.Rollback; r != nil {
		if r.Parallelism != nil {
			rollback.Parallelism = uint64(max(*r.Parallelism, 1))
		}
		rollback.Delay = cmp.Or(r.Delay, rollback.Delay)
		rollback.FailureAction = cmp.Or(r.FailureAction, rollback.FailureAction)
		rollback.Monitor = cmp.Or(r.Monitor, rollback.Monitor)
		rollback.MaxFailureRatio = cmp.Or(r.MaxFailureRatio, rollback.MaxFailureRatio)
		rollback.Order = cmp.Or(r.Order, rollback.Order)
		if v := b.singleWriter(); v != "" && rollback.Order == swarmapi.UpdateOrderStartFirst {
			b.fail("deploy.rollback_config.order", "start-first would run two writers of single_writer volume %s at once; use stop-first", v)
		}
	}
	return update, rollback
}

func (b *builder) networks() []swarmapi.NetworkAttachmentConfig {
	var out []swarmapi.NetworkAttachmentConfig
	for _, n := range b.svc.Networks {
		// The swarm registers the service's own name, p_web; the stack's
		// services reach it as web, and by its container_name if it has one.
		aliases := append([]string{b.svc.Name}, n.Aliases...)
		if b.svc.ContainerName != "" {
			aliases = append(aliases, b.svc.ContainerName)
		}
		out = append(out, swarmapi.NetworkAttachmentConfig{Target: b.st.NetworkName(n.Name), Aliases: aliases, DriverOpts: n.Address.DriverOpts})
	}
	return out
}

func (b *builder) ports(mode swarmapi.ResolutionMode) []swarmapi.PortConfig {
	publish := swarmapi.PortConfigPublishModeIngress
	if mode == swarmapi.ResolutionModeDNSRR || b.svc.LoadBalancer != nil {
		// The routing mesh is IPVS behind a VIP: without it each task
		// publishes on its own node. An edge always does: it is the one
		// place its target is reached, and the mesh would add a hop
		// that balances nothing.
		publish = swarmapi.PortConfigPublishModeHost
	}
	var out []swarmapi.PortConfig
	for i, p := range b.svc.Ports {
		at := fmt.Sprintf("ports[%d]", i)
		switch {
		case p.HostIP != "":
			b.fail(at, "a host IP cannot be published on a swarm (%s:%d:%d publishes on every address of the node); drop %s", p.HostIP, p.HostPort, p.ContainerPort, p.HostIP)
			continue
		case p.HostPortEnd != 0:
			b.fail(at, "a range of host ports (%d-%d) cannot be published on a swarm; publish one port, or none to let the swarm choose", p.HostPort, p.HostPortEnd)
			continue
		}
		out = append(out, swarmapi.PortConfig{
			Protocol:      swarmapi.PortConfigProtocol(cmp.Or(p.Protocol, "tcp")),
			TargetPort:    uint32(p.ContainerPort),
			PublishedPort: uint32(p.HostPort),
			PublishMode:   publish,
		})
	}
	return out
}

// fixedHostPort reports whether a port is bound on the task's own node at a
// number given in advance.
func fixedHostPort(ports []swarmapi.PortConfig) bool {
	for _, p := range ports {
		if p.PublishMode == swarmapi.PortConfigPublishModeHost && p.PublishedPort != 0 {
			return true
		}
	}
	return false
}

// NetworkSpec is a network of the stack as a swarm has it.
type NetworkSpec struct {
	Key  string
	Name string
	// External networks are the user's: they must exist, swarm-scoped,
	// and stackctl neither creates nor removes them.
	External bool
	Options  engine.NetworkOptions
}

// swarmNoIPv4 is why a swarm refuses enable_ipv4.
const swarmNoIPv4 = "a swarm's overlay networks always carry IPv4"

// NetworkSpecs are the stack's networks as overlays: attachable, so that
// standalone containers (stackctl's one-off runs) can join them, and
// labelled as the docker backend labels its networks. A file's bridge
// (Compose's default, and what a file written for one engine says) is the
// one-engine form of a stack's private network, so it becomes an overlay;
// other drivers are refused.
func NetworkSpecs(st *stack.Stack) ([]NetworkSpec, error) {
	var out []NetworkSpec
	var errs []error
	for _, n := range st.Networks {
		spec := NetworkSpec{Key: n.Key, Name: n.Name, External: n.External}
		if !n.External {
			switch n.Driver {
			case "", "bridge", "overlay":
			default:
				errs = append(errs, fmt.Errorf("networks.%s.driver: %q cannot carry a swarm's services across nodes; use overlay (or bridge, which becomes one)", n.Key, n.Driver))
				continue
			}
			if n.EnableIPv4 != nil {
				errs = append(errs, fmt.Errorf("networks.%s.enable_ipv4: %s", n.Key, swarmNoIPv4))
				continue
			}
			labels := maps.Clone(n.Labels)
			if labels == nil {
				labels = map[string]string{}
			}
			maps.Copy(labels, st.ProjectLabels())
			labels[stack.LabelNetwork] = n.Key
			labels[LabelNamespace] = st.Project
			spec.Options = engine.NetworkOptions{
				Driver: "overlay", Attachable: true, Labels: labels,
				Internal: n.Internal, EnableIPv6: n.EnableIPv6, DriverOpts: n.DriverOpts, IPAM: n.IPAM,
			}
		}
		out = append(out, spec)
	}
	return out, errors.Join(errs...)
}

// Object is a secret or config of the stack: what the caller reads from
// this machine and creates on the swarm before the services that use it.
type Object struct {
	// Kind is "secret" or "config".
	Kind string
	// Key is its name in the compose file; Name the swarm's.
	Key  string
	Name string
	// Source is the file it is read from; Data, when set, is its content
	// instead (an edge's configuration, which stackctl renders).
	Source string `json:",omitempty"`
	Data   []byte `json:",omitempty"`
	// Labels are the file's labels of the secret or config.
	Labels map[string]string `json:",omitempty"`
	// External marks the swarm's existing object named Name, which
	// stackctl references but neither makes nor removes.
	External bool `json:",omitempty"`
}

// Objects lists the secrets and configs the stack's services use, each once,
// secrets first, then the edges' configurations.
func Objects(st *stack.Stack) ([]Object, error) {
	var out []Object
	var errs []error
	seen := map[string]bool{}
	add := func(o Object) {
		if seen[o.Kind+"/"+o.Key] {
			return
		}
		seen[o.Kind+"/"+o.Key] = true
		if !objectNameRE.MatchString(o.Name) || len(o.Name) > 64 {
			errs = append(errs, fmt.Errorf("%ss.%s: a swarm cannot name a %s %s: letters, digits, '-', '_' and '.' only, at most 64 characters", o.Kind, o.Key, o.Kind, o.Name))
			return
		}
		out = append(out, o)
	}
	for _, svc := range st.Services {
		for _, s := range svc.Secrets {
			add(Object{Kind: "secret", Key: s.Name, Name: cmp.Or(s.External, ObjectName(st.Project, s.Name)), Source: s.Source, Data: s.Value, Labels: s.Labels, External: s.External != ""})
		}
	}
	for _, svc := range st.Services {
		for _, f := range svc.Files {
			add(Object{Kind: "config", Key: f.Name, Name: cmp.Or(f.External, ObjectName(st.Project, f.Name)), Source: f.Source, Data: f.Value, Labels: f.Labels, External: f.External != ""})
		}
	}
	for i := range st.Services {
		if st.Services[i].LoadBalancer == nil {
			continue
		}
		o, err := EdgeObject(st, &st.Services[i])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[o.Kind+"/"+o.Key] {
			errs = append(errs, fmt.Errorf("configs.%s: the edge %s's configuration takes this name; rename the config", o.Key, st.Services[i].Name))
			continue
		}
		add(o)
	}
	return out, errors.Join(errs...)
}

// SecretSpec is the swarm secret for the stack's secret key, holding data,
// with the file's labels (stackctl's own over them). A swarm secret cannot
// change: its config-hash label, a digest of data, tells the caller whether
// the file changed since it was created.
func SecretSpec(st *stack.Stack, key string, labels map[string]string, data []byte) swarmapi.SecretSpec {
	return swarmapi.SecretSpec{Annotations: objectAnnotations(st, key, labels, data), Data: data}
}

// ConfigSpec is the swarm config for the stack's config key, holding data,
// labelled like a secret.
func ConfigSpec(st *stack.Stack, key string, labels map[string]string, data []byte) swarmapi.ConfigSpec {
	return swarmapi.ConfigSpec{Annotations: objectAnnotations(st, key, labels, data), Data: data}
}

func objectAnnotations(st *stack.Stack, key string, own map[string]string, data []byte) swarmapi.Annotations {
	labels := maps.Clone(own)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, st.ProjectLabels())
	labels[LabelNamespace] = st.Project
	sum := sha256.Sum256(data)
	labels[stack.LabelConfigHash] = hex.EncodeToString(sum[:])[:32]
	return swarmapi.Annotations{Name: ObjectName(st.Project, key), Labels: labels}
}
