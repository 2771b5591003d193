package engine

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	controlapi "github.com/moby/buildkit/api/services/control"
	bkclient "github.com/moby/buildkit/client"
	"github.com/moby/buildkit/session"
	"github.com/tonistiigi/fsutil"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stackctl/stackctl/internal/stack"
)

// solveBuild builds spec through BuildKit's own API, which the engine
// serves on its /grpc endpoint, as buildx's "docker" driver does: what the
// /build endpoint cannot carry (named contexts, several platforms,
// entitlements) goes there as the Dockerfile frontend's attributes and the
// solve's options. The contexts are read through the build's session, and
// the image goes into the engine's store (the "moby" exporter).
func (c *Client) solveBuild(ctx context.Context, spec BuildSpec, progress func(BuildEvent)) (string, error) {
	bk, err := bkclient.New(ctx, "",
		bkclient.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			return c.api.DialHijack(ctx, "/grpc", "h2c", nil)
		}),
		bkclient.WithSessionDialer(func(ctx context.Context, proto string, meta map[string][]string) (net.Conn, error) {
			return c.api.DialHijack(ctx, "/session", proto, meta)
		}))
	if err != nil {
		return "", fmt.Errorf("build image %s: reach the engine's BuildKit: %w", spec.Tag, err)
	}
	defer bk.Close()
	opt, cleanup, err := solveOptions(spec)
	if err != nil {
		return "", fmt.Errorf("build image %s: %w", spec.Tag, err)
	}
	defer cleanup()
	if opt.Session, err = sessionAttachables(spec); err != nil {
		return "", err
	}

	statuses := make(chan *bkclient.SolveStatus)
	trace := newBuildTrace()
	traced := make(chan struct{})
	go func() {
		defer close(traced)
		report := func(s BuildStep) { progress(BuildEvent{Step: &s}) }
		for s := range statuses {
			trace.apply(statusResponse(s), report)
		}
	}()
	_, err = bk.Solve(ctx, nil, opt, statuses) // closes statuses
	<-traced
	if err != nil {
		step, output := trace.failure()
		if saysNoSpace(err.Error()) || slices.ContainsFunc(output, saysNoSpace) {
			err = noSpace(c.Host(), err)
		}
		if insecure := entitlementKey(spec); insecure != "" && strings.Contains(err.Error(), "security.insecure") {
			err = fmt.Errorf("%s: the engine at %s (%s) refused the %s entitlement: %w; "+
				"its daemon.json must allow it (\"builder\": {\"entitlements\": {\"security-insecure\": true}})",
				insecure, c.Host(), c.versionText(ctx), stack.EntitlementInsecure, err)
		}
		return "", &BuildError{Tag: spec.Tag, Step: step, Output: output, Err: err}
	}
	// The image's ID is the engine's: its config's digest, or with the
	// containerd image store its manifest's (or index's).
	return c.builtImage(ctx, spec.Tag, "")
}

// needsSolve says whether spec asks for what only BuildKit's own API
// carries.
func needsSolve(spec BuildSpec) bool {
	return len(spec.NamedContexts) > 0 || len(spec.NoCacheFilter) > 0 || len(spec.Platforms) > 1 || len(spec.Entitlements) > 0 || spec.Privileged ||
		len(spec.Attests) > 0
}

// attestKey is the build key of spec's first attestation ("" for none).
func attestKey(spec BuildSpec) string {
	for _, typ := range []string{"provenance", "sbom"} {
		if _, ok := spec.Attests[typ]; ok {
			return "build." + typ
		}
	}
	return ""
}

// entitlementKey is the build key that asks for security.insecure ("" for
// none).
func entitlementKey(spec BuildSpec) string {
	switch {
	case slices.Contains(spec.Entitlements, stack.EntitlementInsecure):
		return "build.entitlements"
	case spec.Privileged:
		return "build.privileged"
	}
	return ""
}

