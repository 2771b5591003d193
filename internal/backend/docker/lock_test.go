package docker

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
)

// deadPid is the pid of a process that has exited.
func deadPid(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(cmd.Process.Pid)
}

// lockLabels are the labels of a lock (or claim) of project p held by pid
// on this machine with token.
func lockLabels(t *testing.T, pid, token string) map[string]string {
	t.Helper()
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{labelLock: "p", labelLockHost: host, labelLockPid: pid, labelLockOwner: "run " + token, labelLockToken: token}
}

// The lock is a volume of its own, no container and no image: a second
// run is refused while it is held and told by whom, and releasing it
// removes it.
func TestLockIsAVolumeHeldUntilReleased(t *testing.T) {
	f := newFakeEngine()
	b := New(f, nil)
	ctx := testContext(t)

	unlock, err := b.Lock(ctx, "p", 0)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	labels, ok := f.volumes[lockName("p")]
	if !ok || labels[labelLock] != "p" || labels[labelLockToken] == "" {
		t.Fatalf("lock volume %s: %v (there: %v), want one labelled for p with a token", lockName("p"), labels, ok)
	}
	if len(f.containers) != 0 || len(f.made) != 0 {
		t.Errorf("Lock made containers %v and images %v, want none", f.containers, f.made)
	}
	_, err = b.Lock(ctx, "p", 0)
	var locked *backend.LockedError
	if !errors.As(err, &locked) || locked.Project != "p" || locked.Owner != labels[labelLockOwner] {
		t.Fatalf("second Lock = %v, want a LockedError naming %q", err, labels[labelLockOwner])
	}
	unlock()
	if _, ok := f.volumes[lockName("p")]; ok {
		t.Error("unlock left the lock volume")
	}
}

// A lock whose holder died is taken over, and the claim that made the
// takeover one run's is gone after it.
func TestLockIsTakenOverFromADeadHolder(t *testing.T) {
	f := newFakeEngine()
	b := New(f, nil)
	ctx := testContext(t)
	f.volumes[lockName("p")] = lockLabels(t, deadPid(t), "dead")

	unlock, err := b.Lock(ctx, "p", 0)
	if err != nil {
		t.Fatalf("Lock over a dead holder: %v", err)
	}
	if got := f.volumes[lockName("p")][labelLockToken]; got == "dead" || got == "" {
		t.Errorf("lock token after the takeover = %q, want this run's", got)
	}
	if _, ok := f.volumes[lockName("p")+".dead"]; ok {
		t.Error("the takeover's claim was left")
	}
	unlock()
	if len(f.volumes) != 0 {
		t.Errorf("volumes left: %v", f.volumes)
	}
}

// A run that saw a dead holder's lock, but claims it only after another
// run took it over and released its claim, must not remove the lock the
// other run now holds: it finds another token under the name.
func TestTakeOverLeavesALockTakenOverMeanwhile(t *testing.T) {
	f := newFakeEngine()
	b := New(f, nil)
	ctx := testContext(t)
	host, _ := os.Hostname()
	seen := engine.Volume{Name: lockName("p"), Labels: lockLabels(t, deadPid(t), "dead")}
	f.volumes[lockName("p")] = lockLabels(t, fmt.Sprint(os.Getpid()), "newer")

	if _, err := b.takeOver(ctx, seen, lockLabels(t, fmt.Sprint(os.Getpid()), "mine"), host); err != nil {
		t.Fatalf("takeOver: %v", err)
	}
	if got := f.volumes[lockName("p")][labelLockToken]; got != "newer" {
		t.Errorf("lock token = %q, want the newer holder's still", got)
	}
	if _, ok := f.volumes[lockName("p")+".dead"]; ok {
		t.Error("the claim was left")
	}
}

// A claim whose holder died during its takeover is taken over the same way.
func TestAClaimOfADeadTakerIsTakenOverToo(t *testing.T) {
	f := newFakeEngine()
	b := New(f, nil)
	ctx := testContext(t)
	f.volumes[lockName("p")] = lockLabels(t, deadPid(t), "dead")
	f.volumes[lockName("p")+".dead"] = lockLabels(t, deadPid(t), "taker")

	unlock, err := b.Lock(ctx, "p", 0)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	unlock()
	if len(f.volumes) != 0 {
		t.Errorf("volumes left: %v", f.volumes)
	}
}

