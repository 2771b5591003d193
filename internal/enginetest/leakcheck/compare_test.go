package leakcheck

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)

func snap(rs ...Resource) Snapshot { return Snapshot{Taken: t0, Resources: rs} }

func TestCompareReportsWhatTheRunAdded(t *testing.T) {
	old := Resource{Kind: KindVolume, ID: "users-data", Name: "users-data", Created: t0.Add(-time.Hour)}
	oldImage := Resource{Kind: KindImage, ID: "sha256:aaaa", Created: t0.Add(-time.Hour)}
	anon := Resource{Kind: KindVolume, ID: "3f1c0ffee", Name: "3f1c0ffee", Created: t0.Add(2 * time.Minute)}
	dangling := Resource{Kind: KindImage, ID: "sha256:bbbb", Created: t0.Add(time.Minute)}
	ctr := Resource{Kind: KindContainer, ID: "c0ffee", Name: "t-x-1", Image: "redis:7", Created: t0.Add(3 * time.Minute),
		Labels: map[string]string{"io.stackctl.project": "t-x"}}

	res := Compare(snap(old, oldImage), snap(ctr, old, anon, oldImage, dangling), nil)

	var got []string
	for _, r := range res.Leaks {
		got = append(got, r.Key())
	}
	want := []string{"image/sha256:bbbb", "volume/3f1c0ffee", "container/c0ffee"} // oldest first
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("leaks %v, want %v", got, want)
	}
}

func TestComparePreexistingIsNeverALeak(t *testing.T) {
	// Changed meanwhile (relabelled, a tag removed), or gone: still not
	// reported.
	before := snap(
		Resource{Kind: KindNetwork, ID: "n1", Name: "mine"},
		Resource{Kind: KindImage, ID: "sha256:cc", Tags: []string{"app:1", "app:2"}},
		Resource{Kind: KindContainer, ID: "gone"},
	)
	after := snap(
		Resource{Kind: KindNetwork, ID: "n1", Name: "mine", Labels: map[string]string{"x": "y"}},
		Resource{Kind: KindImage, ID: "sha256:cc", Tags: []string{"app:2"}},
	)
	if res := Compare(before, after, Accounted); len(res.Leaks) != 0 || len(res.Accounted) != 0 {
		t.Errorf("pre-existing resources reported: %+v", res)
	}
}

func TestCompareTagsAddedToAnImageAreLeaks(t *testing.T) {
	// A build that hit the cache tagged a stage image that was there.
	before := snap(Resource{Kind: KindImage, ID: "sha256:55", Name: "app:latest-stackctl-stage-1", Tags: []string{"app:latest-stackctl-stage-1"}})
	after := snap(Resource{Kind: KindImage, ID: "sha256:55", Name: "app:latest-stackctl-stage-1",
		Tags: []string{"app:latest-stackctl-stage-1", "t-x-app:latest-stackctl-stage-1"}})
	res := Compare(before, after, Accounted)
	if len(res.Leaks) != 1 || !slices.Equal(res.Leaks[0].Tags, []string{"t-x-app:latest-stackctl-stage-1"}) || res.Leaks[0].Note == "" {
		t.Errorf("leaks %+v, want the image with just its new tag, and a note saying so", res.Leaks)
	}
	// A tag it lost is no leak.
	if res := Compare(after, before, Accounted); len(res.Leaks) != 0 {
		t.Errorf("an image that lost a tag reported: %+v", res.Leaks)
	}
}

func TestCompareSameNameMadeAgainIsALeak(t *testing.T) {
	// A network removed and made again under its name is a new one.
	before := snap(Resource{Kind: KindNetwork, ID: "n1", Name: "shared"})
	after := snap(Resource{Kind: KindNetwork, ID: "n2", Name: "shared"})
	if res := Compare(before, after, Accounted); len(res.Leaks) != 1 {
		t.Errorf("leaks %+v, want the new network n2", res.Leaks)
	}
}

