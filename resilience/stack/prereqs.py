"""The tools the local Kafka broker needs on the machine: a Java runtime >= 17 and Maven.

Both are looked up on PATH (as a shell would), so a missing tool is reported before any
process starts, with the command that installs it.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

MIN_JAVA = 17
_JAVA_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


class PrerequisiteMissing(RuntimeError):
    """A tool the local stack needs is absent or too old; the message says how to install it."""


@dataclass(frozen=True)
class Java:
    path: Path
    major: int


def parse_java_major(version_output: str) -> int:
    """The major version from `java -version` output ("1.8.0_292" -> 8, "17.0.15" -> 17)."""
    match = _JAVA_VERSION.search(version_output)
    if match is None:
        raise PrerequisiteMissing(
            f"cannot read the Java version from `java -version`: {version_output.strip()[:200]!r}"
        )
    major = int(match.group(1))
    if major == 1 and match.group(2):  # Java 8 and older report "1.x"
        major = int(match.group(2))
    return major


def find_java(path: str | None = None) -> Java:
    """The `java` on PATH, checked to be >= 17 (Kafka 4 needs it)."""
    found = shutil.which("java", path=path if path is not None else os.environ.get("PATH"))
    if found is None:
        raise PrerequisiteMissing(
            "java not found on PATH: the local Kafka broker needs a Java runtime >= "
            f"{MIN_JAVA}. Install it with `apt-get install openjdk-17-jre-headless` "
            "(or put a JDK's bin/ on PATH)."
        )
    result = subprocess.run(
        [found, "-version"], capture_output=True, text=True, timeout=30, check=False
    )
    major = parse_java_major(result.stderr + result.stdout)
    if major < MIN_JAVA:
        raise PrerequisiteMissing(
            f"{found} is Java {major}; the local Kafka broker needs Java >= {MIN_JAVA}. "
            "Install it with `apt-get install openjdk-17-jre-headless` and put it first on PATH."
        )
    logger.debug("java %s at %s", major, found)
    return Java(Path(found), major)


def find_mvn(path: str | None = None) -> Path:
    """The `mvn` on PATH; it fetches the broker's jars once."""
    found = shutil.which("mvn", path=path if path is not None else os.environ.get("PATH"))
    if found is None:
        raise PrerequisiteMissing(
            "mvn not found on PATH: Maven fetches the Kafka broker's jars once. "
            "Install it with `apt-get install maven`."
        )
    return Path(found)


POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"  # Debian's postgresql, not on PATH
_PG_TOOLS = ("initdb", "postgres", "pg_ctl")


def find_postgres(path: str | None = None, debian_glob: str = POSTGRES_BIN_GLOB) -> Path:
    """The directory of initdb/postgres: from PATH, else Debian's newest packaged version."""
    found = shutil.which("initdb", path=path if path is not None else os.environ.get("PATH"))
    candidates = [Path(found).resolve().parent] if found else []
    candidates += sorted((Path(p) for p in glob.glob(debian_glob)), reverse=True)
    for directory in candidates:
        if all((directory / tool).is_file() for tool in _PG_TOOLS):
            return directory
    raise PrerequisiteMissing(
        "PostgreSQL not found (initdb, postgres, pg_ctl): the production topology keeps "
        "Airflow's metadata and the gateways' state in it. Install it with "
        "`apt-get install postgresql` (Debian's package; its binaries live in "
        f"{debian_glob})."
    )
