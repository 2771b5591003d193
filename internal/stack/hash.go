package stack

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/compose-spec/compose-go/v2/types"
)

// labelSet names the labels a container carries besides the service's own:
// containers made with another set lack some, so they are out of date.
// Change it when a label is added; the values of Compose's labels that
// depend on how the project was invoked (its files, its directory) are
// left out, so running the same file from elsewhere recreates nothing.
const labelSet = "stackctl+compose-5.6.0"

// ConfigHash fingerprints what a container of svc is made from: the service's
// settings, the exact image it runs and the set of labels it carries. A
// container whose label holds another hash is out of date and gets
// recreated. The replica count is left out, so scaling never recreates the
// replicas that stay.
func (s *Stack) ConfigHash(svc *Service, imageID string) string {
	payload, err := s.hashPayload(svc, imageID)
	if err != nil {
		// Service holds only plain data, so this cannot happen; a hash of
		// the error still changes if it ever does.
		payload = []byte(err.Error())
	}
	sum := sha256.Sum256(payload)
	return hex.EncodeToString(sum[:])[:32]
}

// hashPayload is what ConfigHash hashes.
func (s *Stack) hashPayload(svc *Service, imageID string) ([]byte, error) {
	shape := *svc
	shape.Replicas = 0
	shape.ReplicasFixed = false
	shape.Build = nil
	return json.Marshal(struct {
		Project  string
		Service  Service
		ImageID  string
		LabelSet string
	}{s.ProjectName(), shape, imageID, labelSet})
}

// sourceService is the service as the resolved Compose project declares it.
func (s *Stack) sourceService(name string) (types.ServiceConfig, bool) {
	if s.Source == nil {
		return types.ServiceConfig{}, false
	}
	svc, ok := s.Source.Services[name]
	return svc, ok
}
