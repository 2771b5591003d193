package docker

import (
	"context"
	"errors"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/stacktest"
	"github.com/stackctl/stackctl/internal/startgate"
)

// markersEngine is an engine whose markers volume is a directory: its
// files are where it says (Mountpoint) or, for an engine in a virtual
// machine, elsewhere (seen).
type markersEngine struct {
	Engine
	local            bool
	mountpoint, seen string
	inspects, copies int
}

func (m *markersEngine) IsLocal() bool { return m.local }

func (m *markersEngine) VolumeInspect(_ context.Context, name string) (engine.Volume, error) {
	m.inspects++
	return engine.Volume{Name: name, Mountpoint: m.mountpoint}, nil
}

func (m *markersEngine) PathSize(_ context.Context, _, p string) (int64, error) {
	if _, err := os.Stat(filepath.Join(m.seen, path.Base(p))); err != nil {
		return 0, engine.ErrNotFound
	}
	return 0, nil
}

func (m *markersEngine) CopyFiles(_ context.Context, _, dir string, files map[string][]byte) error {
	if dir != startgate.MarkerDir {
		return errors.New("copied elsewhere than the markers")
	}
	m.copies++
	for name := range files {
		if err := os.WriteFile(filepath.Join(m.seen, name), nil, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func TestOpenGateWritesTheMarkerOnTheHostOfALocalEngine(t *testing.T) {
	dir := t.TempDir()
	eng := &markersEngine{local: true, mountpoint: dir, seen: dir}
	b := New(eng, nil)
	st := testStack(t)
	for _, token := range []string{"a1", "b2"} {
		if err := b.openGate(testContext(t), st, "id-"+token, "web", token); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, token)); err != nil {
			t.Fatalf("marker %s not in the volume's directory: %v", token, err)
		}
	}
	if eng.copies != 0 {
		t.Fatalf("%d writes through the API, want none", eng.copies)
	}
	if eng.inspects != 1 {
		t.Fatalf("the markers volume asked for %d times, want once", eng.inspects)
	}
}

func TestOpenGateWritesThroughTheAPIWhereTheEngineDoesNotSeeTheHostsFiles(t *testing.T) {
	host, engineSide := t.TempDir(), t.TempDir()
	eng := &markersEngine{local: true, mountpoint: host, seen: engineSide}
	if err := New(eng, nil).openGate(testContext(t), testStack(t), "id", "web", "c3"); err != nil {
		t.Fatal(err)
	}
	if eng.copies != 1 {
		t.Fatalf("%d writes through the API, want 1", eng.copies)
	}
	if _, err := os.Stat(filepath.Join(host, "c3")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the marker written where the engine does not look stayed there: %v", err)
	}
}

func TestOpenGateWritesThroughTheAPIForARemoteEngine(t *testing.T) {
	dir := t.TempDir()
	eng := &markersEngine{local: false, mountpoint: dir, seen: dir}
	if err := New(eng, nil).openGate(testContext(t), testStack(t), "id", "web", "d4"); err != nil {
		t.Fatal(err)
	}
	if eng.copies != 1 || eng.inspects != 0 {
		t.Fatalf("%d API writes and %d volume inspects, want 1 and 0", eng.copies, eng.inspects)
	}
}

func TestOpenGateWritesThroughTheAPIWhenTheVolumesDirectoryIsNotThere(t *testing.T) {
	seen := t.TempDir()
	eng := &markersEngine{local: true, mountpoint: filepath.Join(seen, "gone"), seen: seen}
	if err := New(eng, nil).openGate(testContext(t), testStack(t), "id", "web", "e5"); err != nil {
		t.Fatal(err)
	}
	if eng.copies != 1 {
		t.Fatalf("%d writes through the API, want 1", eng.copies)
	}
}

// On a local engine the gate's binary is copied into its volume's
// directory, whole and executable, and no container is made to write it.
func TestTheGatesBinaryIsCopiedIntoItsVolumeOnTheHostOfALocalEngine(t *testing.T) {
	binary := stacktest.StaticStackctl(t)
	f := newFakeEngine()
	f.local, f.volumeDirsSeen = true, true
	b := New(f, nil, WithStartGate(binary))
	b.probeGap = time.Millisecond
	st := testStack(t)
	if !b.gate.usable(testContext(t), f) {
		t.Fatalf("the gate cannot run on the fake engine: %v", b.gate.err)
	}
	volume, _ := b.gate.volumes(st)
	dir := t.TempDir()
	f.volumeDirs = map[string]string{volume: dir}
	mustUp(t, orchestrator.New(b, nil), st)

	for _, e := range f.Events() {
		if strings.HasPrefix(e, "create "+volume+"-writer") {
			t.Errorf("a container was made to write the gate: %s", e)
		}
	}
	want, err := os.Stat(binary)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.Stat(filepath.Join(dir, "stackctl"))
	if err != nil {
		t.Fatalf("the gate's binary is not in its volume's directory: %v", err)
	}
	if got.Size() != want.Size() || got.Mode().Perm() != 0o755 {
		t.Errorf("the copy is %d bytes, mode %v; want %d bytes, mode 0755", got.Size(), got.Mode().Perm(), want.Size())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the volume's directory holds %v, want just the binary", entries)
	}
}
