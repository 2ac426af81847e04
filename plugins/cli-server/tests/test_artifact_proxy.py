"""The artifact proxy over HTTP: round trips, streaming, odd names, traversal, and the serving flags."""
from __future__ import annotations

import hashlib
import http.client
import os
from urllib.parse import quote

import pytest
import requests

NAMES = ["with space.txt", "50%.txt", "hash#1.txt", "colon:x.txt", "ünïcødé/日本語.txt", "plus+and&.txt"]


def test_put_get_list_delete_round_trip(http, server):
    assert http.put(server.proxy("rt/a/one.txt"), data=b"hello").json() == {}
    assert http.put(server.proxy("rt/a/two.json"), data=b'{"x": 1}').status_code == 200
    assert http.put(server.proxy("rt/top.bin"), data=b"\x00\x01").status_code == 200

    listing = http.get(server.proxy(), params={"path": "rt"}).json()
    assert listing == {"files": [{"path": "a", "is_dir": True}, {"path": "top.bin", "is_dir": False, "file_size": 2}]}
    assert http.get(server.proxy(), params={"path": "rt/a"}).json()["files"] == [
        {"path": "one.txt", "is_dir": False, "file_size": 5}, {"path": "two.json", "is_dir": False, "file_size": 8}]
    assert http.get(server.proxy(), params={"path": "rt/none"}).json() == {}
    assert "rt" in [f["path"] for f in http.get(server.proxy()).json()["files"]]

    r = http.get(server.proxy("rt/a/one.txt"))
    assert r.content == b"hello"
    assert r.headers["Content-Type"].startswith("text/plain")
    assert r.headers["Content-Disposition"] == "attachment; filename=one.txt"
    assert r.headers["Content-Length"] == "5"
    assert http.get(server.proxy("rt/a/two.json")).headers["Content-Type"] == "application/json"
    assert http.get(server.proxy("rt/top.bin")).headers["Content-Type"] == "application/octet-stream"
    ranged = http.get(server.proxy("rt/a/one.txt"), headers={"Range": "bytes=1-3"})
    assert (ranged.status_code, ranged.content) == (206, b"ell")

    assert http.put(server.proxy("rt/a/one.txt"), data=b"replaced").status_code == 200
    assert http.get(server.proxy("rt/a/one.txt")).content == b"replaced"
    assert (server.destination / "rt" / "a" / "one.txt").read_bytes() == b"replaced"

    assert http.delete(server.proxy("rt/a/one.txt")).json() == {}
    r = http.get(server.proxy("rt/a/one.txt"))
    assert r.status_code == 404 and r.json() == {"error_code": "RESOURCE_DOES_NOT_EXIST",
                                                 "message": "No such artifact: 'rt/a/one.txt'"}
    assert http.delete(server.proxy("rt")).status_code == 200
    assert not (server.destination / "rt").exists()


def test_unusual_names_round_trip(http, server):
    for i, name in enumerate(NAMES):
        r = http.put(server.proxy("names/" + quote(name)), data=f"content {i}".encode())
        assert r.status_code == 200, (name, r.text)
    for i, name in enumerate(NAMES):
        r = http.get(server.proxy("names/" + quote(name)))
        assert r.content == f"content {i}".encode(), name
    top = {f["path"] for f in http.get(server.proxy(), params={"path": "names"}).json()["files"]}
    assert top == {n.split("/")[0] for n in NAMES}
    assert http.get(server.proxy(), params={"path": "names/ünïcødé"}).json()["files"] == [
        {"path": "日本語.txt", "is_dir": False, "file_size": 9}]
    assert (server.destination / "names" / "hash#1.txt").read_bytes() == b"content 2"


