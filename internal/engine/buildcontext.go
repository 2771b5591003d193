package engine

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/moby/go-archive"
	"github.com/moby/patternmatcher/ignorefile"
)

// buildContext is the context a build uploads (nil for a remote one) and
// the Dockerfile's name in it. An inline Dockerfile goes into the context
// under a name taken from its content, as the docker CLI does with
// `-f -`: the builder reads Dockerfiles from the context only.
func buildContext(spec BuildSpec) (io.ReadCloser, string, error) {
	dockerfile := spec.Dockerfile
	if spec.DockerfileInline != "" {
		sum := sha256.Sum256([]byte(spec.DockerfileInline))
		dockerfile = ".dockerfile." + hex.EncodeToString(sum[:])[:20]
	}
	if spec.RemoteContext != "" {
		if spec.DockerfileInline != "" {
			return nil, "", fmt.Errorf("build from %s: an inline Dockerfile needs a local context to go into", spec.RemoteContext)
		}
		return nil, dockerfile, nil
	}
	rc, err := tarContext(spec.ContextDir, spec.Dockerfile)
	if err != nil {
		return nil, "", err
	}
	if spec.DockerfileInline == "" {
		return rc, dockerfile, nil
	}
	content := []byte(spec.DockerfileInline)
	return archive.ReplaceFileTarWrapper(rc, map[string]archive.TarModifierFunc{
		dockerfile: func(string, *tar.Header, io.Reader) (*tar.Header, []byte, error) {
			return &tar.Header{Name: dockerfile, Mode: 0o600, Size: int64(len(content)), Typeflag: tar.TypeReg}, content, nil
		},
	}), dockerfile, nil
}

// tarContext packs dir as a build context, leaving out what its
// .dockerignore excludes (but never the Dockerfile or .dockerignore itself,
// which the builder needs).
func tarContext(dir, dockerfile string) (io.ReadCloser, error) {
	excludes, err := readDockerignore(dir)
	if err != nil {
		return nil, err
	}
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	excludes = append(excludes, "!"+dockerfile, "!.dockerignore")
	rc, err := archive.TarWithOptions(dir, &archive.TarOptions{ExcludePatterns: excludes})
	if err != nil {
		return nil, fmt.Errorf("pack build context %s: %w", dir, err)
	}
	return rc, nil
}

func readDockerignore(dir string) ([]string, error) {
	f, err := os.Open(filepath.Join(dir, ".dockerignore"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read .dockerignore of %s: %w", dir, err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", f.Name(), err)
	}
	return patterns, nil
}

// ContextDigest fingerprints the build context as the builder would receive
// it: names, modes and contents, not modification times. Equal digests mean
// a build would produce the same image, so it can be skipped.
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
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}
