package stack

import (
	"fmt"
	"strings"
)

// notices are what the user should hear about a file that still runs as
// written.
func notices(st *Stack) []string {
	var out []string
	for _, svc := range st.Services {
		for _, f := range svc.Files {
			if f.Source != "" && f.Access != (FileAccess{}) {
				// Compose warns the same and ignores them: the file is
				// bind-mounted, with its own owner and mode.
				out = append(out, fmt.Sprintf("services.%s.configs: config %s is bind-mounted from its file, with the file's owner and mode: its uid, gid and mode are ignored on one engine, as Compose ignores them", svc.Name, f.Name))
			}
		}
		hc := svc.Healthcheck
		if !hc.Enabled() {
			continue
		}
		cmd := strings.Join(hc.Test[1:], " ")
		if strings.Contains(cmd, "pg_isready") && !strings.Contains(cmd, " -h") && !strings.Contains(cmd, "--host") {
			// The official image's first start runs initdb with a server
			// on the unix socket only: a socket check passes before the
			// database is ready for the network.
			out = append(out, fmt.Sprintf("services.%s.healthcheck: %q checks the unix socket, which answers while the first initdb still runs; add -h 127.0.0.1 to check what other services will reach", svc.Name, cmd))
		}
	}
	return out
}
