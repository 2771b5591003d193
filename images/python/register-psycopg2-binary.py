"""Registers Debian's psycopg2 under the name psycopg2-binary.

psycopg2-binary is the psycopg2 module packaged as a wheel with its own copy
of libpq; Debian has no such package, only python3-psycopg2, the same module
built against Debian's libpq. This writes an installed-distribution record
psycopg2_binary-<Debian's psycopg2 version>.dist-info in pip's install
directory that installs no files of its own and requires Debian's psycopg2 at
that exact version, so `pip install psycopg2-binary` finds the requirement
satisfied by the module that is really there.
"""

import base64
import hashlib
import importlib.metadata
import pathlib
import sysconfig

import psycopg2

version = importlib.metadata.version("psycopg2")
if not psycopg2.__version__.startswith(version + " "):
    raise SystemExit(
        f"psycopg2 module {psycopg2.__version__!r} is not Debian's distribution {version}"
    )

site = pathlib.Path(sysconfig.get_path("purelib"))
info_name = f"psycopg2_binary-{version}.dist-info"
info = site / info_name
info.mkdir(parents=True)

files = {
    "METADATA": f"""\
Metadata-Version: 2.1
Name: psycopg2-binary
Version: {version}
Summary: psycopg2 - Python-PostgreSQL Database Adapter (Debian's python3-psycopg2)
Requires-Dist: psycopg2 (=={version})

This record installs no files. The psycopg2 module is Debian's python3-psycopg2
{version}, built against Debian's libpq, the same module the psycopg2-binary
wheel carries with a libpq of its own.
""",
    "INSTALLER": "stackctl-standin\n",
}
record = []
for name, text in files.items():
    data = text.encode()
    (info / name).write_bytes(data)
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    record.append(f"{info_name}/{name},sha256={digest.decode()},{len(data)}\n")
record.append(f"{info_name}/RECORD,,\n")
(info / "RECORD").write_text("".join(record))
