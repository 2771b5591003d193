// Command leakcheck snapshots the Docker engine before a test run and, after
// it, fails listing every container, volume, network and image the run
// added and does not account for (leakcheck.Accounted). `make test` wraps
// its engine stages in it:
//
//	leakcheck snapshot FILE   # before
//	leakcheck check FILE      # after: exit 1 on a leak
//
// Nothing is ever removed: what existed before is not reported, and a leak
// is for the tests' authors to fix.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/docker/docker/client"
	"github.com/stackctl/stackctl/internal/enginetest/leakcheck"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "leakcheck:", err)
		if errors.Is(err, errLeaked) {
			os.Exit(1)
		}
		os.Exit(2)
	}
}

var errLeaked = errors.New("the run left resources on the engine")

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("leakcheck", flag.ContinueOnError)
	// Removals the engine finishes after the tests returned (an auto-removed
	// container, a swarm task's container) are not leaks: what is still
	// there after settle is.
	settle := fs.Duration("settle", 20*time.Second, "how long `check` waits for resources to go before it reports them")
	if len(args) < 2 {
		return fmt.Errorf("usage: leakcheck snapshot|check [-settle D] FILE")
	}
	verb := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: leakcheck snapshot|check [-settle D] FILE")
	}
	file := fs.Arg(0)
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return fmt.Errorf("connect to the engine: %w", err)
	}
	defer api.Close()
	switch verb {
	case "snapshot":
		return snapshot(ctx, api, file)
	case "check":
		return check(ctx, api, file, *settle)
	default:
		return fmt.Errorf("unknown command %q: snapshot or check", verb)
	}
}

func snapshot(ctx context.Context, api *client.Client, file string) error {
	snap, err := leakcheck.Take(ctx, api)
	if err != nil {
		return err
	}
	data, err := json.Marshal(snap)
	if err != nil {
		return fmt.Errorf("encode the snapshot: %w", err)
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		return fmt.Errorf("write the snapshot to %s: %w", file, err)
	}
	fmt.Fprintf(os.Stderr, "leakcheck: %d resources on the engine before the run (%s)\n", len(snap.Resources), file)
	return nil
}

func check(ctx context.Context, api *client.Client, file string, settle time.Duration) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("read the snapshot %s: %w", file, err)
	}
	var before leakcheck.Snapshot
	if err := json.Unmarshal(data, &before); err != nil {
		return fmt.Errorf("decode the snapshot %s: %w", file, err)
	}
	deadline := time.Now().Add(settle)
	var res leakcheck.Result
	for {
		after, err := leakcheck.Take(ctx, api)
		if err != nil {
			return err
		}
		res = leakcheck.Compare(before, after, leakcheck.Accounted)
		if len(res.Leaks) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	for rule, rs := range res.Accounted {
		fmt.Fprintf(os.Stderr, "leakcheck: %d new, accounted for as %s:\n", len(rs), rule)
		if err := leakcheck.Report(os.Stderr, rs); err != nil {
			return err
		}
	}
	if len(res.Leaks) == 0 {
		fmt.Fprintf(os.Stderr, "leakcheck: nothing left on the engine since %s\n", before.Taken.Format(time.RFC3339))
		return nil
	}
	fmt.Fprintf(os.Stderr, "leakcheck: %d resources made since %s are still on the engine (after %s):\n", len(res.Leaks), before.Taken.Format(time.RFC3339), settle)
	if err := leakcheck.Report(os.Stderr, res.Leaks); err != nil {
		return err
	}
	return errLeaked
}
