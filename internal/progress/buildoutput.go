package progress

import "strings"

// HideBuildOutput passes every event to r but an image's build steps, as
// Compose's `watch --quiet` hides its build output: that a build began is
// dropped with its steps, while "built", a failed step and every other
// resource's events still go through.
func HideBuildOutput(r Reporter) Reporter { return buildOutputHidden{r} }

type buildOutputHidden struct{ next Reporter }

func (h buildOutputHidden) Report(e Event) {
	if e.Status == "building" && strings.HasPrefix(e.Resource, "image ") {
		return
	}
	h.next.Report(e)
}
