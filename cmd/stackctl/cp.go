package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

type cpOptions struct {
	*globalOptions
	index int
	copy  backend.CopyOptions
}

func newCpCmd(g *globalOptions, runF func(context.Context, *cpOptions) error) *cobra.Command {
	opts := &cpOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "cp [--index N] SERVICE:SRC_PATH DEST_PATH|-, or SRC_PATH|- SERVICE:DEST_PATH",
		Short: "Copy files between a service's containers and this machine",
		Long: "cp copies a file or a directory through the engine's archive API, as docker\n" +
			"compose cp does: into the service, every replica gets it unless --index names\n" +
			"one; out of it, from the first replica or replica --index. - is a tar archive\n" +
			"on standard input or output.",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := parseCopy(args[0], args[1])
			if err != nil {
				return err
			}
			c.Index = opts.index
			opts.copy = c
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCp(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&opts.index, "index", 0, "the replica (1, 2, ...); default: into the service every one, out of it the first")
	return cmd
}

// parseCopy reads cp's two arguments: exactly one names a service, as
// SERVICE:PATH. A path of this machine that holds a colon is written with
// a directory in front (./a:b), as with docker cp.
func parseCopy(src, dst string) (backend.CopyOptions, error) {
	srcService, srcPath := splitServicePath(src)
	dstService, dstPath := splitServicePath(dst)
	switch {
	case srcService != "" && dstService != "":
		return backend.CopyOptions{}, errors.New("cp: copying between services is not supported; copy to this machine, then on")
	case srcService != "":
		return backend.CopyOptions{Service: srcService, Path: srcPath, Local: dst}, nil
	case dstService != "":
		return backend.CopyOptions{Service: dstService, Path: dstPath, Local: src, ToInstance: true}, nil
	}
	return backend.CopyOptions{}, errors.New("cp: name a service's path as SERVICE:PATH on one side")
}

// splitServicePath splits SERVICE:PATH; a path of this machine (absolute,
// or starting with a dot) names no service.
func splitServicePath(arg string) (service, path string) {
	if filepath.IsAbs(arg) || strings.HasPrefix(arg, ".") {
		return "", arg
	}
	service, path, ok := strings.Cut(arg, ":")
	if !ok {
		return "", arg
	}
	return service, path
}

func runCp(ctx context.Context, opts *cpOptions) error {
	orch, st, err := opts.open(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	c := opts.copy
	c.Stdin, c.Stdout = opts.io.In, opts.io.Out
	return orch.Copy(ctx, st, c)
}
