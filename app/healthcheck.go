package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/stackctl/stackctl/app/internal/config"
)

// healthcheckTimeout stays under the Docker HEALTHCHECK's own 3 s timeout,
// so a hung server is reported as unhealthy by us rather than killed.
const healthcheckTimeout = 2 * time.Second

// healthcheck probes the local server's endpoint at path: /healthz for
// liveness, /readyz for readiness. It exists because the image is FROM
// scratch: there is no shell or curl to do it.
func healthcheck(ctx context.Context, path string) error {
	port, err := config.HTTPPort(os.LookupEnv)
	if err != nil {
		return fmt.Errorf("loading config: %w", err)
	}
	return probe(ctx, "http://127.0.0.1:"+strconv.Itoa(port)+path, healthcheckTimeout)
}

// probe returns nil if url answers GET with 200 within timeout.
func probe(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("building request for %s: %w", url, err)
	}
	// No proxy: the target is this container's own loopback.
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("probing %s: %w", url, err)
	}
	defer resp.Body.Close()
	// Drain a little so the connection closes cleanly; the body is not needed.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("probing %s: status %d", url, resp.StatusCode)
	}
	return nil
}
