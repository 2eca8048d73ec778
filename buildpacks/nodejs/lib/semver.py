"""Pick the highest version satisfying an npm semver range.

Usage: semver.py RANGE [NODE_VERSION] < packument.json  (abbreviated npm
metadata; the keys of "versions" are the candidates). Prints the version, its
tarball URL and its integrity (`sha512-…`, else `sha1:<shasum>`). With
NODE_VERSION, versions whose engines.node that Node does not satisfy are
skipped (exit 2, the best such version and its engines.node on stderr, when
only those match; exit 1 when nothing matches). Supports what package.json engines use:
exact versions, x-ranges (22, 22.x, 22.11.x, *), ^ and ~, comparators
(>=, >, <=, <, =), hyphen ranges (a - b), space-separated sets (AND) and
|| (OR). Prereleases are only picked when the range names one exactly.
"""
import json
import re
import sys

NUM = re.compile(r"^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?$")
INF = 10 ** 9


def parse_version(v):
    m = re.match(r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$", v)
    return (int(m[1]), int(m[2]), int(m[3]), m[4]) if m else None


def partial(text):
    """'22.x' -> ([22, None, None], pre)."""
    m = NUM.match(text)
    if not m:
        raise ValueError("bad version in range: %s" % text)
    parts = [None if p is None or p in "xX*" else int(p) for p in m.groups()[:3]]
    for i in range(1, 3):  # 1.x.3 means 1.x
        if parts[i - 1] is None:
            parts[i] = None
    return parts, m[4]


def lower(parts):
    return tuple(p or 0 for p in parts)


def upper_exclusive(parts):
    """The first version above an x-range: 1.2 -> 1.3.0, 1 -> 2.0.0."""
    if parts[0] is None:
        return (INF, 0, 0)
    if parts[1] is None:
        return (parts[0] + 1, 0, 0)
    return (parts[0], parts[1] + 1, 0)


def comparator(token):
    """One token -> list of (op, version tuple)."""
    m = re.match(r"^(>=|<=|>|<|=|\^|~>?)?\s*(.*)$", token)
    op, rest = m[1] or "", m[2]
    parts, _ = partial(rest)
    lo = lower(parts)
    if op in ("", "="):
        if None in parts:
            return [(">=", lo), ("<", upper_exclusive(parts))]
        return [("=", lo)]
    if op.startswith("~"):
        return [(">=", lo), ("<", upper_exclusive(parts if parts[1] is None else [parts[0], parts[1], None]))]
    if op == "^":
        if lo[0] > 0 or parts[1] is None:
            return [(">=", lo), ("<", (lo[0] + 1, 0, 0))]
        if lo[1] > 0 or parts[2] is None:
            return [(">=", lo), ("<", (0, lo[1] + 1, 0))]
        return [(">=", lo), ("<", (0, 0, lo[2] + 1))]
    if op == ">" and None in parts:
        return [(">=", upper_exclusive(parts))]
    if op == "<=" and None in parts:
        return [("<", upper_exclusive(parts))]
    return [(op, lo)]


def comparator_set(text):
    text = re.sub(r"(>=|<=|>|<|=|\^|~>?)\s+", r"\1", text.strip())
    hyphen = re.match(r"^(\S+)\s+-\s+(\S+)$", text)
    if hyphen:
        lo, _ = partial(hyphen[1])
        hi, _ = partial(hyphen[2])
        return [(">=", lower(lo)), ("<", upper_exclusive(hi)) if None in hi else ("<=", lower(hi))]
    out = []
    for token in text.split():
        if token not in ("*", "x", "X", ""):
            out.extend(comparator(token))
    return out


OPS = {"=": lambda a, b: a == b, ">=": lambda a, b: a >= b, ">": lambda a, b: a > b,
       "<=": lambda a, b: a <= b, "<": lambda a, b: a < b}


def satisfies(v, sets):
    return any(all(OPS[op](v, bound) for op, bound in s) for s in sets)


def best(range_text, versions):
    sets = [comparator_set(part) for part in (range_text.strip() or "*").split("||")]
    exact = range_text.strip().lstrip("=v")
    candidates = []
    for text in versions:
        v = parse_version(text)
        if v and (v[3] is None or text == exact) and satisfies(v[:3], sets):
            candidates.append((v[:3], v[3] is None, text))
    return max(candidates)[2] if candidates else None


def runs_on(doc, version, node):
    engines = (doc["versions"][version].get("engines") or {}).get("node")
    if not node or not isinstance(engines, str):
        return True
    try:
        return best(engines, [node]) is not None
    except ValueError:
        return True  # an engines.node this resolver cannot read does not exclude the version


def dist_of(doc, version):
    dist = doc["versions"][version].get("dist", {})
    integrity = dist.get("integrity") or ("sha1:" + dist["shasum"] if dist.get("shasum") else "none")
    return "%s %s %s" % (version, dist.get("tarball", ""), integrity)


if __name__ == "__main__":
    doc = json.load(sys.stdin)
    node = sys.argv[2] if len(sys.argv) > 2 else ""
    versions = list(doc.get("versions", {}).keys())
    try:
        found = best(sys.argv[1], [v for v in versions if runs_on(doc, v, node)])
        unfit = None if found else best(sys.argv[1], versions)
    except ValueError as e:
        print(e, file=sys.stderr)
        sys.exit(1)
    if unfit:
        print("%s needs Node %s" % (unfit, doc["versions"][unfit]["engines"]["node"]), file=sys.stderr)
        sys.exit(2)
    if not found:
        latest = best("*", versions)
        print("(the newest is %s)" % latest if latest else "(it has no versions)", file=sys.stderr)
        sys.exit(1)
    print(dist_of(doc, found))
