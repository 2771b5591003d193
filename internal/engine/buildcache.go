package engine

import (
	"context"
	"fmt"
	"os"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/versions"
	"github.com/docker/go-units"
)

// DefaultBuildCacheKeep is how much build cache BuildCacheBound keeps when
// STACKCTL_BUILD_CACHE_KEEP does not say: room for the cache mounts and
// layers of a few stacks' builds.
const DefaultBuildCacheKeep = 10 * units.GB

// BuildCacheKeep is the bound on the engine's BuildKit cache that builds
// keep to: STACKCTL_BUILD_CACHE_KEEP as a size ("10GB", "500MB"), "off"
// for none, else DefaultBuildCacheKeep.
func BuildCacheKeep() (keep int64, on bool, err error) {
	v := os.Getenv("STACKCTL_BUILD_CACHE_KEEP")
	switch v {
	case "":
		return DefaultBuildCacheKeep, true, nil
	case "off":
		return 0, false, nil
	}
	keep, err = units.FromHumanSize(v)
	if err != nil || keep <= 0 {
		return 0, false, fmt.Errorf("STACKCTL_BUILD_CACHE_KEEP=%q: want a size (10GB, 500MB) or off", v)
	}
	return keep, true, nil
}

// BoundBuildCache removes the least recently used records of the engine's
// BuildKit cache that no build uses until it holds at most keep bytes, and
// returns how many bytes it freed. Docker 20.10 collects no build cache
// garbage unless its daemon.json turns builder.gc on, and BuildKit's cache
// (layers and cache mounts) is no image that a removal would free, so
// without this the cache only grows. It does nothing on the classic
// builder, which keeps its cache as images.
func (c *Client) BoundBuildCache(ctx context.Context, keep int64) (uint64, error) {
	if buildKit, _, err := c.builder(); err != nil || !buildKit {
		return 0, err
	}
	opts := build.CachePruneOptions{}
	if versions.LessThan(c.api.ClientVersion(), "1.48") {
		opts.KeepStorage = keep //nolint:staticcheck // the only bound before API 1.48
	} else {
		opts.MaxUsedSpace = keep
	}
	report, err := c.api.BuildCachePrune(ctx, opts)
	if err != nil {
		return 0, classify(err, "bound the build cache of the engine at %s to %s", c.Host(), units.HumanSize(float64(keep)))
	}
	return report.SpaceReclaimed, nil
}
