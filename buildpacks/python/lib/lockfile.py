"""A Python lockfile as a pinned pip requirements list: the lockfile's versions (and hashes) are what pip installs.

Usage: lockfile.py poetry|uv|pipenv|pep621 BUILD_DIR. Requirement lines go to stdout; a problem is one line on
stderr and exit code 2. Runs with the app's venv Python, whose pip vendors `packaging` (markers, specifiers).
"""
import json
import platform
import re
import sys
import tomllib
from pathlib import Path

from pip._vendor.packaging.markers import Marker
from pip._vendor.packaging.specifiers import InvalidSpecifier, SpecifierSet

PYTHON = platform.python_version()


class LockfileError(Exception):
    """A lockfile that cannot be installed as it is: the message says why."""


def read_toml(path):
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise LockfileError(f"{path.name} is not valid TOML: {e}") from e


def line(name, version, hashes=(), marker=None):
    """One pinned requirement line in pip's requirements-file syntax."""
    out = f"{name}=={version}"
    if marker:
        out += f" ; {marker}"
    return out + "".join(f" --hash={h}" for h in hashes)


def check_requires_python(spec, where):
    """Fail when the project's requires-python excludes the stack's Python."""
    if not spec:
        return
    try:
        ok = SpecifierSet(spec).contains(PYTHON, prereleases=True)
    except InvalidSpecifier as e:
        raise LockfileError(f"{where} has an invalid requires-python {spec!r}: {e}") from e
    if not ok:
        raise LockfileError(f"{where} requires Python {spec}; this stack has only Python {PYTHON} (Debian's python3)")


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def poetry_roots(build):
    """The main dependencies of a Poetry project: [tool.poetry.dependencies] (not python) or [project].dependencies."""
    project = read_toml(build / "pyproject.toml")
    names = [n for n in project.get("tool", {}).get("poetry", {}).get("dependencies", {}) if n != "python"]
    for spec in project.get("project", {}).get("dependencies", []):
        names.append(re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec).group(1))
    return [normalize(n) for n in names]


def poetry_dependency_applies(spec):
    """A poetry.lock dependency is installed unless it is optional (an extra) or its markers exclude this Python."""
    if not isinstance(spec, dict):
        return True
    return not spec.get("optional") and Marker(spec.get("markers") or "python_version > '0'").evaluate({"extra": ""})


def poetry(build):
    """poetry.lock: the packages the main dependencies reach (as `poetry sync --only main`), with their files' hashes."""
    lock = read_toml(build / "poetry.lock")
    legacy_files = lock.get("metadata", {}).get("files", {})  # lock format 1.x keeps hashes here
    by_name = {normalize(p["name"]): p for p in lock.get("package", [])}
    seen, queue = set(), poetry_roots(build)
    while queue:
        name = queue.pop()
        if name in seen:
            continue
        if name not in by_name:
            raise LockfileError(f"poetry.lock has no package {name}: run `poetry lock` again and commit it")
        seen.add(name)
        deps = by_name[name].get("dependencies", {})
        queue += [normalize(d) for d, v in deps.items() if poetry_dependency_applies(v)]
    out = []
    for name in sorted(seen):
        p = by_name[name]
        source = p.get("source", {}).get("type")
        if source in ("git", "directory", "file", "url"):
            raise LockfileError(f"poetry.lock: {p['name']} comes from a {source} source; only index packages can be installed here")
        files = p.get("files") or legacy_files.get(p["name"], [])
        marker = p.get("markers")
        if isinstance(marker, dict):
            marker = marker.get("main")
        out.append(line(p["name"], p["version"], [f["hash"] for f in files if f.get("hash")], marker))
    return out


