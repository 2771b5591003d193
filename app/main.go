// Command app is stackctl's web tier: an HTTP service that counts visits in
// PostgreSQL and caches the count in Redis.
//
// Usage:
//
//	app [serve]        serve HTTP until SIGTERM or SIGINT (the default)
//	app migrate        create or upgrade the database schema, then exit
//	app healthcheck [PATH]  exit 0 if the local server answers PATH
//	                        (default /healthz) with 200
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

const usage = `usage: app [serve | migrate | healthcheck [PATH]]

  serve               serve HTTP until SIGTERM or SIGINT (default)
  migrate             create or upgrade the database schema, then exit
  healthcheck [PATH]  exit 0 if the local server answers PATH (default
                      /healthz, liveness; /readyz also checks PostgreSQL)
                      with 200
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run returns the process exit code: 0 on success, 1 when the command
// failed, 2 for a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	log := slog.New(slog.NewJSONHandler(stdout, nil))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		// After the first signal starts a graceful shutdown, restore the
		// default handling so a second one kills the process at once.
		<-ctx.Done()
		stop()
	}()

	command := "serve"
	if len(args) > 0 {
		command = args[0]
	}
	path := "/healthz"
	switch {
	case command == "healthcheck" && len(args) == 2 && strings.HasPrefix(args[1], "/"):
		path = args[1]
	case len(args) > 1:
		fmt.Fprint(stderr, usage)
		return 2
	}

	var err error
	switch command {
	case "serve":
		err = serve(ctx, log)
	case "migrate":
		err = migrateSchema(ctx, log)
	case "healthcheck":
		err = healthcheck(ctx, path)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "unknown command %q\n%s", command, usage)
		return 2
	}
	if err != nil {
		log.Error(command+" failed", "error", err.Error())
		return 1
	}
	return 0
}
