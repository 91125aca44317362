"""docker/compose.yaml cannot run here; these checks catch what would break it: a file,
build context or Dockerfile it names that is missing, a RESILIENCE_* variable that is no
setting, a `resilience` command that does not exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer
import yaml

from common.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.unit

DOCKER_DIR = PROJECT_ROOT / "docker"
COMPOSE = DOCKER_DIR / "compose.yaml"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def _builds(compose: dict) -> list[tuple[str, Path, Path]]:
    builds = []
    for name, service in compose["services"].items():
        build = service.get("build")
        if build is None:
            continue
        if isinstance(build, str):
            build = {"context": build}
        context = (DOCKER_DIR / build["context"]).resolve()
        builds.append((name, context, context / build.get("dockerfile", "Dockerfile")))
    return builds


def _copy_sources(dockerfile: Path) -> list[str]:
    sources = []
    for line in dockerfile.read_text().replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0].upper() in ("COPY", "ADD"):
            if any(word.startswith("--from") for word in words):
                continue
            args = [w for w in words[1:] if not w.startswith("--")]
            sources += args[:-1]
    return sources


def test_the_stack_has_every_component(compose: dict) -> None:
    services = compose["services"]
    kafka = [s for name, s in services.items() if re.fullmatch(r"kafka-\d+", name)]
    assert kafka and all(s["image"].startswith("apache/kafka:") for s in kafka)
    assert services["postgres"]["image"].startswith("postgres:")
    commands = {name: " ".join(s.get("command") or []) for name, s in services.items()}
    for component in ("api-server", "scheduler", "dag-processor", "triggerer"):
        assert any(c.startswith(f"airflow {component}") for c in commands.values()), component
    assert "resilience gateway serve" in commands.values()


def test_build_contexts_dockerfiles_and_copied_files_exist(compose: dict) -> None:
    builds = _builds(compose)
    assert builds, "no service is built from docker/Dockerfile"
    for name, context, dockerfile in builds:
        assert context.is_dir(), f"{name}: build context {context} missing"
        assert dockerfile.is_file(), f"{name}: {dockerfile} missing"
        ignore = dockerfile.with_name(dockerfile.name + ".dockerignore")
        allowed = ignore.read_text().splitlines() if ignore.exists() else None
        for source in _copy_sources(dockerfile):
            assert (context / source).exists(), f"{dockerfile.name} copies missing {source}"
            if allowed is not None:
                assert f"!{source.rstrip('/')}" in {a.rstrip("/") for a in allowed}, (
                    f"{ignore.name} keeps {source} out of the build context"
                )


def test_dockerfile_installs_from_the_lock_file() -> None:
    text = (DOCKER_DIR / "Dockerfile").read_text()
    assert re.search(r"uv sync --locked --no-dev", text)
    assert "COPY pyproject.toml uv.lock" in text


def test_bind_mounts_volumes_and_dependencies_are_declared(compose: dict) -> None:
    services, volumes = compose["services"], compose.get("volumes") or {}
    for name, service in services.items():
        for mount in service.get("volumes") or []:
            source = mount.split(":", 1)[0]
            if source.startswith((".", "/")):
                assert (DOCKER_DIR / source).exists(), f"{name}: bind mount {source} missing"
            else:
                assert source in volumes, f"{name}: volume {source} not declared"
        for dependency in service.get("depends_on") or {}:
            assert dependency in services, f"{name} depends on unknown {dependency}"


def test_every_resilience_variable_is_a_valid_setting(compose: dict) -> None:
    seen = 0
    for name, service in compose["services"].items():
        env = _environment(service)
        values = {}
        for key, value in env.items():
            if not key.startswith("RESILIENCE_"):
                continue
            field = key.removeprefix("RESILIENCE_").lower()
            assert field in Settings.model_fields, f"{name}: {key} is not a setting"
            values[field] = value
        Settings(**values)  # the values parse (ports are ints, paths are paths)
        seen += len(values)
    assert seen > 0


def test_resilience_commands_in_the_stack_exist(compose: dict) -> None:
    from resilience.cli.app import app

    root = typer.main.get_command(app)
    for name, service in compose["services"].items():
        command = service.get("command") or []
        if not command or command[0] != "resilience":
            continue
        group = root
        for word in command[1:]:
            if word.startswith("-"):
                break
            subcommands = getattr(group, "commands", None) or {}  # a group, not a leaf
            assert word in subcommands, f"{name}: `{' '.join(command)}` has no command {word!r}"
            group = subcommands[word]


def test_the_review_pool_is_created_as_the_local_stack_creates_it(compose: dict) -> None:
    """Review tasks run in a one-slot pool; a stack without it would never start them."""
    from pipeline.review import REVIEW_POOL

    init = " ".join(compose["services"]["airflow-init"]["command"])
    assert "airflow db migrate" in init
    assert f"airflow pools set {REVIEW_POOL} 1" in init
