package backend

// ImageStatus is the image one service runs.
type ImageStatus struct {
	Service string `json:"service"`
	Image   string `json:"image"`
	// ID is empty when the image is not on the engine.
	ID    string `json:"id"`
	Built bool   `json:"built"`
}
