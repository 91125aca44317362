"""The broker's jars: the official Apache Kafka artifacts that Maven fetches once into
the library directory (docker/kafka/pom.xml names them; a marker holds the pom's hash)."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
from pathlib import Path

from common.settings import PROJECT_ROOT
from resilience.stack import prereqs
from resilience.stack.kafka_config import BrokerError

logger = logging.getLogger(__name__)

POM = PROJECT_ROOT / "docker" / "kafka" / "pom.xml"
MARKER = ".complete"


def pom_hash() -> str:
    return hashlib.sha256(POM.read_bytes()).hexdigest()


def jars_complete(lib_dir: Path) -> bool:
    """True when lib_dir holds the jars of the current pom.xml (marker = the pom's hash)."""
    marker = Path(lib_dir) / MARKER
    return marker.is_file() and marker.read_text().strip() == pom_hash()


def fetch_jars(lib_dir: Path) -> Path:
    """Fetch the broker's jars into lib_dir with Maven, once: skipped while the marker
    matches the pom. Fetched into a sibling directory first, so a failed or interrupted
    fetch never leaves a half-filled lib_dir behind."""
    lib_dir = Path(lib_dir).resolve()  # Maven resolves relative paths against the pom's dir
    if jars_complete(lib_dir):
        logger.debug("kafka jars already complete in %s", lib_dir)
        return lib_dir
    try:
        mvn = prereqs.find_mvn()
    except prereqs.PrerequisiteMissing as exc:
        raise BrokerError(str(exc)) from exc
    # Per process: two commands fetching at once must not write into the same directory.
    staging = lib_dir.with_name(f"{lib_dir.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    logger.info("fetching Kafka jars with Maven into %s", lib_dir)
    result = subprocess.run(
        [
            str(mvn), "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
            f"-DoutputDirectory={staging}",
        ],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    jars = list(staging.glob("*.jar"))
    if result.returncode != 0 or not jars:
        shutil.rmtree(staging, ignore_errors=True)
        output = (result.stdout + result.stderr).strip()[-2000:]
        raise BrokerError(
            f"Maven could not fetch the Kafka jars (exit code {result.returncode}) "
            f"from {POM}:\n{output}"
        )
    (staging / MARKER).write_text(pom_hash() + "\n")
    if jars_complete(lib_dir):  # another process finished first: keep its copy
        shutil.rmtree(staging, ignore_errors=True)
        return lib_dir
    shutil.rmtree(lib_dir, ignore_errors=True)
    try:
        staging.rename(lib_dir)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not jars_complete(lib_dir):
            raise
    logger.info("fetched %d Kafka jars into %s", len(jars), lib_dir)
    return lib_dir
