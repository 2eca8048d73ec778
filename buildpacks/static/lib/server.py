"""A small, fast static file server for the static buildpack.

Serves static.json's "root" (default: the app dir) on $PORT: content types
from the file extension, gzip for text types when the client accepts it,
ETag/If-None-Match, Cache-Control (no-cache for HTML, an hour for the rest,
or what static.json's "headers" say per glob), "clean_urls" (/about serves
about.html), index.html for directories, and a 404 page (404.html or
static.json's "error_page"). Files are read once and kept in memory with their
gzip form, so repeated requests cost no disk reads or compression.
"""
import fnmatch
import gzip
import hashlib
import json
import mimetypes
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

APP = os.environ.get("STATIC_APP_DIR", "/app")
CONFIG = {}
if os.path.exists(os.path.join(APP, "static.json")):
    with open(os.path.join(APP, "static.json")) as f:
        CONFIG = json.load(f)
ROOT = os.path.realpath(os.path.join(APP, CONFIG.get("root", ".")))
CLEAN = bool(CONFIG.get("clean_urls", False))
HEADERS = CONFIG.get("headers", {})
ERROR_PAGE = CONFIG.get("error_page", "404.html")
TEXT = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml", "application/wasm")
EXTRA_TYPES = {".js": "application/javascript", ".mjs": "application/javascript", ".json": "application/json",
               ".svg": "image/svg+xml", ".wasm": "application/wasm", ".webp": "image/webp", ".woff2": "font/woff2",
               ".woff": "font/woff", ".ico": "image/x-icon", ".map": "application/json", ".txt": "text/plain"}
CACHE = {}


def content_type(path):
    ext = os.path.splitext(path)[1].lower()
    ctype = EXTRA_TYPES.get(ext) or mimetypes.guess_type(path)[0] or "application/octet-stream"
    return ctype + "; charset=utf-8" if ctype.startswith("text/") or ctype in ("application/javascript", "application/json") else ctype


def load(path):
    st = os.stat(path)
    hit = CACHE.get(path)
    if hit and hit[0] == (st.st_mtime_ns, st.st_size):
        return hit[1]
    with open(path, "rb") as f:
        body = f.read()
    ctype = content_type(path)
    gz = gzip.compress(body, 6, mtime=0) if ctype.startswith(TEXT) and len(body) > 256 else None
    entry = {"body": body, "gz": gz, "type": ctype, "etag": '"%s"' % hashlib.sha1(body).hexdigest()[:20]}
    CACHE[path] = ((st.st_mtime_ns, st.st_size), entry)
    return entry


def resolve(url_path):
    rel = unquote(url_path).lstrip("/")
    candidates = [rel, os.path.join(rel, "index.html")]
    if CLEAN:
        candidates.insert(1, rel.rstrip("/") + ".html")
    for c in candidates:
        full = os.path.realpath(os.path.join(ROOT, c))
        if (full == ROOT or full.startswith(ROOT + os.sep)) and os.path.isfile(full):
            return full
    return None


def cache_control(url_path, ctype):
    for pattern, headers in HEADERS.items():
        if fnmatch.fnmatch(url_path, pattern.replace("**", "*")):
            return headers
    return {"Cache-Control": "no-cache" if ctype.startswith("text/html") else "public, max-age=3600"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tspaas-static"

    def do_HEAD(self):
        self.do_GET(head=True)

    def do_GET(self, head=False):
        url_path = urlsplit(self.path).path
        path = resolve(url_path)
        status = 200
        if path is None:
            status, path = 404, resolve(ERROR_PAGE)
        if path is None:
            return self.reply(404, {"Content-Type": "text/plain; charset=utf-8"}, b"Not Found\n", head)
        entry = load(path)
        headers = {"Content-Type": entry["type"], "ETag": entry["etag"], "Vary": "Accept-Encoding"}
        headers.update(cache_control(url_path, entry["type"]))
        if status == 200 and self.headers.get("If-None-Match") == entry["etag"]:
            return self.reply(304, headers, b"", True)
        body = entry["body"]
        if entry["gz"] is not None and "gzip" in self.headers.get("Accept-Encoding", ""):
            body, headers["Content-Encoding"] = entry["gz"], "gzip"
        self.reply(status, headers, body, head)

    def reply(self, status, headers, body, head):
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "5000"))
    ThreadingHTTPServer.daemon_threads = True
    print("static: serving %s on port %d" % (ROOT, port), flush=True)
    ThreadingHTTPServer(("", port), Handler).serve_forever()
