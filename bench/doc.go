// Package bench times stackctl and Docker Compose doing the same work on the
// same engine: bring the default stack up cold and from nothing, converge it
// when nothing changed, recover from a database crash, redeploy the web tier
// under load, and take it down, next to the physical floor of how fast
// PostgreSQL itself starts. bench/compose.yaml is the stack in Compose form;
// a unit test keeps it equal to stackctl's built-in stack.
package bench
