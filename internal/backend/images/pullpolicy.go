package images

import (
	"fmt"
	"strings"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// mustPull decides, as Compose's mustPull does, whether an image that is
// not built is pulled: always; never (and then it must be present);
// refresh once it was tagged longer ago than the policy's period; else
// only when it is missing. present says whether the engine has it, img
// what it has.
func mustPull(w imageWork, present bool, img engine.Image, now time.Time) (bool, error) {
	switch w.policy {
	case stack.PullAlways:
		return true, nil
	case stack.PullNever:
		if !present {
			return false, fmt.Errorf("services %s: pull_policy never: image %s is not on the engine, and the policy forbids pulling it", strings.Join(w.services, ", "), w.ref)
		}
		return false, nil
	case stack.PullBuild:
		return false, fmt.Errorf("services %s: pull_policy build: no build section to build image %s from", strings.Join(w.services, ", "), w.ref)
	case stack.PullRefresh:
		return !present || now.After(img.Tagged.Add(w.refresh)), nil
	}
	return !present, nil
}