// A claim whose holder lives is its holder's to finish: the lock stays, and
// this run waits for it like for any holder.
func TestALiveClaimIsLeftToItsHolder(t *testing.T) {
	f := newFakeEngine()
	b := New(f, nil)
	ctx := testContext(t)
	f.volumes[lockName("p")] = lockLabels(t, deadPid(t), "dead")
	f.volumes[lockName("p")+".dead"] = lockLabels(t, fmt.Sprint(os.Getpid()), "taker")

	_, err := b.Lock(ctx, "p", 0)
	var locked *backend.LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("Lock = %v, want a LockedError while another run takes the lock over", err)
	}
	if f.volumes[lockName("p")][labelLockToken] != "dead" || f.volumes[lockName("p")+".dead"][labelLockToken] != "taker" {
		t.Errorf("volumes = %v, want the dead holder's lock and the live claim untouched", f.volumes)
	}
}

// A volume under the lock's name that is no lock of the project is not
// taken, and the error names it.
func TestLockRefusesAVolumeThatIsNoLock(t *testing.T) {
	f := newFakeEngine()
	b := New(f, nil)
	f.volumes[lockName("p")] = map[string]string{"made": "by hand"}

	_, err := b.Lock(testContext(t), "p", 0)
	var notOwned *backend.NotOwnedError
	if !errors.As(err, &notOwned) || notOwned.Kind != "volume" || notOwned.Name != lockName("p") {
		t.Fatalf("Lock = %v, want a NotOwnedError for volume %s", err, lockName("p"))
	}
	if _, ok := f.volumes[lockName("p")]; !ok {
		t.Error("the volume that is no lock was removed")
	}
}

// A lock of a dead holder that carries no token (made by hand, or by a
// run that lost it) is taken over by its name.
func TestALockOfNoTokenIsTakenOverByName(t *testing.T) {
	f := newFakeEngine()
	b := New(f, nil)
	ctx := testContext(t)
	labels := lockLabels(t, deadPid(t), "")
	delete(labels, labelLockToken)
	f.volumes[lockName("p")] = labels

	unlock, err := b.Lock(ctx, "p", 0)
	if err != nil {
		t.Fatalf("Lock over a dead holder of no token: %v", err)
	}
	if got := f.volumes[lockName("p")][labelLockToken]; got == "" {
		t.Error("the lock is not this run's after the takeover")
	}
	unlock()
}

// A run that died between removing the lock it took over and removing its
// claim leaves the claim, which no later lock looks for: down removes it,
// nested claims too, in both modes. A live run's claim, another project's,
// and a volume of the lock's label but not of its names stay.
func TestDownRemovesTheClaimsDeadRunsLeftOnTheLock(t *testing.T) {
	for _, withVolumes := range []bool{false, true} {
		t.Run(fmt.Sprintf("volumes=%v", withVolumes), func(t *testing.T) {
			f, o, st := upStack(t)
			of := func(project, pid, token string) map[string]string {
				l := lockLabels(t, pid, token)
				l[labelLock] = project
				return l
			}
			dead, live := deadPid(t), fmt.Sprint(os.Getpid())
			left := []string{lockName(st.Project) + ".gone", lockName(st.Project) + ".gone.gone2"}
			kept := []string{lockName(st.Project) + ".busy", lockName("shop") + ".gone", "elsewhere"}
			f.volumes[left[0]] = of(st.Project, dead, "taker")
			f.volumes[left[1]] = of(st.Project, dead, "taker2")
			f.volumes[kept[0]] = of(st.Project, live, "busy")
			f.volumes[kept[1]] = of("shop", dead, "taker3")
			f.volumes[kept[2]] = of(st.Project, dead, "taker4")

			if err := o.Down(testContext(t), st, backend.DownOptions{Volumes: withVolumes}); err != nil {
				t.Fatalf("Down: %v", err)
			}
			for _, name := range left {
				if _, ok := f.volumes[name]; ok {
					t.Errorf("claim %s of a dead run is still there", name)
				}
			}
			for _, name := range kept {
				if _, ok := f.volumes[name]; !ok {
					t.Errorf("Down removed volume %s", name)
				}
			}
		})
	}
}
