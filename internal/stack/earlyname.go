package stack

import (
	"cmp"
	"os"

	"github.com/compose-spec/compose-go/v2/consts"
)

// NameBeforeLoad is the project's name when the options or the environment
// give it, so that work keyed by the name (the project's lock) can start
// while the files load: -p, else COMPOSE_PROJECT_NAME. It is "" when only
// the files (name:, an .env file) or the project directory can tell. It is
// a guess: callers compare it with the loaded stack's Project.
func NameBeforeLoad(opts LoadOptions) string {
	return cmp.Or(opts.ProjectName, opts.Environment[consts.ComposeProjectName], os.Getenv(consts.ComposeProjectName))
}