def uv(build):
    """uv.lock: the packages the project's own dependencies reach (not dev groups), each with its hashes."""
    lock = read_toml(build / "uv.lock")
    check_requires_python(lock.get("requires-python"), "uv.lock")
    by_name = {}
    for p in lock.get("package", []):
        by_name.setdefault(p["name"], []).append(p)
    roots = [p for p in lock.get("package", []) if {"editable", "virtual"} & p.get("source", {}).keys()]
    if not roots:
        raise LockfileError("uv.lock has no project package (source editable or virtual): was it made by `uv lock`?")
    seen, queue = {}, [(r, []) for r in roots]
    while queue:
        pkg, extras = queue.pop()
        deps = list(pkg.get("dependencies", []))
        for extra in extras:
            deps += pkg.get("optional-dependencies", {}).get(extra, [])
        for dep in deps:
            if dep.get("marker") and not Marker(dep["marker"]).evaluate({"extra": ""}):
                continue
            target = pick_uv_package(by_name, dep)
            key = (target["name"], target["version"])
            if key not in seen or set(dep.get("extra", [])) - seen[key]:
                seen[key] = seen.get(key, set()) | set(dep.get("extra", []))
                queue.append((target, dep.get("extra", [])))
    return [uv_line(by_name, name, version) for name, version in sorted(seen)]


def pick_uv_package(by_name, dep):
    candidates = by_name.get(dep["name"], [])
    if "version" in dep:
        candidates = [c for c in candidates if c.get("version") == dep["version"]]
    if not candidates:
        raise LockfileError(f"uv.lock: the dependency {dep['name']} has no [[package]] entry")
    return candidates[0]


def uv_line(by_name, name, version):
    pkg = next(p for p in by_name[name] if p.get("version") == version)
    if {"editable", "virtual"} & pkg.get("source", {}).keys():
        return None
    if "registry" not in pkg.get("source", {}):
        where = " ".join(f"{k} {v}" for k, v in pkg.get("source", {}).items()) or "no source"
        raise LockfileError(f"uv.lock: {name} comes from {where}; only index packages can be installed here")
    files = pkg.get("wheels", []) + ([pkg["sdist"]] if "sdist" in pkg else [])
    return line(name, version, [f["hash"] for f in files if f.get("hash")])


def pipenv(build):
    """Pipfile.lock: the `default` section (not `develop`), each pinned version with its hashes and markers."""
    try:
        lock = json.loads((build / "Pipfile.lock").read_text())
    except json.JSONDecodeError as e:
        raise LockfileError(f"Pipfile.lock is not valid JSON: {e}") from e
    asked = lock.get("_meta", {}).get("requires", {}).get("python_version")
    if asked and not (PYTHON == asked or PYTHON.startswith(asked + ".")):
        raise LockfileError(f"Pipfile.lock asks for Python {asked}; this stack has only Python {PYTHON} (Debian's python3)")
    out = []
    for name, spec in lock.get("default", {}).items():
        local = next((k for k in ("git", "path", "file", "editable") if k in spec), None)
        if local:
            raise LockfileError(f"Pipfile.lock: {name} is a {local} dependency ({spec[local]}); only index packages can be installed here")
        if not spec.get("version", "").startswith("=="):
            raise LockfileError(f"Pipfile.lock: {name} has no pinned version (`pipenv lock` writes one)")
        out.append(line(name, spec["version"][2:], spec.get("hashes", []), spec.get("markers")))
    return out


def pep621(build):
    """pyproject.toml without a lockfile: [project].dependencies as written (pip resolves their versions)."""
    project = read_toml(build / "pyproject.toml").get("project", {})
    check_requires_python(project.get("requires-python"), "pyproject.toml")
    return list(project.get("dependencies", []))


KINDS = {"poetry": poetry, "uv": uv, "pipenv": pipenv, "pep621": pep621}


def main():
    kind, build = sys.argv[1], Path(sys.argv[2])
    try:
        lines = [entry for entry in KINDS[kind](build) if entry]
    except LockfileError as e:
        print(e, file=sys.stderr)
        return 2
    except (KeyError, TypeError, AttributeError) as e:
        print(f"{kind} lockfile of an unexpected shape ({type(e).__name__}: {e})", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
