package stack

import (
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/consts"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// BuiltinFile is what messages call the built-in stack's compose file.
const BuiltinFile = "(built-in stack)"

//go:embed builtin/compose.yaml
var builtinCompose []byte

// BuiltinCompose returns the built-in stack's compose file.
func BuiltinCompose() []byte { return builtinCompose }

// LoadOptions select and resolve a Compose project the way Docker Compose
// does.
type LoadOptions struct {
	// Files are the compose files (-f), later ones overriding earlier ones.
	// None: COMPOSE_FILE, else compose.yaml, compose.yml,
	// docker-compose.yaml or docker-compose.yml looked up from WorkingDir
	// upwards, else the built-in stack.
	Files []string
	// WorkingDir is the project directory (--project-directory); "" is the
	// first file's directory, or the current one.
	WorkingDir string
	// ProjectName (-p) wins over COMPOSE_PROJECT_NAME, the file's name: and
	// the directory's name.
	ProjectName string
	// EnvFiles (--env-file) replace the project directory's .env.
	EnvFiles []string
	// Profiles (--profile) enable services; none: COMPOSE_PROFILES.
	Profiles []string
	// Environment is set on top of the process's environment, for
	// interpolation.
	Environment map[string]string
	// Swarm loads the file for a swarm, which references an external
	// secret or config by its name; one engine refuses them, as Docker
	// Compose does.
	Swarm bool
}

// Load resolves the project with compose-go and builds the stack from it.
// With no compose file given or found, it loads the built-in stack's file,
// through the same path.
func Load(ctx context.Context, opts LoadOptions) (*Stack, error) {
	popts, err := cli.NewProjectOptions(opts.Files,
		cli.WithWorkingDirectory(opts.WorkingDir),
		cli.WithEnv(envList(opts.Environment)),
		cli.WithOsEnv,
		cli.WithEnvFiles(opts.EnvFiles...),
		cli.WithDotEnv,
		cli.WithConfigFileEnv,
		cli.WithDefaultConfigPath,
		cli.WithName(opts.ProjectName),
	)
	if err != nil {
		return nil, fmt.Errorf("load compose project: %w", err)
	}
	profiles := activeProfiles(opts.Profiles, popts.Environment)
	files := popts.ConfigPaths
	contents := [][]byte{builtinCompose}
	if len(files) > 0 {
		contents = contents[:0]
		for _, f := range files {
			// A file that cannot be read here is compose-go's to report.
			b, _ := os.ReadFile(f)
			contents = append(contents, b)
		}
	}
	check, known := rememberedValidation(contents, popts.Environment)
	options := []func(*loader.Options){loader.WithProfiles(profiles), func(o *loader.Options) { o.SkipValidation = known }}
	var project *types.Project
	if len(files) == 0 {
		project, err = loadBuiltin(ctx, popts, options)
		files = []string{BuiltinFile}
	} else if err = cli.WithLoadOptions(options...)(popts); err == nil {
		if err = checkExtendsFiles(contents); err == nil {
			project, err = loadGuarded(func() (*types.Project, error) { return popts.LoadProject(ctx) })
		}
	}
	if err != nil {
		dir, _ := popts.GetWorkingDir()
		return nil, fmt.Errorf("load %s: %w", describeFiles(files), locateKey(err, contents, dir))
	}
	st, err := fromProject(project, files, opts.Swarm)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", describeFiles(files), err)
	}
	if !known {
		check.remember()
	}
	return st, nil
}

// loadBuiltin loads the embedded file as if it were the project directory's.
func loadBuiltin(ctx context.Context, popts *cli.ProjectOptions, options []func(*loader.Options)) (*types.Project, error) {
	wd, err := popts.GetWorkingDir()
	if err != nil {
		return nil, err
	}
	name := cmp.Or(popts.Name, popts.Environment[consts.ComposeProjectName])
	details := types.ConfigDetails{
		WorkingDir:  wd,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(wd, "compose.yaml"), Content: builtinCompose}},
		Environment: popts.Environment,
	}
	return loader.LoadWithContext(ctx, details, append(options, func(o *loader.Options) {
		if name != "" {
			o.SetProjectName(name, true)
		}
	})...)
}

// activeProfiles are --profile's, else COMPOSE_PROFILES'.
func activeProfiles(given []string, env types.Mapping) []string {
	if len(given) > 0 {
		return given
	}
	var out []string
	for p := range strings.SplitSeq(env[consts.ComposeProfiles], ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for _, k := range sortedKeys(env) {
		out = append(out, k+"="+env[k])
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

func describeFiles(files []string) string {
	if len(files) == 1 {
		return files[0]
	}
	return fmt.Sprintf("%v", files)
}
