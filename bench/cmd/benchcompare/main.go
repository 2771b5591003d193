// Command benchcompare compares two results files of stackbench (-json):
// which medians moved by more than the noise, judged from the overlap of
// the runs' min-max ranges (see bench.Judge). It exits 1 when anything
// regressed, so it can gate a change, and 2 when it cannot compare.
//
//	go run ./cmd/benchcompare OLD.json NEW.json   (in bench/)
package main

import (
	"fmt"
	"os"

	"github.com/stackctl/stackctl/bench"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: benchcompare OLD.json NEW.json")
		os.Exit(2)
	}
	old, err := bench.ReadReport(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchcompare:", err)
		os.Exit(2)
	}
	cur, err := bench.ReadReport(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchcompare:", err)
		os.Exit(2)
	}
	cs := bench.Compare(old, cur)
	if len(cs) == 0 {
		fmt.Fprintln(os.Stderr, "benchcompare: neither file has any sample")
		os.Exit(2)
	}
	bench.PrintComparison(os.Stdout, os.Args[1], os.Args[2], cs)
	if bench.AnyRegressed(cs) {
		os.Exit(1)
	}
}