func TestCompareStandinIsAccountedFor(t *testing.T) {
	standin := Resource{Kind: KindImage, ID: "sha256:dd", Name: "redis:7", Tags: []string{"redis:7"},
		Labels: map[string]string{StandinLabel: "true"}}
	res := Compare(snap(), snap(standin), Accounted)
	if len(res.Leaks) != 0 || len(res.Accounted["stand-in"]) != 1 {
		t.Errorf("a rebuilt stand-in: %+v, want it accounted for as stand-in", res)
	}
}

func TestCompareStandinLabelAloneIsNotEnough(t *testing.T) {
	for _, r := range []Resource{
		// Built FROM the python stand-in: inherits its label.
		{Kind: KindImage, ID: "sha256:ee", Name: "t-day34-web:latest", Tags: []string{"t-day34-web:latest"},
			Labels: map[string]string{StandinLabel: "true"}},
		// A stand-in's tag moved to a rebuild: the old one is dangling.
		{Kind: KindImage, ID: "sha256:ff", Labels: map[string]string{StandinLabel: "true"}},
		// An official name without the label: not one images.sh built.
		{Kind: KindImage, ID: "sha256:11", Name: "redis:7", Tags: []string{"redis:7"}},
		// A container of a stand-in is not the stand-in.
		{Kind: KindContainer, ID: "c1", Name: "redis:7", Tags: []string{"redis:7"}, Labels: map[string]string{StandinLabel: "true"}},
	} {
		if res := Compare(snap(), snap(r), Accounted); len(res.Leaks) != 1 {
			t.Errorf("%s %s %v: not reported (%+v)", r.Kind, r.ID, r.Tags, res)
		}
	}
}

func TestReportNamesWhatToFind(t *testing.T) {
	var b bytes.Buffer
	err := Report(&b, []Resource{
		{Kind: KindContainer, ID: "0123456789abcdef0123", Name: "t-x-cache-1", Image: "redis:7", Created: t0,
			Labels: map[string]string{"io.stackctl.project": "t-x", "io.stackctl.service": "cache"}},
		{Kind: KindVolume, ID: "9e8d7c", Name: "9e8d7c", Created: t0},
		{Kind: KindImage, ID: "sha256:abcdef0123456789", Created: t0},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "container 0123456789ab t-x-cache-1 created 2026-12-01T20:00:00Z image redis:7 labels io.stackctl.project=t-x,io.stackctl.service=cache\n" +
		"volume    9e8d7c created 2026-12-01T20:00:00Z labels (none)\n" +
		"image     abcdef012345 <none> created 2026-12-01T20:00:00Z labels (none)\n"
	if b.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestCompareTestBuildCacheIsAccountedForOnlyUnderItsOwnTags(t *testing.T) {
	cache := Resource{Kind: KindImage, ID: "sha256:cc", Name: BuildCacheRepo + ":app-stage-1", Tags: []string{BuildCacheRepo + ":app-stage-1"}}
	if res := Compare(snap(), snap(cache), Accounted); len(res.Leaks) != 0 || len(res.Accounted["test build cache"]) != 1 {
		t.Errorf("the test build cache: %+v, want it accounted for", res)
	}
	for _, r := range []Resource{
		// Also a test's image: that tag must go with its test.
		{Kind: KindImage, ID: "sha256:cd", Tags: []string{BuildCacheRepo + ":app-stage-1", "t-x-app:latest-stackctl-stage-1"}},
		// Untagged: the cache it was, replaced.
		{Kind: KindImage, ID: "sha256:ce"},
		// Another repository that merely begins the same way.
		{Kind: KindImage, ID: "sha256:cf", Tags: []string{BuildCacheRepo + "-other:app"}},
	} {
		if res := Compare(snap(), snap(r), Accounted); len(res.Leaks) != 1 {
			t.Errorf("%s %v: not reported (%+v)", r.ID, r.Tags, res)
		}
	}
}
