package provider

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"strings"
)

// The verbs a provider is run with.
const (
	Up   = "up"
	Down = "down"
	Stop = "stop"
)

// Command is one run of a provider's executable for a service.
type Command struct {
	// Path is the executable (see Lookup); Type the provider's type, for
	// messages.
	Path, Type string
	Project    string
	Service    string
	// Verb is Up, Down or Stop.
	Verb string
	// Options are the service's provider.options, passed as
	// --name=value, once per value.
	Options map[string][]string
	// Env is the environment it runs in: the project's.
	Env []string
}

// Variables are what a provider's up told its dependents: Prefixed
// (setenv) reach them as <SERVICE>_<KEY>, Raw (rawsetenv) as written.
type Variables struct {
	Prefixed map[string]string
	Raw      map[string]string
}

// message is one line of a provider's output.
type message struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// Run runs the command with args (see Args) and reads its messages: an
// info is reported as it comes (report's detail), an error fails the run,
// setenv and rawsetenv make the variables; debug lines are dropped, as
// Compose drops them without --debug.
func Run(ctx context.Context, c Command, args []string, report func(detail string)) (Variables, error) {
	vars := Variables{Prefixed: map[string]string{}, Raw: map[string]string{}}
	cmd := exec.CommandContext(ctx, c.Path, args...)
	cmd.Env = c.Env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return vars, c.fail(err)
	}
	if err := cmd.Start(); err != nil {
		return vars, c.fail(err)
	}
	readErr := read(stdout, vars, report)
	if readErr != nil {
		// The provider said it failed, or said what cannot be read: it
		// is not waited for any longer.
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return Variables{}, c.fail(readErr)
	}
	if err := cmd.Wait(); err != nil {
		if last := lastLine(stderr.String()); last != "" {
			err = fmt.Errorf("%w: %s", err, last)
		}
		return Variables{}, c.fail(err)
	}
	return vars, nil
}

// read reads the messages of out into vars until it ends.
func read(out io.Reader, vars Variables, report func(string)) error {
	dec := json.NewDecoder(bufio.NewReader(out))
	for {
		var m message
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read its output: %w", err)
		}
		switch m.Type {
		case "error":
			return errors.New(m.Message)
		case "info":
			report(firstLine(m.Message))
		case "setenv", "rawsetenv":
			key, value, ok := strings.Cut(m.Message, "=")
			if !ok {
				return fmt.Errorf("invalid %s message %q: want KEY=value", m.Type, m.Message)
			}
			if m.Type == "setenv" {
				vars.Prefixed[key] = value
			} else {
				vars.Raw[key] = value
			}
		case "debug":
		default:
			return fmt.Errorf("invalid message type %q", m.Type)
		}
	}
}

// Args are the command's arguments, as Compose passes them, after it
// asked the provider its metadata; run is false when the provider
// declares no such verb (only Stop may be missing), and is not run then.
func Args(ctx context.Context, c Command) (args []string, run bool, err error) {
	meta := metadataOf(ctx, c.Path, c.Env)
	verb, declared := meta.verb(c.Verb)
	if !declared {
		return nil, false, nil
	}
	if !meta.empty() {
		for _, p := range verb.Parameters {
			if _, ok := c.Options[p.Name]; p.Required && !ok {
				return nil, false, c.fail(fmt.Errorf("required parameter %q is missing from provider %q definition", p.Name, c.Type))
			}
		}
	}
	args = []string{"compose", "--project-name=" + c.Project, c.Verb}
	names := make([]string, 0, len(c.Options))
	for name := range c.Options {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !meta.empty() && !verb.has(name) {
			continue // as Compose: an option the provider does not declare is not passed
		}
		for _, v := range c.Options[name] {
			args = append(args, fmt.Sprintf("--%s=%s", name, v))
		}
	}
	return append(args, c.Service), true, nil
}

// fail says which service's provider failed doing what.
func (c Command) fail(err error) error {
	return fmt.Errorf("service %s: provider %s (%s) %s: %w", c.Service, c.Type, c.Path, c.Verb, err)
}

func firstLine(s string) string {
	s = strings.TrimRight(s, "\n")
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[i+1:])
	}
	return s
}
