// Package images holds the offline stand-ins for the official images the
// stack uses (built by scripts/images.sh) and the tests that hold them to the
// official images' contracts.
package images
