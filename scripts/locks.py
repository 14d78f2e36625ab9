#!/usr/bin/env python3
"""The lock files in requirements/: write them (`make lock`) and check them against
pyproject.toml (`make test`, `.ci/run`).

One lock per dependency set, each with hashes, one resolution for every Python from the
project's `requires-python` minimum (3.11) up (`uv pip compile --universal`):

    runtime.txt  the dependencies and the build backend (the project is installed editable
                 with --no-deps --no-build-isolation afterwards, so setuptools is locked too)
    dev.txt      runtime + the `dev` extra, constrained to runtime.txt's versions
    bench.txt    runtime + the `bench` extra (statsforecast wants pandas 2, so not constrained)
    uv.txt       the installer itself, from uv.in

Each lock starts with a `# pyproject-sha256:` line: the digest of the inputs it was made
from (requires-python, build requirements, dependencies and its extra). `check` fails when
pyproject.toml changed since, or when a pinned version does not satisfy pyproject.toml.
The digest part needs only the standard library, so it runs before anything is installed.
"""
from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = "requirements"
STAMP = "# pyproject-sha256: "
# set name -> (extras, constraint lock or None)
SETS = {
    "runtime": ((), None),
    "dev": (("dev",), "runtime.txt"),
    "bench": (("bench",), None),
}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def _project(root: Path) -> dict:
    return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))


def requirements(root: Path, name: str) -> list[str]:
    """The direct requirements of one set, as written in pyproject.toml."""
    data = _project(root)
    extras, _ = SETS[name]
    reqs = list(data["build-system"]["requires"]) + list(data["project"]["dependencies"])
    for extra in extras:
        reqs += data["project"]["optional-dependencies"][extra]
    return reqs


def digest(root: Path, name: str) -> str:
    data = _project(root)
    payload = {
        "requires-python": data["project"].get("requires-python", ""),
        "requirements": sorted(" ".join(r.split()) for r in requirements(root, name)),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def uv_digest(root: Path) -> str:
    return hashlib.sha256((root / REQUIREMENTS / "uv.in").read_bytes()).hexdigest()


def _lock_path(root: Path, name: str) -> Path:
    return root / REQUIREMENTS / f"{name}.txt"


def recorded(path: Path) -> str | None:
    if not path.exists():
        return None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(STAMP):
            return line[len(STAMP):].strip()
    return None


def pins(path: Path) -> list[tuple[str, str, str | None]]:
    """(name, version, marker) for every pinned line of a lock file."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            out.append((match.group(1), match.group(2), match.group(3)))
    return out


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def satisfaction_problems(root: Path, name: str) -> list[str]:
    """Direct requirements that the lock does not pin, or pins outside their range. Needs
    `packaging` (installed by every lock); returns [] when it is not importable."""
    try:
        from packaging.requirements import Requirement
        from packaging.version import Version
    except ImportError:
        return []
    locked: dict[str, list[str]] = {}
    for pin_name, version, _marker in pins(_lock_path(root, name)):
        locked.setdefault(_canonical(pin_name), []).append(version)
    problems = []
    for text in requirements(root, name):
        req = Requirement(text)
        versions = locked.get(_canonical(req.name))
        if not versions:
            problems.append(f"{name}.txt does not pin {req.name} (pyproject.toml: {text})")
            continue
        for version in versions:
            if not req.specifier.contains(Version(version), prereleases=True):
                problems.append(f"{name}.txt pins {req.name}=={version}, outside {text!r}")
    return problems


def check(root: Path = ROOT) -> list[str]:
    """Every way the locks disagree with pyproject.toml (empty when they agree)."""
    problems = []
    for name in SETS:
        path = _lock_path(root, name)
        stamp = recorded(path)
        if stamp is None:
            problems.append(f"{path.relative_to(root)} is missing or has no {STAMP.strip()} line")
        elif stamp != digest(root, name):
            problems.append(f"{path.relative_to(root)} was made from another pyproject.toml "
                            f"(its dependencies, extras or requires-python changed since)")
        else:
            problems += satisfaction_problems(root, name)
    uv_lock = _lock_path(root, "uv")
    if recorded(uv_lock) != uv_digest(root):
        problems.append(f"{uv_lock.relative_to(root)} does not match {REQUIREMENTS}/uv.in")
    return problems


def _compile(uv: str, root: Path, out: Path, args: list[str], stdin: str = "") -> None:
    command = [uv, "pip", "compile", *args, "--universal", "--python-version", "3.11",
               "--fork-strategy", "fewest", "--generate-hashes", "--quiet",
               "--custom-compile-command", "make lock", "-o", str(out.relative_to(root))]
    subprocess.run(command, cwd=root, check=True, input=stdin, text=True)


def _stamp(path: Path, value: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [line for line in lines if not line.startswith(STAMP)]
    lines.insert(2, f"{STAMP}{value}\n")  # after uv's two-line header
    path.write_text("".join(lines), encoding="utf-8")


def write(uv: str, root: Path = ROOT, upgrade: bool = False) -> None:
    """Regenerate every lock (keeping current pins unless `upgrade`)."""
    extra = ["--upgrade"] if upgrade else []
    build = "\n".join(_project(root)["build-system"]["requires"]) + "\n"
    for name, (extras, constraint) in SETS.items():
        out = _lock_path(root, name)
        args = ["pyproject.toml", "-", *extra]
        for e in extras:
            args += ["--extra", e]
        if constraint:
            args += ["--constraint", f"{REQUIREMENTS}/{constraint}"]
        _compile(uv, root, out, args, stdin=build)
        _stamp(out, digest(root, name))
        print(f"{out.relative_to(root)}: {len(pins(out))} pinned packages")
    out = _lock_path(root, "uv")
    _compile(uv, root, out, [f"{REQUIREMENTS}/uv.in", *extra])
    _stamp(out, uv_digest(root))
    print(f"{out.relative_to(root)}: {len(pins(out))} pinned packages")


def main(argv: list[str]) -> int:
    if argv[:1] == ["write"]:
        write(argv[1] if len(argv) > 1 else "uv", upgrade="--upgrade" in argv)
        return 0
    if argv[:1] == ["check"]:
        problems = check()
        for p in problems:
            print(f"lock check: {p}", file=sys.stderr)
        if problems:
            print("lock check: run `make lock` and commit requirements/", file=sys.stderr)
            return 1
        return 0
    print("usage: locks.py check | write UV [--upgrade]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
