"""Check a downloaded file against npm's integrity and packageManager's hash.

Usage: integrity.py FILE INTEGRITY | integrity.py --pinned PINNED FILE... | integrity.py --store-name INTEGRITY
INTEGRITY is the registry's dist.integrity (Subresource Integrity: `sha512-<base64>`, several separated by
spaces) or `sha1:<hex>` (dist.shasum); PINNED is corepack's `<algorithm>.<hex>` from packageManager, which
one of the FILEs must match (corepack hashed the tarball, or for Yarn 2+ the yarn.js it downloaded). Exit 1
with the expected and actual digests on stderr when nothing matches. --store-name prints the name the
host's download store gives a file of that INTEGRITY (`sha512-<hex>`), or nothing when it has no sha512.
"""
import base64
import hashlib
import os
import sys


def digest(path, algorithm):
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h


def check_integrity(path, integrity):
    if integrity.startswith("sha1:"):
        actual = digest(path, "sha1").hexdigest()
        return None if actual == integrity[5:] else "sha1 %s expected, got %s" % (integrity[5:], actual)
    for sri in integrity.split():
        algorithm, _, expected = sri.partition("-")
        actual = base64.b64encode(digest(path, algorithm).digest()).decode()
        if actual == expected:
            return None
    return "%s expected, got %s-%s" % (integrity, algorithm, actual)


def store_name(integrity):
    for sri in integrity.split():
        algorithm, _, expected = sri.partition("-")
        if algorithm == "sha512":
            try:
                raw = base64.b64decode(expected, validate=True)
            except ValueError:
                return ""
            return "sha512-" + raw.hex() if len(raw) == 64 else ""
    return ""


def check_pinned(pinned, paths):
    algorithm, _, expected = pinned.partition(".")
    if algorithm not in hashlib.algorithms_available:
        return "packageManager's hash algorithm %s is unknown" % algorithm
    actual = [digest(p, algorithm).hexdigest() for p in paths if os.path.exists(p)]
    return None if expected in actual else "packageManager's %s expected, got %s.%s" % (pinned, algorithm, actual[0])


if __name__ == "__main__":
    if sys.argv[1] == "--store-name":
        print(store_name(sys.argv[2]))
        sys.exit(0)
    if sys.argv[1] == "--pinned":
        problem = check_pinned(sys.argv[2], sys.argv[3:])
    elif sys.argv[2] == "none":
        problem = "the registry gives no integrity for it"
    else:
        problem = check_integrity(sys.argv[1], sys.argv[2])
    if problem:
        print(problem, file=sys.stderr)
        sys.exit(1)
