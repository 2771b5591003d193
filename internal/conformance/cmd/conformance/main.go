// Command conformance brings each runnable fixture of internal/conformance
// up with Docker Compose and with stackctl, in turn, under the same project
// name, and compares what the engine holds after each, field by field. It
// fails when a difference is not in the allowlist, when either tool fails
// where the other does not, and when Compose or the engine is missing.
// `make conformance` runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/stackctl/stackctl/internal/conformance"
)

func main() {
	var opts conformance.RunOptions
	flag.StringVar(&opts.Fixtures, "fixtures", "internal/conformance/testdata/fixtures", "the fixtures' directory")
	flag.StringVar(&opts.Stackctl, "stackctl", "bin/stackctl", "the stackctl binary under test")
	flag.StringVar(&opts.ImagesScript, "images-script", "scripts/images.sh", "the script that builds the stand-ins the fixtures need")
	flag.StringVar(&opts.Prefix, "prefix", "conf", "the prefix of the projects' names")
	flag.StringVar(&opts.Only, "only", "", "run only the fixture of this name")
	flag.BoolVar(&opts.Verbose, "v", false, "list the allowlisted differences too")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts.Out = os.Stdout
	if err := conformance.Run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(1)
	}
}
