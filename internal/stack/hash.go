package stack

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// ConfigHash fingerprints what a container of svc is made from: the service's
// settings and the exact image it runs. A container whose label holds another
// hash is out of date and gets recreated. The replica count is left out, so
// scaling never recreates the replicas that stay.
func (s *Stack) ConfigHash(svc *Service, imageID string) string {
	shape := *svc
	shape.Replicas = 0
	shape.ReplicasFixed = false
	shape.Build = nil
	payload, err := json.Marshal(struct {
		Project string
		Service Service
		ImageID string
	}{s.ProjectName(), shape, imageID})
	if err != nil {
		// Service holds only plain data, so this cannot happen; a hash of
		// the error still changes if it ever does.
		payload = []byte(err.Error())
	}
	sum := sha256.Sum256(payload)
	return hex.EncodeToString(sum[:])[:32]
}
