package engine

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	controlapi "github.com/moby/buildkit/api/services/control"
)

// buildTraceID is the ID of the engine's messages that carry BuildKit's
// progress: their aux is a StatusResponse, protobuf-encoded, as a JSON string
// of base64.
const buildTraceID = "moby.buildkit.trace"

// buildImageID is the ID of the message that carries the built image's ID.
const buildImageID = "moby.image.id"

// BuildStep is a step of a build as its builder reports it: when it starts
// and when it ends.
type BuildStep struct {
	// Name is the builder's: "[build 3/5] RUN go build ./...",
	// "Step 3/5 : RUN go build ./..." on the classic builder.
	Name string
	// Done is set once the step ended, with its Duration and whether it
	// came from the cache; Error says why it failed.
	Done     bool
	Cached   bool
	Duration time.Duration
	Error    string
}

// String is the step as one line of progress: its name, then "cached",
// its duration or its error once it ended.
func (s BuildStep) String() string {
	switch {
	case !s.Done:
		return s.Name
	case s.Error != "":
		return fmt.Sprintf("%s: %s", s.Name, s.Error)
	case s.Cached:
		return s.Name + " (cached)"
	}
	return fmt.Sprintf("%s (%s)", s.Name, s.Duration.Round(10*time.Millisecond))
}

// buildTrace follows BuildKit's status messages and turns them into steps
// (each reported once when it starts and once when it ends), keeping the
// last lines of each step's log for the error of a step that fails.
// Vertexes arrive again on every change, and logs in chunks that may split
// a line; the trace keeps what it needs of both.
type buildTrace struct {
	steps  map[string]*traceStep // by vertex digest
	failed string                // the digest of the first step that failed
}

type traceStep struct {
	name    string
	started bool
	done    bool
	log     []string
	partial string // the log's last line, not yet ended
}

func newBuildTrace() *buildTrace { return &buildTrace{steps: map[string]*traceStep{}} }

// decodeTrace reads the aux of a moby.buildkit.trace message.
func decodeTrace(aux json.RawMessage) (*controlapi.StatusResponse, error) {
	var encoded []byte
	if err := json.Unmarshal(aux, &encoded); err != nil {
		return nil, fmt.Errorf("read BuildKit's status: %w", err)
	}
	var resp controlapi.StatusResponse
	if err := resp.UnmarshalVT(encoded); err != nil {
		return nil, fmt.Errorf("decode BuildKit's status: %w", err)
	}
	return &resp, nil
}

// apply takes one status message and reports the steps it starts or ends.
func (t *buildTrace) apply(resp *controlapi.StatusResponse, report func(BuildStep)) {
	for _, v := range resp.Vertexes {
		s := t.step(v.Digest)
		if v.Name != "" {
			// A Dockerfile line continued over several lines keeps
			// their indentation: one space reads better.
			s.name = strings.Join(strings.Fields(v.Name), " ")
		}
		if v.Started != nil && !s.started && !v.Cached {
			s.started = true
			report(BuildStep{Name: s.name})
		}
		if v.Completed == nil || s.done {
			continue
		}
		s.done = true
		step := BuildStep{Name: s.name, Done: true, Cached: v.Cached, Error: v.Error}
		if v.Started != nil {
			step.Duration = v.Completed.AsTime().Sub(v.Started.AsTime())
		}
		if v.Error != "" && t.failed == "" {
			t.failed = v.Digest
		}
		report(step)
	}
	for _, l := range resp.Logs {
		t.step(l.Vertex).addLog(string(l.Msg))
	}
}

func (t *buildTrace) step(digest string) *traceStep {
	s, ok := t.steps[digest]
	if !ok {
		s = &traceStep{}
		t.steps[digest] = s
	}
	return s
}

func (s *traceStep) addLog(chunk string) {
	lines := strings.Split(s.partial+strings.ReplaceAll(chunk, "\r\n", "\n"), "\n")
	s.partial = lines[len(lines)-1]
	for _, line := range lines[:len(lines)-1] {
		s.log = append(s.log, line)
	}
	if len(s.log) > maxStepOutput {
		s.log = s.log[len(s.log)-maxStepOutput:]
	}
}

// failure is the step that failed first and the last lines of its log
// ("" and nil when none did).
func (t *buildTrace) failure() (string, []string) {
	s, ok := t.steps[t.failed]
	if !ok {
		return "", nil
	}
	log := s.log
	if s.partial != "" {
		log = append(log, s.partial)
	}
	return s.name, log
}