def _raw(server, method: str, path: str) -> http.client.HTTPResponse:
    """Send the path byte-for-byte (requests would normalise `..` away before sending)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request(method, path, body=b"evil" if method == "PUT" else None)
    response = conn.getresponse()
    response.body = response.read()
    conn.close()
    return response


@pytest.mark.parametrize("evil", ["../secret.txt", "a/../../secret.txt", "%2e%2e/secret.txt", "%2E%2E%2Fsecret.txt",
                                  "a/%2e%2e/%2e%2e/secret.txt", "%252e%252e/secret.txt", "/etc/passwd",
                                  "%2Fetc%2Fpasswd", "a%5C..%5Csecret.txt", "..%5Csecret.txt"])
def test_traversal_is_never_served(server, evil):
    (server.workdir / "secret.txt").write_text("TOP-SECRET-CONTENT")
    base = "/api/2.0/mlflow-artifacts/artifacts/"
    for method in ("GET", "PUT", "DELETE"):
        r = _raw(server, method, base + evil)
        assert r.status in (400, 404), (method, evil, r.status, r.body)
        assert b"TOP-SECRET" not in r.body
    r = _raw(server, "GET", "/api/2.0/mlflow-artifacts/artifacts?path=" + evil)
    assert r.status in (400, 404), (evil, r.status, r.body)
    assert b"secret.txt" not in r.body or r.body.startswith(b'{"error_code"')
    assert (server.workdir / "secret.txt").read_text() == "TOP-SECRET-CONTENT"
    assert not (server.workdir / "evil").exists()


def test_symlink_out_of_destination_is_refused(http, server):
    outside = server.workdir / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_text("TOP-SECRET-CONTENT")
    server.destination.mkdir(exist_ok=True)
    link = server.destination / "link"
    if not link.exists():
        os.symlink(outside, link)
    r = http.get(server.proxy("link/secret.txt"))
    assert r.status_code == 400 and "TOP-SECRET" not in r.text
    assert http.put(server.proxy("link/new.txt"), data=b"x").status_code == 400
    assert not (outside / "new.txt").exists()


def test_multipart_and_presigned_are_not_implemented(http, server):
    for action in ("create", "complete", "abort"):
        r = http.post(f"{server.url}/api/2.0/mlflow-artifacts/mpu/{action}/some/dir",
                      json={"path": "/local/file.bin", "num_parts": 2, "upload_id": "u", "parts": []})
        assert r.status_code == 501 and r.json()["error_code"] == "NOT_IMPLEMENTED"
    r = http.get(f"{server.url}/api/2.0/mlflow-artifacts/presigned/some/file.bin")
    assert r.status_code == 501


def _peak_rss_kb(pid: int) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_50mb_streamed_upload_and_download_keep_memory_bounded(server):
    size, chunk = 50 * 1024 * 1024, os.urandom(1024 * 1024)
    digest = hashlib.sha256(chunk * 50).hexdigest()
    (worker,) = server.worker_pids()
    before = _peak_rss_kb(worker)

    def body():
        for _ in range(50):
            yield chunk

    r = requests.put(server.proxy("big/blob.bin"), data=body())  # chunked transfer: no Content-Length
    assert r.status_code == 200, r.text
    assert (server.destination / "big" / "blob.bin").stat().st_size == size
    with open(server.workdir / "upload.bin", "wb") as f:
        f.write(chunk * 50)
    with open(server.workdir / "upload.bin", "rb") as f:
        assert requests.put(server.proxy("big/blob2.bin"), data=f).status_code == 200

    got = hashlib.sha256()
    with requests.get(server.proxy("big/blob.bin"), stream=True) as r:
        assert r.headers["Content-Length"] == str(size)
        for piece in r.iter_content(1 << 20):
            got.update(piece)
    assert got.hexdigest() == digest
    growth_mb = (_peak_rss_kb(worker) - before) / 1024
    assert growth_mb < 25, f"worker peak RSS grew by {growth_mb:.0f} MB for 50 MB transfers"


def test_no_serve_artifacts_answers_503(start_server):
    server = start_server("--no-serve-artifacts")
    assert "proxy off" in server.output()
    for method, url in (("GET", server.proxy()), ("GET", server.proxy("a.txt")), ("PUT", server.proxy("a.txt"))):
        r = requests.request(method, url, data=b"x" if method == "PUT" else None)
        assert r.status_code == 503 and r.json()["error_code"] == "TEMPORARILY_UNAVAILABLE"
        assert "--no-serve-artifacts" in r.json()["message"]
    eid = requests.post(server.api("experiments/create"), json={"name": "local"}).json()["experiment_id"]
    exp = requests.get(server.api("experiments/get"), params={"experiment_id": eid}).json()["experiment"]
    assert exp["artifact_location"] in (f"{server.destination}/{eid}", f"file://{server.destination}/{eid}")


def test_artifacts_only_serves_only_the_proxy(start_server):
    server = start_server("--artifacts-only")
    assert requests.put(server.proxy("only/x.txt"), data=b"x").status_code == 200
    assert requests.get(server.proxy("only/x.txt")).content == b"x"
    r = requests.post(server.api("experiments/create"), json={"name": "nope"})
    assert r.status_code == 503 and "--artifacts-only" in r.json()["message"]
    assert not server.db.exists()


def test_static_prefix_prefixes_every_route(start_server):
    server = start_server("--static-prefix", "/mlp")
    assert requests.get(f"{server.url}/mlp/health").text == "OK"
    assert requests.get(f"{server.url}/health").status_code == 404
    r = requests.post(server.api("experiments/create"), json={"name": "prefixed"})
    assert r.status_code == 200 and server.api("x").startswith(f"{server.url}/mlp/api/")
    assert requests.put(server.proxy("p.txt"), data=b"p").status_code == 200
    assert requests.get(f"{server.url}/mlp/ajax-api/2.0/mlflow-artifacts/artifacts/p.txt").content == b"p"
