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
		path:   regexp.MustCompile(`^(containers|networks|volumes|images)/[^/]+/(Config/)?Labels/io\.stackctl\.`),
		reason: "stackctl's own labels: ownership, service, replica and configuration hash are written down, never guessed (docs/design.md)",
	},
	{
		path:   regexp.MustCompile(`^volumes/\{project\}_[^/]+_completed-[^/]+(/|$)`),
		reason: "the marker volume by which stackctl remembers a one-shot that completed with this configuration on this data (docs/behaviour.md)",
	},
	{
		path:   regexp.MustCompile(`^volumes/\{project\}_[^/]+-[0-9]+_run-secrets(/|$)`),
		reason: "a service's secrets are written into a volume of the project's, mounted read-only at /run/secrets, so they reach a remote engine; Compose bind-mounts each file (docs/behaviour.md)",
	},
	{
		path:   regexp.MustCompile(`^containers/[^/]+/(HostConfig/)?Mounts//run/secrets(/[^/]+)?/[A-Za-z]+$`),
		reason: "the same secrets: one volume at /run/secrets, where Compose mounts /run/secrets/NAME",
	},
	{
		path:   regexp.MustCompile(`^volumes/\{project\}_[^/]+-[0-9]+_[^/]+(/|$)`),
		reason: "an anonymous volume of the file is the project's volume <project>_<service>-<replica>_<path>, which a replaced container and down keep and down -v removes; Compose's is anonymous and unlabelled (docs/behaviour.md)",
	},
	{
		path:     regexp.MustCompile(`^containers/[^/]+/Mounts/.+/(Name|Source)$`),
		compose:  regexp.MustCompile(`\{anonymous\}`),
		stackctl: regexp.MustCompile(`\{project\}_[^/]+-[0-9]+_`),
		reason:   "the same anonymous volume, mounted under its name (above)",
	},
	{
		path:     regexp.MustCompile(`^containers/[^/]+/HostConfig/Mounts/.+/Source$`),
		compose:  regexp.MustCompile(`^$`),
		stackctl: regexp.MustCompile(`^"\{project\}_[^/]+-[0-9]+_`),
		reason:   "the same anonymous volume, asked for by its name (above)",
	},
	{
		path:     regexp.MustCompile(`^images/[^/]+$`),
		compose:  regexp.MustCompile(`^$`),
		stackctl: regexp.MustCompile(`^"present"$`),
		reason:   "an image stackctl built in an up that then failed on another build: it keeps each image that built, so the next up need not build it again; Compose builds the project's images in one bake and keeps none when one fails (Compose's up builds every image it runs, so this is only after a failed up)",
	},
	{
		path:     regexp.MustCompile(`^(images/[^/]+|containers/[^/]+/Config)/Labels/com\.docker\.compose\.image\.builder$`),
		compose:  regexp.MustCompile(`^"classic"$`),
		stackctl: regexp.MustCompile(`^$`),
		reason:   "Compose's note on an image its classic builder made, for its own use; stackctl notes what it built from in io.stackctl.context-hash",
	},
	{
		path:    regexp.MustCompile(`^images/[^/]+/Labels/com\.docker\.compose\.(project|service|version)$`),
		compose: regexp.MustCompile(`^$`),
		reason:  "Compose's classic builder labels no image with its project; stackctl labels its images alike whichever builder makes them",
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
