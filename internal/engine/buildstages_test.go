package engine

import (
	"slices"
	"strings"
	"testing"
)

// A classic build's output as the engine printed it: a build stage, a stage
// of just FROM, and the final stage from scratch with the label step the
// builder appends.
const recordedMultiStageBuild = `Step 1/9 : FROM golang:1.26 AS build
 ---> e81bd769943e
Step 2/9 : RUN echo a > /a
 ---> Using cache
 ---> 58f1e0ef03e1
Step 3/9 : COPY x /x
 ---> 9253838e7ce4
Step 4/9 : FROM golang:1.26 AS empty
 ---> e81bd769943e
Step 5/9 : from scratch
 ---> 
Step 6/9 : COPY --from=build /x /x
 ---> 686e1656415b
Step 7/9 : RUN true
 ---> Running in 7ff20dd62eed
Removing intermediate container 7ff20dd62eed
 ---> 5055ec2f857e
Step 8/9 : LABEL io.test=1
 ---> 89ad80ab17ae
Successfully built 89ad80ab17ae
Successfully tagged stackctl-probe-build:1`

func TestBuildStagesOfAMultiStageBuild(t *testing.T) {
	var stages BuildStages
	for _, line := range strings.Split(recordedMultiStageBuild, "\n") {
		stages.Line(line)
	}
	// The build stage's last image; none for the stage of just FROM (its
	// image is golang's); the final stage is the built image, not a stage.
	if want := []string{"9253838e7ce4", ""}; !slices.Equal(stages.Images(), want) {
		t.Errorf("stage images %q, want %q", stages.Images(), want)
	}
}

func TestBuildStagesOfASingleStageBuild(t *testing.T) {
	var stages BuildStages
	for _, line := range []string{"Step 1/2 : FROM golang:1.26", " ---> e81bd769943e", "Step 2/2 : RUN true", " ---> 58f1e0ef03e1"} {
		stages.Line(line)
	}
	if got := stages.Images(); len(got) != 0 {
		t.Errorf("stage images %q, want none", got)
	}
}
