package conformance

import "regexp"

// allowed is a difference between Compose's state and stackctl's that the
// differential run accepts, and why.
type allowed struct {
	path *regexp.Regexp // matches Difference.Path
	// compose and stackctl, when set, match that side's value as well.
	compose, stackctl *regexp.Regexp
	reason            string
}

// Allowlist is every difference the run accepts: by design (what stackctl
// adds or does otherwise on purpose), or not yet fixed (what stackctl
// should do as Compose does, and does not yet: these are to be fixed and
// taken off). Anything else fails the run.
var Allowlist = []allowed{
	// By design.
	{
		path:   regexp.MustCompile(`^(containers|networks|volumes)/[^/]+/(Config/)?Labels/io\.stackctl\.`),
		reason: "stackctl's own labels: ownership, service, replica and configuration hash are written down, never guessed (docs/design.md)",
	},
	{
		path:   regexp.MustCompile(`^volumes/\{project\}_[^/]+_completed-[^/]+/`),
		reason: "the marker volume by which stackctl remembers a one-shot that completed with this configuration on this data (docs/behaviour.md)",
	},
	{
		path:     regexp.MustCompile(`^up$`),
		compose:  regexp.MustCompile(`exited \(0\)"$`),
		stackctl: regexp.MustCompile(`^"up"$`),
		reason:   "Compose's up --wait fails when a container exits 0 that nothing waits on; stackctl's up takes a container that ran to completion as done",
	},
	{
		path:     regexp.MustCompile(`^containers/[^/]+/Config/Attach(Stdout|Stderr)$`),
		compose:  regexp.MustCompile(`^true$`),
		stackctl: regexp.MustCompile(`^false$`),
		reason:   "Compose creates every container ready to be attached to, for up without -d; stackctl reads output through the logs API and attaches to none: nothing changes for a running container",
	},
	{
		path:     regexp.MustCompile(`^containers/[^/]+/HostConfig/RestartPolicy/Name$`),
		compose:  regexp.MustCompile(`^$`),
		stackctl: regexp.MustCompile(`^"no"$`),
		reason:   "no restart policy, said two ways: the engine takes an empty name as \"no\"",
	},
}

// Explain returns the reason the allowlist gives for d.
func Explain(d Difference) (string, bool) {
	for _, a := range Allowlist {
		if a.path.MatchString(d.Path) && (a.compose == nil || a.compose.MatchString(d.Compose)) &&
			(a.stackctl == nil || a.stackctl.MatchString(d.Stackctl)) {
			return a.reason, true
		}
	}
	return "", false
}
