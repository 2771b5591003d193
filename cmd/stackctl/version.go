package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is this build's: the module's version, else the commit it was
// built from (with "+dirty" for uncommitted changes), else "devel".
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	revision, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if revision == "" {
		return "devel"
	}
	if len(revision) > 12 {
		revision = revision[:12]
	}
	if dirty {
		revision += "+dirty"
	}
	return "devel-" + revision
}

func newVersionCmd(io *streams) *cobra.Command {
	var short bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Show stackctl's version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if short {
				_, err := fmt.Fprintln(io.Out, version())
				return err
			}
			_, err := fmt.Fprintf(io.Out, "stackctl version %s\n", version())
			return err
		},
	}
	cmd.Flags().BoolVar(&short, "short", false, "the version alone")
	return cmd
}
