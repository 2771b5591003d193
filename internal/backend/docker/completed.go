package docker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/walk"
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

// observeCompletions reads the markers, and the identities of the project's
// volumes they are compared with.
func (b *Backend) observeCompletions(ctx context.Context, st *stack.Stack) (map[string]backend.Completion, string, error) {
	list, err := b.engine.VolumeList(ctx, map[string]string{stack.LabelProject: st.Project})
	if err != nil {
		return nil, "", err
	}
	completions := map[string]backend.Completion{}
	for _, v := range list {
		if svc := v.Labels[labelCompleted]; svc != "" {
			completions[svc] = backend.Completion{Hash: v.Labels[labelCompletedHash], Data: v.Labels[labelCompletedData]}
		}
	}
	return completions, dataDigest(st, list), nil
}

// dataDigest fingerprints the project's named volumes as they are now.
func dataDigest(st *stack.Stack, volumes []engine.Volume) string {
	incarnations := map[string]string{}
	for _, v := range volumes {
		incarnations[v.Name] = v.Labels[labelVolumeIncarnation]
	}
	h := sha256.New()
	for _, v := range st.Volumes {
		if !v.External {
			fmt.Fprintf(h, "%s@%s\n", v.Name, incarnations[v.Name])
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// recordCompletion marks the one-shot completed with this configuration on
// this data, and drops its older markers: one look at the project's
// volumes serves both.
func (b *Backend) recordCompletion(ctx context.Context, st *stack.Stack, svc *stack.Service, hash string) error {
	list, err := b.engine.VolumeList(ctx, map[string]string{stack.LabelProject: st.Project})
	if err != nil {
		return err
	}
	data := dataDigest(st, list)
	// Named by all it records: a marker's labels never need changing.
	name := fmt.Sprintf("%s_%s_completed-%s-%s", st.Project, svc.Name, hash[:min(12, len(hash))], data[:min(8, len(data))])
	var old []engine.Volume
	exists := false
	for _, v := range list {
		switch {
		case v.Name == name:
			exists = true
		case v.Labels[labelCompleted] == svc.Name:
			old = append(old, v)
		}
	}
	if !exists {
		labels := volumeLabels(st, name)
		labels[labelCompleted] = svc.Name
		labels[labelCompletedHash] = hash
		labels[labelCompletedData] = data
		labels[LabelUnnamedVolume] = svc.Name + ":completed"
		if err := b.engine.VolumeCreate(ctx, name, labels); err != nil {
			return err
		}
	}
	return walk.Each(old, func(v engine.Volume) error { return b.removeVolume(ctx, v.Name) })
}
