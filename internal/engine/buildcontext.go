package engine

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/moby/go-archive"
	"github.com/moby/patternmatcher/ignorefile"
)

// buildContext is the context a build uploads (nil for a remote one) and
// the Dockerfile's name in it. An inline Dockerfile, or one outside the
// context, goes into the context under a name taken from its content, as
// the docker CLI does with `-f -` or `-f ../Dockerfile`: the builder reads
// Dockerfiles from the context only. That name goes into the uploaded
// .dockerignore too, as the CLI adds it: the classic builder, which reads
// that file again, leaves it out of COPY . (BuildKit's /build does not).
func buildContext(spec BuildSpec) (io.ReadCloser, string, error) {
	dockerfile := spec.Dockerfile
	var content []byte
	if spec.DockerfileInline != "" {
		content = []byte(spec.DockerfileInline)
	}
	if spec.RemoteContext != "" {
		if spec.DockerfileInline != "" {
			return nil, "", fmt.Errorf("build from %s: an inline Dockerfile needs a local context to go into", spec.RemoteContext)
		}
		return nil, dockerfile, nil
	}
	if path, outside := dockerfileOutside(spec.ContextDir, spec.Dockerfile); outside && spec.DockerfileInline == "" {
		var err error
		if content, err = os.ReadFile(path); err != nil {
			return nil, "", fmt.Errorf("read the Dockerfile of build context %s: %w", spec.ContextDir, err)
		}
	}
	rc, err := tarContext(spec.ContextDir, spec.Dockerfile)
	if err != nil {
		return nil, "", err
	}
	if content == nil {
		return rc, dockerfile, nil
	}
	sum := sha256.Sum256(content)
	dockerfile = ".dockerfile." + hex.EncodeToString(sum[:])[:20]
	return archive.ReplaceFileTarWrapper(rc, map[string]archive.TarModifierFunc{
		dockerfile: func(string, *tar.Header, io.Reader) (*tar.Header, []byte, error) {
			return &tar.Header{Name: dockerfile, Mode: 0o600, Size: int64(len(content)), Typeflag: tar.TypeReg}, content, nil
		},
		".dockerignore": func(_ string, h *tar.Header, r io.Reader) (*tar.Header, []byte, error) {
			var b bytes.Buffer
			if r != nil {
				if _, err := io.Copy(&b, r); err != nil {
					return nil, nil, err
				}
			}
			if h == nil {
				h = &tar.Header{Name: ".dockerignore", Mode: 0o600, Typeflag: tar.TypeReg}
			}
			b.WriteString("\n" + dockerfile + "\n")
			h.Size = int64(b.Len())
			return h, b.Bytes(), nil
		},
	}), dockerfile, nil
}

// dockerfileOutside is the path of the Dockerfile (named relative to dir,
// or absolute) and whether it lies outside dir, so that packing dir leaves
// it out.
func dockerfileOutside(dir, dockerfile string) (string, bool) {
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	path := dockerfile
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	rel, err := filepath.Rel(dir, path)
	return path, err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// tarContext packs dir as a build context, leaving out what its ignore
// file excludes (but never the Dockerfile or .dockerignore itself, which
// the builder needs). A <Dockerfile>.dockerignore beside the Dockerfile
// takes the place of the context's .dockerignore, as BuildKit reads it;
// its patterns go into the packed .dockerignore, so that a builder that
// reads that file again excludes what was excluded here and no more.
func tarContext(dir, dockerfile string) (io.ReadCloser, error) {
	ignore, err := readDockerignore(dir, dockerfile)
	if err != nil {
		return nil, err
	}
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	excludes := slices.Clone(ignore.patterns)
	if _, outside := dockerfileOutside(dir, dockerfile); !outside {
		rel := dockerfile
		if filepath.IsAbs(rel) {
			rel, _ = filepath.Rel(dir, rel)
		}
		excludes = append(excludes, "!"+filepath.ToSlash(rel))
	}
	excludes = append(excludes, "!.dockerignore")
	rc, err := archive.TarWithOptions(dir, &archive.TarOptions{ExcludePatterns: excludes})
	if err != nil {
		return nil, fmt.Errorf("pack build context %s: %w", dir, err)
	}
	if !ignore.perDockerfile {
		return rc, nil
	}
	return archive.ReplaceFileTarWrapper(rc, map[string]archive.TarModifierFunc{
		".dockerignore": func(_ string, h *tar.Header, _ io.Reader) (*tar.Header, []byte, error) {
			if h == nil {
				h = &tar.Header{Name: ".dockerignore", Mode: 0o600, Typeflag: tar.TypeReg}
			}
			h.Size = int64(len(ignore.content))
			return h, ignore.content, nil
		},
	}), nil
}

// dockerignore is the ignore file a build honours: its text, its
// patterns, and whether it is the Dockerfile's own.
type dockerignore struct {
	content       []byte
	patterns      []string
	perDockerfile bool
}

// readDockerignore reads the ignore file as BuildKit does: the
// Dockerfile's own (<Dockerfile>.dockerignore beside it) first, else the
// context's .dockerignore; none is no pattern. A context read without a
// Dockerfile (dockerfile "", an additional context) has only the latter.
func readDockerignore(dir, dockerfile string) (dockerignore, error) {
	candidates := []string{"", filepath.Join(dir, ".dockerignore")}
	if dockerfile != "" {
		path, _ := dockerfileOutside(dir, dockerfile)
		candidates[0] = path + ".dockerignore"
	}
	for i, name := range candidates {
		if name == "" {
			continue
		}
		content, err := os.ReadFile(name)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return dockerignore{}, fmt.Errorf("read the ignore file of build context %s: %w", dir, err)
		}
		patterns, err := ignorefile.ReadAll(bytes.NewReader(content))
		if err != nil {
			return dockerignore{}, fmt.Errorf("parse %s: %w", name, err)
		}
		return dockerignore{content: content, patterns: patterns, perDockerfile: i == 0}, nil
	}
	return dockerignore{}, nil
}

// ContextDigest fingerprints the build context as the builder would receive
// it: names, modes and contents, not modification times, and a Dockerfile
// outside it by its content, which the build uploads with it. Equal
// digests mean a build would produce the same image, so it can be skipped.
func ContextDigest(dir, dockerfile string) (string, error) {
	rc, err := tarContext(dir, dockerfile)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha256.New()
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("read build context %s: %w", dir, err)
		}
		fmt.Fprintf(h, "%s\x00%o\x00%s\x00%d\x00", hdr.Name, hdr.Mode, hdr.Linkname, hdr.Size)
		if _, err := io.Copy(h, tr); err != nil {
			return "", fmt.Errorf("read build context %s: %w", dir, err)
		}
	}
	// A Dockerfile in the context counts with it; one outside adds its
	// content, so that an edit to it builds again. The others keep their
	// digests.
	if path, outside := dockerfileOutside(dir, dockerfile); outside && dockerfile != "" {
		content, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("read the Dockerfile of build context %s: %w", dir, err)
		}
		fmt.Fprintf(h, "dockerfile\x00%d\x00", len(content))
		h.Write(content)
	}
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}
