package bench

import (
	"context"
	"strings"
	"testing"
)

// TestInvocationRecordsMaxRSS runs a shell whose child (dd, with a 40 MiB
// buffer) uses far more memory than the shell: the peak counts the
// descendants the tool waited for, as `docker compose` runs the Compose
// plugin as its child.
//
// It also checks what the wrapper is for: this test process holds 64 MiB,
// and a shell it runs through the wrapper is still measured at a few MiB,
// not at this process's size.
func TestInvocationRecordsMaxRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds bench/cmd/maxrss")
	}
	wrapper, err := buildMaxRSS(context.Background(), "..", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ballast := make([]byte, 64<<20)
	for i := range ballast {
		ballast[i] = 1
	}
	tool := &Tool{Name: "sh", argv: []string{"sh", "-c"}, rssWrapper: wrapper}
	run, err := tool.run(context.Background(), []string{"dd if=/dev/zero of=/dev/null bs=40M count=1 2>/dev/null"})
	if err != nil {
		t.Fatal(err)
	}
	if run.MaxRSSKiB < 40*1024 || run.MaxRSSKiB > 60*1024 {
		t.Errorf("max RSS %d KiB, want dd's 40 MiB buffer and a little more", run.MaxRSSKiB)
	}
	small, err := tool.run(context.Background(), []string{"exit 0"})
	if err != nil {
		t.Fatal(err)
	}
	if small.MaxRSSKiB <= 0 || small.MaxRSSKiB > 16*1024 {
		t.Errorf("max RSS of a bare shell %d KiB, want a few MiB: not this process's 64 MiB", small.MaxRSSKiB)
	}
	if small.RSSFloorKiB <= 0 || small.RSSFloorKiB > 16*1024 {
		t.Errorf("the wrapper's own peak %d KiB, want a few MiB", small.RSSFloorKiB)
	}
	// The exit code passes through.
	if _, err := tool.run(context.Background(), []string{"exit 3"}); err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("exit 3 through the wrapper: err = %v", err)
	}
	// Without the wrapper nothing is measured.
	plain := &Tool{Name: "sh", argv: []string{"sh", "-c"}}
	if run, err := plain.run(context.Background(), []string{"exit 0"}); err != nil || run.MaxRSSKiB != 0 {
		t.Errorf("without the wrapper: %d KiB, %v; want nothing measured", run.MaxRSSKiB, err)
	}
	_ = ballast[len(ballast)-1]
}

func TestComposeCanWait(t *testing.T) {
	ctx := context.Background()
	// argv, then "up --help" as the script's arguments.
	help := func(text string) []string { return []string{"sh", "-c", "printf '%s\\n' \"" + text + "\"", "compose"} }
	if !composeCanWait(ctx, help("  -d, --detach   Detached mode\n      --wait   Wait for services to be running|healthy")) {
		t.Error("--wait listed: want true")
	}
	if composeCanWait(ctx, help("  -d   Detached mode\n      --wait-timeout int   Maximum duration")) {
		t.Error("only --wait-timeout listed: want false")
	}
	if composeCanWait(ctx, []string{"sh", "-c", "echo --wait; exit 1"}) {
		t.Error("help failed: want false")
	}
}
