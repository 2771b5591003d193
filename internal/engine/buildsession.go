package engine

import (
	"context"
	"fmt"
	"net"

	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/secrets/secretsprovider"
	"github.com/moby/buildkit/session/sshforward/sshprovider"
)

// openBuildSession opens the session through which the engine's BuildKit
// asks this side for a build's secrets and SSH agents, as the docker CLI
// does: the session is a gRPC server of ours, reached by the engine over a
// connection hijacked from its /session endpoint. It returns nil when the
// build needs none. The session ends with ctx or Close.
func (c *Client) openBuildSession(ctx context.Context, spec BuildSpec) (*session.Session, error) {
	if len(spec.Secrets) == 0 && len(spec.SSH) == 0 {
		return nil, nil
	}
	sess, err := session.NewSession(ctx, spec.Tag)
	if err != nil {
		return nil, fmt.Errorf("build image %s: open a build session: %w", spec.Tag, err)
	}
	attachables, err := sessionAttachables(spec)
	if err != nil {
		return nil, err
	}
	for _, a := range attachables {
		sess.Allow(a)
	}
	go func() {
		// The build fails, saying the session is missing, when it could
		// not be opened: that error is the one to report.
		_ = sess.Run(ctx, func(ctx context.Context, proto string, meta map[string][]string) (net.Conn, error) {
			return c.api.DialHijack(ctx, "/session", proto, meta)
		})
	}()
	return sess, nil
}

// secretsProvider hands spec's build secrets to the RUN steps that mount
// them.
func secretsProvider(spec BuildSpec) (session.Attachable, error) {
	sources := make([]secretsprovider.Source, 0, len(spec.Secrets))
	for _, s := range spec.Secrets {
		sources = append(sources, secretsprovider.Source{ID: s.ID, FilePath: s.File, Env: s.Env})
	}
	store, err := secretsprovider.NewStore(sources)
	if err != nil {
		return nil, fmt.Errorf("build image %s: build secrets: %w", spec.Tag, err)
	}
	return secretsprovider.NewSecretProvider(store), nil
}

// sshProvider forwards spec's SSH agents (or keys) to the RUN steps that
// mount them.
func sshProvider(spec BuildSpec) (session.Attachable, error) {
	agents := make([]sshprovider.AgentConfig, 0, len(spec.SSH))
	for _, s := range spec.SSH {
		agents = append(agents, sshprovider.AgentConfig{ID: s.ID, Paths: s.Paths})
	}
	provider, err := sshprovider.NewSSHAgentProvider(agents)
	if err != nil {
		return nil, fmt.Errorf("build image %s: ssh: %w", spec.Tag, err)
	}
	return provider, nil
}
