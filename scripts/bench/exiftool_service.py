#!/usr/bin/env python3
"""A reference service wrapping ExifTool, for load comparisons with the gateway.

Same API shape as the gateway for what the load bench drives:

  POST /api/v1/extract         multipart part `file` -> {"success", "status", "fileName",
                               "uuid", "metadata": {group: {tag: value}}} (groups are
                               ExifTool's family-0 groups, lower-cased, from `-json -G0`)
  GET  /api/v1/extract/{uuid}  the stored answer
  POST /api/v1/remove          multipart part `file` -> {"success", "status", "uuid",
                               "downloadUrl"}, cleaned with `exiftool -all= -o OUT IN`
  GET  /download-cleaned/{uuid} the cleaned file
  GET  /healthz

Keys: `X-API-Key` header or `?key=`, checked against API_KEYS (comma-separated; none set =
no check). Work runs on a pool of persistent `exiftool -stay_open True -@ -` processes, one
per core by default (`--workers`). Results and cleaned files go to a temporary data
directory (`--data-dir`), as the gateway writes its own; cleaned files are deleted after
FILE_TTL_SECS (default 86400). Python standard library only.

  python3 scripts/bench/exiftool_service.py --port 8081 [--workers N] [--data-dir DIR]
"""

import argparse
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MAX_BODY = int(os.environ.get("MAX_UPLOAD_BYTES", str(100 * 1024 * 1024)))
MIME = {
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "tif": "image/tiff",
    "tiff": "image/tiff", "gif": "image/gif", "webp": "image/webp", "mp4": "video/mp4",
    "mov": "video/quicktime", "pdf": "application/pdf", "mp3": "audio/mpeg",
}


