package engine

import (
	"regexp"
	"strings"
)

// fromStep is the classic builder's line for a FROM instruction, which
// starts a stage: "Step 4/9 : FROM scratch".
var fromStep = regexp.MustCompile(`(?i)^Step [0-9]+/[0-9]+ : FROM\s`)

// BuildStages follows the classic builder's output and collects the image
// each stage before the last ended with. The builder prints " ---> <id>"
// after every step (the FROM's own line names the base image, or nothing
// for scratch), and keeps those images: a stage's last one is left untagged,
// and it is the layer cache of the next build.
type BuildStages struct {
	stages  []string
	started bool   // a FROM was seen
	base    string // the image the current stage starts from
	current string // the current stage's newest image
	atFrom  bool   // the next " ---> " line is the base image's
}

// Line reads one line of build output.
func (b *BuildStages) Line(line string) {
	if fromStep.MatchString(line) {
		if b.started {
			b.stages = append(b.stages, b.ownImage())
		}
		b.started, b.atFrom, b.base, b.current = true, true, "", ""
		return
	}
	id, ok := strings.CutPrefix(line, " ---> ")
	if !ok {
		return
	}
	id = strings.TrimSpace(id)
	if b.atFrom {
		b.atFrom, b.base, b.current = false, id, id
		return
	}
	if isShortID(id) {
		b.current = id
	}
}

// ownImage is the image the current stage made, or "" when it made none
// (a stage of just FROM ends on its base image, which is not ours).
func (b *BuildStages) ownImage() string {
	if b.current == b.base {
		return ""
	}
	return b.current
}

// Images are the IDs (short, as the builder prints them) of the images the
// stages before the last ended with, by stage: "" for a stage that made no
// image of its own.
func (b *BuildStages) Images() []string {
	return b.stages
}

// isShortID tells an image ID from the builder's other " ---> " lines
// ("Running in <container>", "Using cache", warnings).
func isShortID(s string) bool {
	if len(s) < 12 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

// Event reads one event of a build: the classic builder's lines.
func (b *BuildStages) Event(e BuildEvent) {
	if e.Line != "" {
		b.Line(e.Line)
	}
}
