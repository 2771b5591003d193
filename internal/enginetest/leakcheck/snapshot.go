// Package leakcheck compares the Docker engine before and after a test run:
// every container, volume, network and image the run left behind that it
// does not account for is a leak. The tests' own checks look only at their
// project's labels; this one sees the whole engine, so an anonymous volume,
// a dangling image or an unlabelled container is not missed.
package leakcheck

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
)

// The kinds of resource a snapshot holds.
const (
	KindContainer = "container"
	KindVolume    = "volume"
	KindNetwork   = "network"
	KindImage     = "image"
)

// Resource is one thing on the engine, with what a reader needs to tell
// whose it is.
type Resource struct {
	Kind    string            `json:"kind"`
	ID      string            `json:"id"`             // a volume's is its name
	Name    string            `json:"name,omitempty"` // an image's: its first tag
	Tags    []string          `json:"tags,omitempty"` // images only
	Image   string            `json:"image,omitempty"`
	Labels  map[string]string `json:"labels,omitempty"`
	Created time.Time         `json:"created"`
	Note    string            `json:"note,omitempty"` // how it came to be listed, when not by being new
}

// Key identifies the resource across snapshots: a kind and an ID (a
// volume's ID is its name). A resource removed and made again under the
// same name is another container, network or image, so a new key.
func (r Resource) Key() string { return r.Kind + "/" + r.ID }

// Snapshot is everything on the engine at one moment.
type Snapshot struct {
	Taken     time.Time  `json:"taken"`
	Resources []Resource `json:"resources"`
}

// Take lists the engine's containers (stopped ones too), volumes, networks
// and top-level images. Intermediate images of the classic builder, those
// with a child, are left out as `docker images` leaves them out: they go
// and stay with the image built on them, which is listed.
func Take(ctx context.Context, api *client.Client) (Snapshot, error) {
	snap := Snapshot{Taken: time.Now().UTC()}
	containers, err := api.ContainerList(ctx, container.ListOptions{All: true})
	if err != nil {
		return Snapshot{}, fmt.Errorf("list the engine's containers: %w", err)
	}
	for _, c := range containers {
		name := ""
		if len(c.Names) > 0 {
			name = trimSlash(c.Names[0])
		}
		snap.Resources = append(snap.Resources, Resource{
			Kind: KindContainer, ID: c.ID, Name: name, Image: c.Image,
			Labels: c.Labels, Created: time.Unix(c.Created, 0).UTC(),
		})
	}
	volumes, err := api.VolumeList(ctx, volume.ListOptions{})
	if err != nil {
		return Snapshot{}, fmt.Errorf("list the engine's volumes: %w", err)
	}
	for _, v := range volumes.Volumes {
		created, _ := time.Parse(time.RFC3339, v.CreatedAt)
		snap.Resources = append(snap.Resources, Resource{
			Kind: KindVolume, ID: v.Name, Name: v.Name, Labels: v.Labels, Created: created.UTC(),
		})
	}
	networks, err := api.NetworkList(ctx, network.ListOptions{})
	if err != nil {
		return Snapshot{}, fmt.Errorf("list the engine's networks: %w", err)
	}
	for _, n := range networks {
		snap.Resources = append(snap.Resources, Resource{
			Kind: KindNetwork, ID: n.ID, Name: n.Name, Labels: n.Labels, Created: n.Created.UTC(),
		})
	}
	images, err := api.ImageList(ctx, image.ListOptions{})
	if err != nil {
		return Snapshot{}, fmt.Errorf("list the engine's images: %w", err)
	}
	for _, img := range images {
		r := Resource{Kind: KindImage, ID: img.ID, Labels: img.Labels, Created: time.Unix(img.Created, 0).UTC()}
		for _, tag := range img.RepoTags {
			if tag != "<none>:<none>" {
				r.Tags = append(r.Tags, tag)
			}
		}
		sort.Strings(r.Tags)
		if len(r.Tags) > 0 {
			r.Name = r.Tags[0]
		}
		snap.Resources = append(snap.Resources, r)
	}
	return snap, nil
}

func trimSlash(name string) string {
	if len(name) > 0 && name[0] == '/' {
		return name[1:]
	}
	return name
}
