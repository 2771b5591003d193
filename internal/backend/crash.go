package backend

import "time"

// CrashOptions tune Crash.
type CrashOptions struct {
	Service string
	// Replica picks one container of a scaled service: its name, or
	// "SERVICE-N" for replica N. Empty picks the first running one.
	Replica string
	// NoWait returns right after the crash, without watching the recovery.
	NoWait      bool
	WaitTimeout time.Duration
}

// Milestone is one step of a crash and its recovery, timed from the kill.
type Milestone struct {
	What  string        `json:"what"`
	After time.Duration `json:"after_ns"`
}

// CrashReport tells what was crashed, how, and how it came back.
type CrashReport struct {
	Service       string      `json:"service"`
	Container     string      `json:"container"`
	Method        string      `json:"method"`
	RestartPolicy string      `json:"restart_policy"`
	Timeline      []Milestone `json:"timeline"`
}
