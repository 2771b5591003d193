package main

import (
	"fmt"
	"maps"
	"slices"

	"github.com/spf13/cobra"
)

// Compose's up flags stackctl cannot honour, each refused naming what does
// the same: those of an up that stays attached to the containers' output
// (up returns once the stack is up, see the README), and those of
// behaviours stackctl has otherwise.
var refusedUpFlags = map[string]string{
	"abort-on-container-exit":    "up returns once the stack is up; stackctl wait SERVICE... blocks until they stop and exits with the code",
	"abort-on-container-failure": "up returns once the stack is up; stackctl wait SERVICE... blocks until they stop and exits with the code",
	"exit-code-from":             "up returns once the stack is up; stackctl wait SERVICE exits with SERVICE's exit code, and wait --down-project takes the project down then",
	"attach":                     "up returns once the stack is up; follow services' output with stackctl logs -f SERVICE...",
	"no-attach":                  "up returns once the stack is up; follow the other services' output with stackctl logs -f SERVICE...",
	"attach-dependencies":        "up returns once the stack is up; follow every service's output with stackctl logs -f",
	"timestamps":                 "up returns once the stack is up; stackctl logs -f -t shows the output with timestamps",
	"no-log-prefix":              "up returns once the stack is up; stackctl logs -f --no-log-prefix shows the output without prefixes",
	"renew-anon-volumes":         "up keeps a replaced container's unnamed volumes, named for the replica; stackctl rm -sfv SERVICE removes them, then up makes new ones",
	"no-build":                   "up builds an image only when its build context changed, so an unchanged one is never rebuilt; leave the flag out",
	"menu":                       "up returns once the stack is up: there is no attached session to add shortcuts to",
}

// addRefusedUpFlags declares the refused flags so that using one says
// why, instead of "unknown flag".
func addRefusedUpFlags(cmd *cobra.Command, names ...string) {
	for _, name := range names {
		switch name {
		case "exit-code-from":
			cmd.Flags().String(name, "", "refused: "+refusedUpFlags[name])
		case "attach", "no-attach":
			cmd.Flags().StringArray(name, nil, "refused: "+refusedUpFlags[name])
		case "renew-anon-volumes":
			cmd.Flags().BoolP(name, "V", false, "refused: "+refusedUpFlags[name])
		default:
			cmd.Flags().Bool(name, false, "refused: "+refusedUpFlags[name])
		}
	}
}

// refuseUpFlags fails on the first refused flag given, naming it
// and what does the same.
func refuseUpFlags(cmd *cobra.Command) error {
	for _, name := range slices.Sorted(maps.Keys(refusedUpFlags)) {
		why := refusedUpFlags[name]
		if f := cmd.Flags().Lookup(name); f != nil && f.Changed {
			return fmt.Errorf("--%s: %s", name, why)
		}
	}
	return nil
}

// checkPull accepts the --pull policies stackctl follows: pull an image
// when it is missing ("policy", the file's default, and "missing").
func (opts *upOptions) checkPull() error {
	switch opts.pull {
	case "", "policy", "missing":
		return nil
	case "always":
		return fmt.Errorf("--pull always: up pulls only missing images; run stackctl pull first, then up")
	case "never", "build":
		return fmt.Errorf("--pull %s: up pulls a missing image; leave the flag out, or build the image first (stackctl build)", opts.pull)
	}
	return fmt.Errorf("--pull %q: want always, missing, never or policy", opts.pull)
}
