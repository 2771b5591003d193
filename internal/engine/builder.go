package engine

import (
	"fmt"
	"os"
	"strconv"

	"github.com/docker/docker/api/types/versions"
)

// minBuildKitAPI is the first API version whose engine builds with BuildKit
// without being told to run experimental features (Docker 18.09).
const minBuildKitAPI = "1.39"

// builder says whether builds go to the engine's BuildKit, and when not,
// why, in words for the progress stream. As for the docker CLI,
// DOCKER_BUILDKIT decides when it is set; otherwise every Linux engine
// from API 1.39 on has BuildKit.
func (c *Client) builder() (buildKit bool, why string, err error) {
	if v, set := os.LookupEnv("DOCKER_BUILDKIT"); set && v != "" {
		on, err := strconv.ParseBool(v)
		if err != nil {
			return false, "", fmt.Errorf("DOCKER_BUILDKIT=%q: want 1 or 0 (true or false)", v)
		}
		if !on {
			return false, "DOCKER_BUILDKIT=" + v + " turns BuildKit off", nil
		}
		return true, "", nil
	}
	if os := c.ping.OSType; os != "" && os != "linux" {
		return false, fmt.Sprintf("the engine at %s runs on %s, where it has no BuildKit", c.Host(), os), nil
	}
	if v := c.api.ClientVersion(); versions.LessThan(v, minBuildKitAPI) {
		return false, fmt.Sprintf("the engine at %s speaks API %s, older than %s, the first that builds with BuildKit", c.Host(), v, minBuildKitAPI), nil
	}
	return true, "", nil
}