class ExifTool:
    """One persistent exiftool process; `run(args)` returns its stdout up to `{ready}`."""

    def __init__(self):
        self.proc = subprocess.Popen(
            ["exiftool", "-stay_open", "True", "-@", "-"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )

    def run(self, args):
        for a in args:
            if "\n" in a:
                raise ValueError("newline in an argument")
        self.proc.stdin.write(("\n".join(args) + "\n-execute\n").encode())
        self.proc.stdin.flush()
        out = []
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("exiftool exited")
            if line.startswith(b"{ready"):
                return b"".join(out)
            out.append(line)

    def close(self):
        try:
            self.proc.stdin.write(b"-stay_open\nFalse\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()


class Pool:
    def __init__(self, n):
        self.all = [ExifTool() for _ in range(n)]
        self.free = queue.Queue()
        for e in self.all:
            self.free.put(e)

    def run(self, args):
        et = self.free.get()
        try:
            return et.run(args)
        finally:
            self.free.put(et)

    def close(self):
        for e in self.all:
            e.close()


def parse_multipart(body, ctype):
    """Returns (file name, content) of the part named `file`, or None."""
    m = re.search(r'boundary="?([^";]+)"?', ctype)
    if not m:
        return None
    delim = b"--" + m.group(1).encode()
    for part in body.split(delim)[1:]:
        if part.startswith(b"--"):
            break
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        headers = head.decode("utf-8", "replace")
        if not re.search(r'name="file"', headers):
            continue
        fn = re.search(r'filename="([^"]*)"', headers)
        if content.endswith(b"\r\n"):
            content = content[:-2]
        return (fn.group(1) if fn else "upload"), content
    return None


def group_json(raw, name, size):
    """`exiftool -json -G0` output -> {group: {tag: value}} with a `file` group like ours."""
    try:
        obj = json.loads(raw)[0]
    except (ValueError, IndexError):
        obj = {}
    groups = {}
    for key, value in obj.items():
        if key == "SourceFile":
            continue
        group, _, tag = key.partition(":")
        if not tag:
            group, tag = "File", key
        groups.setdefault(group.lower(), {})[tag] = value
    f = groups.setdefault("file", {})
    for k in ("FileName", "Directory", "FileModifyDate", "FileAccessDate",
              "FileInodeChangeDate", "FilePermissions", "FileSize"):
        f.pop(k, None)
    f = {"Name": name, "Size": size, "Type": f.get("MIMEType", "application/octet-stream"), **f}
    groups["file"] = f
    groups.pop("exiftool", None)
    return groups


def sweeper(data_dir, ttl):
    """Deletes cleaned files older than `ttl` seconds (FILE_TTL_SECS), like the gateway."""
    import time
    root = os.path.join(data_dir, "cleaned")
    while True:
        time.sleep(min(ttl, 5))
        cutoff = time.time() - ttl
        for name in os.listdir(root):
            p = os.path.join(root, name)
            try:
                if os.path.getmtime(p) < cutoff:
                    shutil.rmtree(p, ignore_errors=True)
            except OSError:
                pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "exiftool-reference"

    def log_message(self, fmt, *args):
        pass

    def send_json(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, msg):
        self.send_json(status, {"success": False, "error": msg})

    def authorized(self, query):
        keys = self.server.keys
        if not keys:
            return True
        k = self.headers.get("X-API-Key") or (query.get("key") or [None])[0]
        return k in keys

    def do_GET(self):
        url = urlsplit(self.path)
        data = self.server.data_dir
        m = re.fullmatch(r"/api/v1/extract/([0-9a-f-]{36})", url.path)
        if m:
            p = os.path.join(data, "results", m.group(1) + ".json")
            if not os.path.exists(p):
                return self.error(404, "No extraction found with the given UUID.")
            with open(p, "rb") as f:
                return self.send_json(200, json.load(f))
        m = re.fullmatch(r"/download-cleaned/([0-9a-f-]{36})", url.path)
        if m:
            d = os.path.join(data, "cleaned", m.group(1))
            names = os.listdir(d) if os.path.isdir(d) else []
            if not names:
                return self.error(404, "No file found with the given UUID.")
            p = os.path.join(d, names[0])
            ext = names[0].rsplit(".", 1)[-1].lower()
            self.send_response(200)
            self.send_header("Content-Type", MIME.get(ext, "application/octet-stream"))
            self.send_header("Content-Length", str(os.path.getsize(p)))
            self.send_header("Content-Disposition", f'attachment; filename="{names[0]}"')
            self.end_headers()
            with open(p, "rb") as f:
                shutil.copyfileobj(f, self.wfile, 1 << 20)
            return
        if url.path == "/healthz":
            return self.send_json(200, {"status": "ok"})
        self.error(404, "Not found")

    def do_POST(self):
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY + 65536:
            return self.error(413, "The file is too large")
        body = self.rfile.read(length)
        if url.path not in ("/api/v1/extract", "/api/v1/remove"):
            return self.error(404, "Not found")
        if not self.authorized(query):
            return self.error(401, "Invalid API key")
        part = parse_multipart(body, self.headers.get("Content-Type", ""))
        if part is None:
            return self.error(400, "No input: send a multipart/form-data part named 'file'")
        name, content = part
        name = os.path.basename(name) or "upload"
        job = str(uuid.uuid4())
        work = tempfile.mkdtemp(prefix="job-", dir=os.path.join(self.server.data_dir, "tmp"))
        try:
            src = os.path.join(work, "in_" + name)
            with open(src, "wb") as f:
                f.write(content)
            if url.path == "/api/v1/extract":
                raw = self.server.pool.run(["-json", "-G0", src])
                answer = {"success": True, "status": "completed", "fileName": name,
                          "uuid": job, "metadata": group_json(raw, name, len(content))}
                with open(os.path.join(self.server.data_dir, "results", job + ".json"), "w") as f:
                    json.dump({**answer, "filename": name}, f)
                return self.send_json(200, answer)
            out_dir = os.path.join(self.server.data_dir, "cleaned", job)
            os.makedirs(out_dir)
            out = os.path.join(out_dir, name)
            res = self.server.pool.run(["-all=", "-o", out, src])
            if not os.path.exists(out):
                shutil.rmtree(out_dir, ignore_errors=True)
                msg = res.decode("utf-8", "replace").strip() or "exiftool could not clean the file"
                return self.error(415, msg)
            base = self.server.public_base
            return self.send_json(200, {"success": True, "status": "completed", "uuid": job,
                                        "downloadUrl": f"{base}/download-cleaned/{job}"})
        finally:
            shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=8081)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="exiftool processes (default: one per core)")
    ap.add_argument("--data-dir", help="default: a temporary directory, removed at exit")
    args = ap.parse_args()
    if shutil.which("exiftool") is None:
        sys.exit("exiftool is not installed (apt-get install libimage-exiftool-perl)")
    own = args.data_dir is None
    data = args.data_dir or tempfile.mkdtemp(prefix="exiftool-service-")
    for d in ("results", "cleaned", "tmp"):
        os.makedirs(os.path.join(data, d), exist_ok=True)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 1024
    server.pool = Pool(args.workers)
    server.data_dir = data
    server.keys = {k.strip() for k in os.environ.get("API_KEYS", "").split(",") if k.strip()}
    server.public_base = f"http://{args.host}:{server.server_address[1]}"
    ttl = int(os.environ.get("FILE_TTL_SECS", "86400"))
    threading.Thread(target=sweeper, args=(data, ttl), daemon=True).start()
    print(f"exiftool reference service on {server.public_base} "
          f"({args.workers} exiftool processes, data in {data})", file=sys.stderr, flush=True)
    def stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.pool.close()
        if own:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
