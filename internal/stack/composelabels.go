package stack

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Docker Compose's labels (v2 and later, pkg/api/labels.go), which stackctl
// writes beside its own so that `docker compose ps`, `ls` and `down` see a
// stackctl project as one of theirs. stackctl decides nothing by them:
// ownership, replicas and configuration hashes are read from its own labels.
const (
	LabelComposeProject     = "com.docker.compose.project"
	LabelComposeService     = "com.docker.compose.service"
	LabelComposeNumber      = "com.docker.compose.container-number"
	LabelComposeOneOff      = "com.docker.compose.oneoff"
	LabelComposeWorkingDir  = "com.docker.compose.project.working_dir"
	LabelComposeConfigFiles = "com.docker.compose.project.config_files"
	LabelComposeConfigHash  = "com.docker.compose.config-hash"
	LabelComposeDependsOn   = "com.docker.compose.depends_on"
	LabelComposeImage       = "com.docker.compose.image"
	LabelComposeNetwork     = "com.docker.compose.network"
	LabelComposeVolume      = "com.docker.compose.volume"
	LabelComposeVersion     = "com.docker.compose.version"
)

// ComposeVersion is the Compose release whose labels these are, written in
// LabelComposeVersion as Compose writes its own (the core version).
const ComposeVersion = "5.6.0"

// ComposeProjectLabels are the Compose labels of any resource of the
// project: a network or volume adds its key in the file.
func (s *Stack) ComposeProjectLabels() map[string]string {
	return map[string]string{LabelComposeProject: s.Project, LabelComposeVersion: ComposeVersion}
}

// ComposeImageLabels are the Compose labels of an image built for the
// service (pkg/compose/build.go), over the file's build labels, so that
// Compose's listings and down --rmi take the image as the project's.
func (s *Stack) ComposeImageLabels(service string) map[string]string {
	labels := s.ComposeProjectLabels()
	labels[LabelComposeService] = service
	return labels
}

// ComposeServiceLabels are the Compose labels of a container of svc made
// from imageID: replica is its container number, 0 for a one-off (Compose
// numbers no one-off).
func (s *Stack) ComposeServiceLabels(svc *Service, replica int, imageID string) map[string]string {
	labels := s.ComposeProjectLabels()
	labels[LabelComposeService] = svc.Name
	labels[LabelComposeOneOff] = "False"
	if replica > 0 {
		labels[LabelComposeNumber] = strconv.Itoa(replica)
	} else {
		labels[LabelComposeOneOff] = "True"
	}
	labels[LabelComposeWorkingDir] = s.workingDir()
	labels[LabelComposeConfigFiles] = strings.Join(s.configFiles(), ",")
	labels[LabelComposeConfigHash] = s.composeHash(svc, imageID)
	labels[LabelComposeDependsOn] = composeDependsOn(svc.DependsOn)
	labels[LabelComposeImage] = imageID
	return labels
}

// workingDir is the project directory, absolute, as Compose records it.
func (s *Stack) workingDir() string {
	if s.Source == nil {
		return ""
	}
	return s.Source.WorkingDir
}

// configFiles are the compose files the stack was loaded from, absolute;
// the built-in stack's is what Files records for it, since it has no file
// on disk.
func (s *Stack) configFiles() []string {
	files := make([]string, 0, len(s.Files))
	for _, f := range s.Files {
		if f != BuiltinFile && !filepath.IsAbs(f) {
			if abs, err := filepath.Abs(f); err == nil {
				f = abs
			}
		}
		files = append(files, f)
	}
	return files
}

// composeDependsOn is Compose's depends_on label: service:condition:restart
// for each dependency, comma separated, sorted so that the label is the
// same on every container of the service.
func composeDependsOn(deps []Dependency) string {
	out := make([]string, 0, len(deps))
	for _, d := range deps {
		out = append(out, fmt.Sprintf("%s:%s:%t", d.Service, d.Condition, d.Restart))
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

// composeHash is the config-hash Compose computes for the service as the
// file declares it (pkg/compose/hash.go: the service's configuration
// without build, pull policy, scale, replicas, depends_on and profiles, as
// JSON, through SHA-256), so Compose compares it with its own. A service
// stackctl adds (an edge) has no such configuration: it gets the SHA-256
// of what stackctl's own hash covers, in the same form.
func (s *Stack) composeHash(svc *Service, imageID string) string {
	var payload []byte
	var err error
	if src, ok := s.sourceService(svc.Name); ok {
		src.Build, src.PullPolicy, src.Scale, src.DependsOn, src.Profiles = nil, "", nil, nil, nil
		if src.Deploy != nil {
			deploy := *src.Deploy
			deploy.Replicas = nil
			src.Deploy = &deploy
		}
		payload, err = json.Marshal(src)
	} else {
		payload, err = s.hashPayload(svc, imageID)
	}
	if err != nil {
		// Plain data marshals; a hash of the error still differs if not.
		payload = []byte(err.Error())
	}
	sum := sha256.Sum256(payload)
	return hex.EncodeToString(sum[:])
}

// ComposeHash is the service's configuration hash as Compose computes it
// (composeHash), for config --hash.
func (s *Stack) ComposeHash(svc *Service) string { return s.composeHash(svc, "") }

// ComposeNetworkHash is the config-hash Compose labels the file's network
// key with (pkg/compose/hash.go: the network's configuration as JSON,
// through SHA-256), so that Compose finds the network unchanged; "" for a
// network the file does not declare.
func (s *Stack) ComposeNetworkHash(key string) string {
	if s.Source == nil {
		return ""
	}
	n, ok := s.Source.Networks[key]
	if !ok {
		return ""
	}
	return hashJSON(&n)
}

// ComposeVolumeHash is ComposeNetworkHash for the file's volume key; as
// Compose does, it hashes an unset driver as "local".
func (s *Stack) ComposeVolumeHash(key string) string {
	if s.Source == nil {
		return ""
	}
	v, ok := s.Source.Volumes[key]
	if !ok {
		return ""
	}
	v.Driver = cmp.Or(v.Driver, "local")
	return hashJSON(v)
}

// hashJSON is the SHA-256 of v as JSON, in hex, as Compose's hashes are.
func hashJSON(v any) string {
	payload, err := json.Marshal(v)
	if err != nil {
		// Plain data marshals; a hash of the error still differs if not.
		payload = []byte(err.Error())
	}
	sum := sha256.Sum256(payload)
	return hex.EncodeToString(sum[:])
}
