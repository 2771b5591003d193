package stack

// LocalImage says svc runs an image the project builds under the name
// Compose gives it (no image: of the file's): the images down --rmi local
// removes.
func (s *Stack) LocalImage(svc *Service) bool {
	return svc.Build != nil && svc.Image == defaultImage(s.Project, svc.Name)
}