// solveOptions are the Dockerfile frontend's attributes and the solve's
// options for spec, as buildx sets them. cleanup removes what they needed
// written (an inline Dockerfile).
func solveOptions(spec BuildSpec) (bkclient.SolveOpt, func(), error) {
	cleanup := func() {}
	attrs := map[string]string{}
	mounts := map[string]fsutil.FS{}
	mount := func(name, dir string) error {
		fs, err := fsutil.NewFS(dir)
		if err != nil {
			return fmt.Errorf("build context %s (%s): %w", name, dir, err)
		}
		mounts[name] = fs
		return nil
	}
	dockerfile := spec.Dockerfile
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	switch {
	case spec.RemoteContext != "":
		attrs["context"] = spec.RemoteContext
		attrs["filename"] = dockerfile
	default:
		if err := mount("context", spec.ContextDir); err != nil {
			return bkclient.SolveOpt{}, cleanup, err
		}
		// The Dockerfile's directory goes as its own, as buildx sends it:
		// in the context or outside it, named relative to it or not.
		path, _ := dockerfileOutside(spec.ContextDir, dockerfile)
		dir := filepath.Dir(path)
		attrs["filename"] = filepath.Base(path)
		if spec.DockerfileInline != "" {
			tmp, err := os.MkdirTemp("", "stackctl-dockerfile-")
			if err != nil {
				return bkclient.SolveOpt{}, cleanup, err
			}
			cleanup = func() { os.RemoveAll(tmp) }
			if err := os.WriteFile(filepath.Join(tmp, "Dockerfile"), []byte(spec.DockerfileInline), 0o600); err != nil {
				return bkclient.SolveOpt{}, cleanup, err
			}
			dir, attrs["filename"] = tmp, "Dockerfile"
		}
		if err := mount("dockerfile", dir); err != nil {
			return bkclient.SolveOpt{}, cleanup, err
		}
	}
	if spec.RemoteContext != "" && spec.DockerfileInline != "" {
		return bkclient.SolveOpt{}, cleanup, fmt.Errorf("build from %s: an inline Dockerfile needs a local context to go into", spec.RemoteContext)
	}
	for name, value := range spec.NamedContexts {
		if filepath.IsAbs(value) {
			if err := mount(name, value); err != nil {
				return bkclient.SolveOpt{}, cleanup, err
			}
			value = "local:" + name
		}
		attrs["context:"+name] = value
	}
	if spec.Target != "" {
		attrs["target"] = spec.Target
	}
	for k, v := range spec.Args {
		attrs["build-arg:"+k] = v
	}
	if spec.InlineCache {
		attrs["build-arg:BUILDKIT_INLINE_CACHE"] = "1"
	}
	for k, v := range spec.Labels {
		attrs["label:"+k] = v
	}
	switch {
	case spec.NoCache:
		attrs["no-cache"] = ""
	case len(spec.NoCacheFilter) > 0:
		attrs["no-cache"] = strings.Join(spec.NoCacheFilter, ",")
	}
	if spec.Pull {
		attrs["image-resolve-mode"] = "pull"
	}
	for typ, attest := range spec.Attests {
		attrs["attest:"+typ] = attest
	}
	if platforms := spec.Platforms; len(platforms) > 0 {
		attrs["platform"] = strings.Join(platforms, ",")
	} else if spec.Platform != "" {
		attrs["platform"] = spec.Platform
	}
	if spec.Network != "" && spec.Network != "default" {
		attrs["force-network-mode"] = spec.Network
	}
	if len(spec.ExtraHosts) > 0 {
		hosts := make([]string, 0, len(spec.ExtraHosts))
		for _, h := range spec.ExtraHosts {
			name, ip, _ := strings.Cut(h, ":")
			hosts = append(hosts, name+"="+ip)
		}
		attrs["add-hosts"] = strings.Join(hosts, ",")
	}
	if spec.ShmSize > 0 {
		attrs["shm-size"] = strconv.FormatInt(spec.ShmSize, 10)
	}
	if len(spec.Ulimits) > 0 {
		var ulimits []string
		for _, u := range spec.Ulimits {
			ulimits = append(ulimits, fmt.Sprintf("%s=%d:%d", u.Name, u.Soft, u.Hard))
		}
		attrs["ulimit"] = strings.Join(ulimits, ",")
	}
	var imports []bkclient.CacheOptionsEntry
	for _, ref := range spec.CacheFrom {
		imports = append(imports, bkclient.CacheOptionsEntry{Type: "registry", Attrs: map[string]string{"ref": ref}})
	}
	entitlements := slices.Clone(spec.Entitlements)
	if spec.Privileged && !slices.Contains(entitlements, stack.EntitlementInsecure) {
		entitlements = append(entitlements, stack.EntitlementInsecure)
	}
	return bkclient.SolveOpt{
		Frontend:            "dockerfile.v0",
		FrontendAttrs:       attrs,
		LocalMounts:         mounts,
		CacheImports:        imports,
		AllowedEntitlements: entitlements,
		Exports: []bkclient.ExportEntry{{
			Type:  "moby",
			Attrs: map[string]string{"name": strings.Join(append([]string{spec.Tag}, spec.ExtraTags...), ",")},
		}},
	}, cleanup, nil
}

// sessionAttachables are what spec's build asks this side for through its
// session: secrets and SSH agents.
func sessionAttachables(spec BuildSpec) ([]session.Attachable, error) {
	var out []session.Attachable
	if len(spec.Secrets) > 0 {
		p, err := secretsProvider(spec)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if len(spec.SSH) > 0 {
		p, err := sshProvider(spec)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// statusResponse is a solve's status as the engine's /build endpoint
// sends it, which buildTrace reads.
func statusResponse(s *bkclient.SolveStatus) *controlapi.StatusResponse {
	resp := &controlapi.StatusResponse{}
	for _, v := range s.Vertexes {
		cv := &controlapi.Vertex{Digest: string(v.Digest), Name: v.Name, Cached: v.Cached, Error: v.Error}
		if v.Started != nil {
			cv.Started = timestamppb.New(*v.Started)
		}
		if v.Completed != nil {
			cv.Completed = timestamppb.New(*v.Completed)
		}
		resp.Vertexes = append(resp.Vertexes, cv)
	}
	for _, l := range s.Logs {
		resp.Logs = append(resp.Logs, &controlapi.VertexLog{Vertex: string(l.Vertex), Msg: l.Data, Stream: int64(l.Stream)})
	}
	return resp
}

// versionText is the engine's version and API version, for errors that
// depend on them: "Docker 20.10.24, API 1.41".
func (c *Client) versionText(ctx context.Context) string {
	api := c.api.ClientVersion()
	v, err := c.api.ServerVersion(ctx)
	if err != nil || v.Version == "" {
		return "API " + api
	}
	return "Docker " + v.Version + ", API " + api
}

// ContainerdImageStore says whether the engine keeps its images in
// containerd's store (Docker Engine 24 and later, when turned on; the
// default from 29), the only one that holds an image for several
// platforms under one name.
func (c *Client) ContainerdImageStore(ctx context.Context) (bool, error) {
	info, err := c.api.Info(ctx)
	if err != nil {
		return false, classify(err, "ask the engine how it stores images")
	}
	for _, kv := range info.DriverStatus {
		if kv[0] == "driver-type" && kv[1] == "io.containerd.snapshotter.v1" {
			return true, nil
		}
	}
	return false, nil
}
