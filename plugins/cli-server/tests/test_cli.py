"""`mlplug server` / `mlplug ui` as a user runs them: start-up line, option errors, light imports."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import requests

MLPLUG = str(Path(sys.executable).with_name("mlplug"))


def run_cli(*args: str, cwd=None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([MLPLUG, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout)


def test_start_up_line_names_address_backend_and_artifacts(server):
    line = next(ln for ln in server.output().splitlines() if "listening on" in ln)
    assert line.startswith(f"mlplug server listening on http://127.0.0.1:{server.port} (backend sqlite:///")
    assert f"mlflow-artifacts:/ -> {server.destination}" in line


def test_ui_is_the_same_server(tmp_path, free_port):
    port = free_port()
    proc = subprocess.Popen([MLPLUG, "ui", "--backend-store-uri", f"sqlite:///{tmp_path}/ui.db", "-p", str(port),
                             "-w", "1"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith(f"mlplug ui listening on http://127.0.0.1:{port}"), line
        assert requests.get(f"http://127.0.0.1:{port}/health").text == "OK"
        r = requests.post(f"http://127.0.0.1:{port}/api/2.0/mlflow/experiments/create", json={"name": "ui"})
        assert r.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert (tmp_path / "ui.db").exists()


def _one_line_error(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_bad_options_give_one_line_errors(tmp_path, free_port):
    _one_line_error(run_cli("server", "--port", "abc", cwd=tmp_path), "--port")
    _one_line_error(run_cli("server", "--workers", "0", cwd=tmp_path), "--workers")
    _one_line_error(run_cli("server", "--static-prefix", "nope/", cwd=tmp_path), "--static-prefix")
    _one_line_error(run_cli("server", "--static-prefix", "/trailing/", cwd=tmp_path), "--static-prefix")
    _one_line_error(run_cli("server", "--gunicorn-opts", "--no-such-flag", cwd=tmp_path), "--gunicorn-opts")
    _one_line_error(run_cli("server", "--bogus", cwd=tmp_path), "--bogus")
    _one_line_error(run_cli("server", "--backend-store-uri", "nosuchscheme://x", "-p", str(free_port()),
                            cwd=tmp_path), "nosuchscheme")
    _one_line_error(run_cli("server", "--backend-store-uri", f"sqlite:///{tmp_path}/no/such/dir/x.db",
                            "-p", str(free_port()), cwd=tmp_path), "does not exist")


def test_port_in_use_is_reported(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("server", "--backend-store-uri", f"sqlite:///{tmp_path}/x.db", "-p", str(port),
                         cwd=tmp_path, timeout=20)
    _one_line_error(result, f"Port {port}", "already in use")


def test_environment_variables_configure_the_server(tmp_path, free_port):
    port = free_port()
    env = {**os.environ, "MLFLOW_BACKEND_STORE_URI": f"sqlite:///{tmp_path}/env.db", "MLPLUG_PORT": str(port),
           "MLFLOW_WORKERS": "1"}
    proc = subprocess.Popen([MLPLUG, "server"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        assert f"http://127.0.0.1:{port}" in proc.stdout.readline()
        assert requests.get(f"http://127.0.0.1:{port}/health").text == "OK"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert (tmp_path / "env.db").exists()


def test_gunicorn_opts_are_applied(start_server):
    server = start_server("--gunicorn-opts", "--access-logfile - --log-level info")
    requests.get(f"{server.url}/health")
    assert "GET /health" in server.output()


def test_command_module_imports_only_click():
    code = ("import sys, mlplug_cli_server.commands as c; c.mlplug_cli_command('server').to_info_dict"
            "; heavy = {'flask', 'gunicorn', 'werkzeug', 'sqlalchemy'} & set(sys.modules); print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_server_stops_cleanly_on_sigterm(start_server):
    server = start_server(workers=2)
    assert requests.post(server.api("experiments/create"), json={"name": "before-stop"}).status_code == 200
    server.stop()
    assert server.proc.returncode == 0
    assert "Traceback" not in server.output() and "Error" not in server.output()


def test_http11_clients_keep_their_connection(server):
    import http.client
    import time

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    ports = set()
    for pause in (0, 0, 0.05, 0, 0.3, 0):  # back-to-back requests and ones after the worker let go
        time.sleep(pause)
        conn.request("GET", "/health")
        response = conn.getresponse()
        assert (response.status, response.read()) == (200, b"OK")
        assert response.getheader("Connection", "").lower() != "close"
        ports.add(conn.sock.getsockname()[1])
    conn.close()
    assert len(ports) == 1
