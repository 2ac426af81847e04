"""The proxy's multipart routes hand over to a destination that implements MultipartUploadSupport."""
from __future__ import annotations

import json
import os

import pytest
import requests
from mlplug.testing import write_fake_distribution

# A local repository that "uploads" parts by recording the calls, so the test sees what the proxy passed.
FAKE_REPO = '''
import json, os
from mlplug.contracts.artifacts import MultipartUploadSupport
from mlplug.hookspecs import hookimpl
from mlplug_artifacts_file.repository import LocalArtifactRepository


class RecordingMultipartRepository(LocalArtifactRepository, MultipartUploadSupport):
    def __init__(self, uri, tracking_uri=None):
        super().__init__(uri.replace("fakempu://", "", 1), tracking_uri)

    def _record(self, *call):
        os.makedirs(self.root, exist_ok=True)
        with open(os.path.join(self.root, "calls.jsonl"), "a") as f:
            f.write(json.dumps(call) + "\\n")

    def create_multipart_upload(self, path, num_parts):
        self._record("create", path, num_parts)
        return {"upload_id": "up-1", "credentials": [
            {"url": f"http://storage.invalid/{path}?part={i}", "part_number": i, "headers": {}}
            for i in range(1, num_parts + 1)]}

    def complete_multipart_upload(self, path, upload_id, parts):
        self._record("complete", path, upload_id, parts)

    def abort_multipart_upload(self, path, upload_id):
        self._record("abort", path, upload_id)


@hookimpl
def mlplug_artifact_repository(scheme, artifact_uri, tracking_uri):
    if scheme == "fakempu":
        return RecordingMultipartRepository(artifact_uri, tracking_uri)
'''


@pytest.fixture(scope="module")
def mpu_server(start_server, tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    write_fake_distribution(site, "mlplug-fake-mpu", {"mlplug.artifact_repository": {"fakempu": "fake_mpu_repo"}},
                            {"fake_mpu_repo.py": FAKE_REPO})
    dest = tmp_path_factory.mktemp("mpu-dest")
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    server = start_server("--artifacts-destination", f"fakempu://{dest}", env={"PYTHONPATH": path})
    server.mpu_dest = dest
    return server


def _calls(server) -> list:
    return [json.loads(line) for line in (server.mpu_dest / "calls.jsonl").read_text().splitlines()]


def test_multipart_create_complete_abort_reach_the_repository(mpu_server):
    base = f"{mpu_server.url}/api/2.0/mlflow-artifacts/mpu"
    created = requests.post(f"{base}/create/1/run/artifacts/model", json={"path": "/home/me/big.bin", "num_parts": 2})
    assert created.status_code == 200, created.text
    assert created.json()["upload_id"] == "up-1"
    assert [c["part_number"] for c in created.json()["credentials"]] == [1, 2]
    parts = [{"part_number": 1, "etag": "e1", "url": "u1"}, {"part_number": 2, "etag": "e2", "url": "u2"}]
    r = requests.post(f"{base}/complete/1/run/artifacts/model",
                      json={"path": "C:\\\\Users\\\\me\\\\big.bin", "upload_id": "up-1", "parts": parts})
    assert (r.status_code, r.json()) == (200, {})
    r = requests.post(f"{base}/abort/1/run/artifacts/model", json={"path": "big.bin", "upload_id": "up-2"})
    assert r.json() == {}
    assert _calls(mpu_server) == [["create", "1/run/artifacts/model/big.bin", 2],
                                  ["complete", "1/run/artifacts/model/big.bin", "up-1", parts],
                                  ["abort", "1/run/artifacts/model/big.bin", "up-2"]]
    info = requests.get(f"{mpu_server.url}/api/3.0/mlflow/server-info").json()
    assert info["multipart_uploads_enabled"] is True


def test_multipart_requests_are_validated(mpu_server):
    base = f"{mpu_server.url}/api/2.0/mlflow-artifacts/mpu"
    for url, body in ((f"{base}/create/x", {"num_parts": 2}), (f"{base}/create/x", {"path": "f", "num_parts": 0}),
                      (f"{base}/complete/x", {"path": "f"}), (f"{base}/create/../x", {"path": "f", "num_parts": 1}),
                      (f"{base}/create/x", {"path": "..", "num_parts": 1})):
        r = requests.post(url, json=body)
        assert r.status_code in (400, 404), (url, body, r.text)
