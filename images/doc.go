// Package images holds the offline stand-ins for the official images the
// stack uses (built by scripts/images.sh) and the tests that hold them to the
// official images' contracts.
//
// The python:3.11-slim stand-in is Debian bookworm's python3.11 with
// Debian's flask, psycopg2 and redis, enough for the seed's Flask app
// (examples/day-34/app) to build and run offline. Its requirements name
// psycopg2-binary, the psycopg2 module shipped as a wheel with its own libpq,
// which Debian does not package. The stand-in satisfies that name with
// Debian's real psycopg2: it installs a distribution record
// psycopg2_binary-<version>.dist-info, version equal to Debian's psycopg2,
// whose METADATA names psycopg2-binary and requires psycopg2 at that version
// and whose RECORD lists no files but its own. `pip install psycopg2-binary`
// then finds the requirement satisfied, `import psycopg2` loads Debian's
// module, `pip check` holds, and uninstalling psycopg2-binary removes only
// the record.
package images
