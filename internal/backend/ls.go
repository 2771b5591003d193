package backend

// ListOptions are ls's, as `docker compose ls` takes them.
type ListOptions struct {
	// All lists projects whose containers are all stopped too.
	All bool
	// Names keeps the projects whose name is one of them or matches one as
	// a regular expression (--filter name=X); none keeps every project.
	Names []string
}

// ProjectSummary is one Compose project on the engine as ls shows it; its
// JSON is `docker compose ls --format json`'s.
type ProjectSummary struct {
	Name string
	// Status counts the project's containers by state, as Compose writes
	// it: "exited(1), running(2)".
	Status string
	// ConfigFiles are the compose files its containers were made from,
	// comma separated.
	ConfigFiles string
}
