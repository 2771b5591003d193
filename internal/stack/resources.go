package stack

// Resources are the limits a service's containers run under, from the
// service's own keys (mem_limit, cpus, pids_limit...) and, over them,
// deploy.resources, as Compose merges them. Zero values leave the engine's
// default.
type Resources struct {
	// NanoCPUs is cpus (or deploy.resources.limits.cpus) in billionths.
	NanoCPUs          int64             `json:",omitempty"`
	CPUShares         int64             `json:",omitempty"`
	CPUQuota          int64             `json:",omitempty"`
	CPUPeriod         int64             `json:",omitempty"`
	CPUSet            string            `json:",omitempty"`
	Memory            int64             `json:",omitempty"`
	MemoryReservation int64             `json:",omitempty"`
	MemorySwap        int64             `json:",omitempty"`
	MemorySwappiness  *int64            `json:",omitempty"`
	PidsLimit         *int64            `json:",omitempty"`
	ShmSize           int64             `json:",omitempty"`
	OomScoreAdj       int               `json:",omitempty"`
	OomKillDisable    bool              `json:",omitempty"`
	Ulimits           []Ulimit          `json:",omitempty"`
	Devices           []Device          `json:",omitempty"`
	DeviceCgroupRules []string          `json:",omitempty"`
	DeviceRequests    []DeviceRequest   `json:",omitempty"`
	StorageOpt        map[string]string `json:",omitempty"`
	// CPUCount and CPUPercent are Windows'; CPURealtime* the real-time
	// scheduler's.
	CPUCount           int64  `json:",omitempty"`
	CPUPercent         int64  `json:",omitempty"`
	CPURealtimePeriod  int64  `json:",omitempty"`
	CPURealtimeRuntime int64  `json:",omitempty"`
	Blkio              *Blkio `json:",omitempty"`
	// ReservedNanoCPUs is deploy.resources.reservations.cpus, which a
	// swarm reserves for a task; one engine reserves no CPU (the memory
	// reservation is MemoryReservation).
	ReservedNanoCPUs int64 `json:",omitempty"`
}

// Ulimit is one of ulimits, sorted by name.
type Ulimit struct {
	Name string
	Soft int64
	Hard int64
}

// Device is a host device made available in the container (devices).
type Device struct {
	PathOnHost        string
	PathInContainer   string
	CgroupPermissions string `json:",omitempty"`
}

// DeviceRequest asks the engine for devices through a driver: gpus, a
// CDI device of devices, or deploy.resources.reservations.devices.
type DeviceRequest struct {
	Driver       string            `json:",omitempty"`
	Count        int               `json:",omitempty"`
	DeviceIDs    []string          `json:",omitempty"`
	Capabilities [][]string        `json:",omitempty"`
	Options      map[string]string `json:",omitempty"`
}

// Blkio is blkio_config: block IO weights and limits, by device path.
type Blkio struct {
	Weight          uint16           `json:",omitempty"`
	WeightDevice    []WeightDevice   `json:",omitempty"`
	DeviceReadBps   []ThrottleDevice `json:",omitempty"`
	DeviceReadIOps  []ThrottleDevice `json:",omitempty"`
	DeviceWriteBps  []ThrottleDevice `json:",omitempty"`
	DeviceWriteIOps []ThrottleDevice `json:",omitempty"`
}

// WeightDevice is a device's block IO weight.
type WeightDevice struct {
	Path   string
	Weight uint16
}

// ThrottleDevice is a device's block IO limit, per second.
type ThrottleDevice struct {
	Path string
	Rate uint64
}
