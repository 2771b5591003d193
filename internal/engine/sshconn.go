package engine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os/exec"
	"sync"
	"time"
)

// sshDialer reaches the engine of an ssh:// host as the docker CLI's
// connection helper does: `ssh [-l USER] [-p PORT] -- HOST docker system
// dial-stdio`, the ssh command's standard streams being the connection.
func sshDialer(u *url.URL) (func(ctx context.Context, network, addr string) (net.Conn, error), error) {
	args, err := sshArgs(u)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, _, _ string) (net.Conn, error) {
		return dialCommand(ctx, "ssh", args...)
	}, nil
}

// sshArgs are the ssh command's arguments for an ssh://[USER@]HOST[:PORT]
// address, the remote command included.
func sshArgs(u *url.URL) ([]string, error) {
	if u.Hostname() == "" {
		return nil, fmt.Errorf("ssh host %q: no host name", u.String())
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("ssh host %q: a path is not supported (the engine is reached by docker system dial-stdio)", u.String())
	}
	var args []string
	if user := u.User.Username(); user != "" {
		args = append(args, "-l", user)
	}
	if port := u.Port(); port != "" {
		args = append(args, "-p", port)
	}
	return append(args, "--", u.Hostname(), "docker", "system", "dial-stdio"), nil
}

// commandConn is a connection over a command's standard input and output;
// what the command says on stderr ends up in the error of a read that
// finds the connection closed.
type commandConn struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout io.ReadCloser
	stderr *limitedWriter
	close  sync.Once
	waited sync.Once
}

// wait reaps the command, once; its stderr is all kept after it.
func (c *commandConn) wait() { c.waited.Do(func() { _ = c.cmd.Wait() }) }

// dialCommand starts name with args, the connection being its standard
// streams. ctx bounds only the start, as a dial's does.
func dialCommand(ctx context.Context, name string, args ...string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cmd := exec.Command(name, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr := &limitedWriter{left: 4096}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	return &commandConn{cmd: cmd, stdin: stdin, stdout: stdout, stderr: stderr}, nil
}

func (c *commandConn) Read(p []byte) (int, error) {
	n, err := c.stdout.Read(p)
	if err == io.EOF && n == 0 {
		c.wait()
		if msg := c.stderr.said(); msg != "" {
			return 0, fmt.Errorf("%s: %s: %w", c.cmd.Path, msg, io.EOF)
		}
	}
	return n, err
}

func (c *commandConn) Write(p []byte) (int, error) { return c.stdin.Write(p) }

// CloseWrite ends the command's input: the engine sees the end of the
// request stream, as on a half-closed socket.
func (c *commandConn) CloseWrite() error { return c.stdin.Close() }

func (c *commandConn) Close() error {
	c.close.Do(func() {
		_ = c.stdin.Close()
		_ = c.cmd.Process.Kill()
		c.wait()
	})
	return nil
}

func (c *commandConn) LocalAddr() net.Addr              { return commandAddr{} }
func (c *commandConn) RemoteAddr() net.Addr             { return commandAddr{} }
func (c *commandConn) SetDeadline(time.Time) error      { return nil }
func (c *commandConn) SetReadDeadline(time.Time) error  { return nil }
func (c *commandConn) SetWriteDeadline(time.Time) error { return nil }

type commandAddr struct{}

func (commandAddr) Network() string { return "command" }
func (commandAddr) String() string  { return "command" }

// limitedWriter keeps the first bytes written to it, and drops the rest.
type limitedWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	left int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	keep := min(len(p), l.left)
	l.buf.Write(p[:keep])
	l.left -= keep
	return len(p), nil
}

// said is what was kept, trimmed.
func (l *limitedWriter) said() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(bytes.TrimSpace(l.buf.Bytes()))
}
