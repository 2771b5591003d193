package orchestrator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// A one-shot that completed (a schema migration) is remembered by a marker:
// an empty volume of the project's, labelled with the one-shot's
// configuration (image included) and with the data it ran against — the
// project's named volumes, by name and the identity each got when stackctl
// made it. While both still
// hold, the one-shot is not run again: after a down that kept the volumes,
// the next up goes straight from the database to the app. A new image, a
// changed configuration, or data volumes made anew (down -v, a volume
// removed by hand) run it again. down -v removes the markers with the data.
const (
	// labelVolumeIncarnation tells a volume from an earlier one of its name.
	labelVolumeIncarnation = "io.stackctl.volume-id"
	labelCompleted         = "io.stackctl.completed"
	labelCompletedHash     = "io.stackctl.completed-hash"
	labelCompletedData     = "io.stackctl.completed-data"
)

// Completion is what a marker says of a one-shot's last successful run.
type Completion struct {
	Hash string
	Data string
}

// dataDigest fingerprints the project's named volumes as they are now.
func dataDigest(st *stack.Stack, incarnations map[string]string) string {
	h := sha256.New()
	for _, v := range st.Volumes {
		if !v.External {
			fmt.Fprintf(h, "%s@%s\n", v.Name, incarnations[v.Name])
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// observeCompletions reads the markers, and the identities of the project's
// volumes they are compared with.
func (o *Orchestrator) observeCompletions(ctx context.Context, st *stack.Stack) (map[string]Completion, string, error) {
	list, err := o.engine.VolumeList(ctx, map[string]string{stack.LabelProject: st.Project})
	if err != nil {
		return nil, "", err
	}
	incarnations := map[string]string{}
	completions := map[string]Completion{}
	for _, v := range list {
		incarnations[v.Name] = v.Labels[labelVolumeIncarnation]
		if svc := v.Labels[labelCompleted]; svc != "" {
			completions[svc] = Completion{Hash: v.Labels[labelCompletedHash], Data: v.Labels[labelCompletedData]}
		}
	}
	return completions, dataDigest(st, incarnations), nil
}

// recordCompletion marks the one-shot completed with this configuration on
// this data, and drops its older markers.
func (o *Orchestrator) recordCompletion(ctx context.Context, st *stack.Stack, svc *stack.Service, hash string) error {
	_, data, err := o.observeCompletions(ctx, st)
	if err != nil {
		return err
	}
	// Named by all it records: a marker's labels never need changing.
	name := fmt.Sprintf("%s_%s_completed-%s-%s", st.Project, svc.Name, hash[:min(12, len(hash))], data[:min(8, len(data))])
	labels := st.ProjectLabels()
	labels[labelCompleted] = svc.Name
	labels[labelCompletedHash] = hash
	labels[labelCompletedData] = data
	labels[LabelUnnamedVolume] = svc.Name + ":completed"
	_, err = o.engine.VolumeInspect(ctx, name)
	switch {
	case errors.Is(err, engine.ErrNotFound):
		if err := o.engine.VolumeCreate(ctx, name, labels); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	old, err := o.engine.VolumeList(ctx, map[string]string{stack.LabelProject: st.Project, labelCompleted: svc.Name})
	if err != nil {
		return err
	}
	old = slices.DeleteFunc(old, func(v engine.Volume) bool { return v.Name == name })
	return forEach(old, func(v engine.Volume) error { return o.removeVolume(ctx, v.Name) })
}
