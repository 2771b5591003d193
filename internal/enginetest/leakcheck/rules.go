package leakcheck

import (
	"slices"
	"strings"
)

// Rule accounts for resources a run may leave on purpose: what Match
// accepts is not a leak. Why says what makes it and why it stays.
type Rule struct {
	Name  string
	Why   string
	Match func(Resource) bool
}

// BuildCacheRepo is the repository of the images `make test` keeps from
// one run to the next on purpose (enginetest.KeepBuildCache).
const BuildCacheRepo = "stackctl-test-cache"

// StandinLabel marks the offline stand-ins scripts/images.sh builds.
const StandinLabel = "io.stackctl.standin"

// Standins are the references scripts/images.sh builds stand-ins under
// (its IMAGES, ON_REQUEST and BASE_IMAGE); a test reads the script to keep
// them equal.
var Standins = []string{
	"postgres:15", "redis:7", "golang:1.26", "nginx:1.22", "python:3.11-slim",
	"docker:dind", "registry:2", "busybox:latest", "alpine:latest", "nginx:alpine", "nginx:latest",
	"stackctl/bookworm-base:latest",
}

// Accounted is what `make test` may leave without it being a leak. Only
// what a run makes on purpose and keeps for the next one belongs here;
// everything else a run makes it must remove.
//
// Deliberately not here:
//   - untagged (`<none>`) images: an image a build replaced, or a step of a
//     failed build, is a leak like any other (the layer cache of a build
//     lives in intermediate images, which a snapshot does not list while
//     the image built on them exists);
//   - the stage images a build keeps as its cache, tagged after the image
//     (<image>:<tag>-stackctl-stage-N): stackctl keeps them for its users,
//     but a test's go with its project (enginetest.RemoveProjectImages);
//   - the crash helper image (stackctl/crash-helper:<digest>): `stackctl
//     kill` keeps it for the next crash, but the one test that makes it on
//     this engine (TestCrashFromAHelperContainer) removes it, as the
//     binary under test is no user's;
//   - built app images kept as a build cache: only the benchmarks keep
//     theirs (bench/README.md), and `make test` runs none.
var Accounted = []Rule{
	{
		Name: "test build cache",
		Why: "the integration tests keep the stage images of one build of app/ under " + BuildCacheRepo + ":*, " +
			"whose parents are the dependencies' layer (two minutes to make); each run moves the tags to its own build and removes the previous one",
		Match: func(r Resource) bool {
			return r.Kind == KindImage && len(r.Tags) > 0 &&
				!slices.ContainsFunc(r.Tags, func(tag string) bool { return !strings.HasPrefix(tag, BuildCacheRepo+":") })
		},
	},
	{
		Name: "stand-in",
		Why: "scripts/images.sh (make images, a prerequisite of make test) builds the offline stand-ins under the " +
			"official names and rebuilds one when its Dockerfile changed; they are the run's inputs, kept for every later run",
		Match: func(r Resource) bool {
			if r.Kind != KindImage || r.Labels[StandinLabel] != "true" {
				return false
			}
			// The label alone is not enough: an image built FROM a stand-in
			// inherits it.
			return slices.ContainsFunc(r.Tags, func(tag string) bool { return slices.Contains(Standins, tag) })
		},
	},
}
