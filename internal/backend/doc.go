// Package backend is the contract between the orchestrator and the
// backends that run a stack: the Backend interface, the plan the
// orchestrator hands a backend's Converger (Plan, ServicePlan, Step), what
// a backend reports back (Observed, Applied, ContainerStatus), the options
// of every verb, and the errors both sides speak. It imports neither side:
// internal/orchestrator decides, internal/backend/docker and
// internal/backend/swarm carry out, and each imports only this package of
// the other's world.
package backend
