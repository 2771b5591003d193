// Package bench times stackctl and Docker Compose doing the same work on the
// same engine: bring the default stack up cold and from nothing, converge it
// when nothing changed, recover from a database crash, redeploy the web tier
// under load, and take it down, next to the physical floor of how fast
// PostgreSQL itself starts. Both tools run one file, the built-in stack's
// compose file, so there is nothing to keep in step.
package bench
