"""URI rules: the scheme that selects a plugin, local paths, joining, runs:/ URIs, redaction."""
from __future__ import annotations

import os

import pytest

from mlplug.uri import (ModelsUri, file_uri, is_local, join, local_path, parse_models_uri, parse_runs_uri, redact,
                        scheme_of, split_scheme)


@pytest.mark.parametrize("uri, scheme", [
    ("sqlite:///mlplug.db", "sqlite"),
    ("postgresql+psycopg://u:p@h/db", "postgresql"),
    ("mysql+pymysql://root@127.0.0.1/test", "mysql"),
    ("HTTP://Example.com", "http"),
    ("https://host:5000", "https"),
    ("mlflow-artifacts:/1/abc", "mlflow-artifacts"),
    ("s3://bucket/key", "s3"),
    ("runs:/abc/model", "runs"),
    ("file:///tmp/x", "file"),
    ("/tmp/mlruns", "file"),
    ("./mlruns", "file"),
    ("mlruns", "file"),
    ("C:\\Users\\me\\mlruns", "file"),
    ("c:/data", "file"),
    ("", "file"),
])
def test_scheme_of(uri, scheme):
    assert scheme_of(uri) == scheme


def test_is_local():
    assert is_local("/tmp/a") and is_local("file:///tmp/a")
    assert not is_local("s3://b/k")


def test_local_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert local_path("file:///tmp/a%20b") == "/tmp/a b"
    assert local_path("file://localhost/tmp/x") == "/tmp/x"
    assert local_path("mlruns/0") == os.path.join(str(tmp_path), "mlruns", "0")
    with pytest.raises(ValueError, match="remote host"):
        local_path("file://otherhost/tmp/x")


def test_file_uri_round_trips_through_local_path(tmp_path):
    path = tmp_path / "dir with space"
    uri = file_uri(str(path))
    assert uri == "file://" + str(path).replace(" ", "%20")
    assert local_path(uri) == str(path)


@pytest.mark.parametrize("base, parts, expected", [
    ("s3://bucket/root", ("1", "abc", "artifacts"), "s3://bucket/root/1/abc/artifacts"),
    ("s3://bucket/root/", ("/1/",), "s3://bucket/root/1"),
    ("mlflow-artifacts:/", ("0",), "mlflow-artifacts:/0"),
    ("/tmp/x", ("",), "/tmp/x"),
    ("/tmp/x", (), "/tmp/x"),
])
def test_join(base, parts, expected):
    assert join(base, *parts) == expected


def test_split_scheme():
    assert split_scheme("runs:/abc/x") == ("runs", "/abc/x")
    assert split_scheme("/plain/path") == ("", "/plain/path")
    assert split_scheme("C:\\x") == ("", "C:\\x")


def test_parse_runs_uri():
    assert parse_runs_uri("runs:/abc123/model/MLmodel") == ("abc123", "model/MLmodel")
    assert parse_runs_uri("runs:/abc123") == ("abc123", "")
    assert parse_runs_uri("runs:///abc123/model/") == ("abc123", "model")
    with pytest.raises(ValueError, match="no run id"):
        parse_runs_uri("runs:/")
    with pytest.raises(ValueError, match="not a runs:/ URI"):
        parse_runs_uri("models:/m/1")


def test_redact_hides_passwords_only():
    assert redact("postgresql://user:s3cr3t@db:5432/mlflow") == "postgresql://user:***@db:5432/mlflow"
    assert redact("mysql+pymysql://root@127.0.0.1/test") == "mysql+pymysql://root@127.0.0.1/test"
    assert redact("http://127.0.0.1:5000") == "http://127.0.0.1:5000"
    assert redact("sqlite:///mlplug.db") == "sqlite:///mlplug.db"


@pytest.mark.parametrize("uri, expected", [
    ("models:/m-0123", ModelsUri(model_id="m-0123")),
    ("models:/clf/3", ModelsUri(name="clf", version="3")),
    ("models:/clf/Production", ModelsUri(name="clf", stage="Production")),
    ("models:/clf/latest", ModelsUri(name="clf", latest=True)),
    ("models:/clf/LATEST", ModelsUri(name="clf", latest=True)),
    ("models:/clf@champion", ModelsUri(name="clf", alias="champion")),
    ("models:/clf@champion/sub/MLmodel", ModelsUri(name="clf", alias="champion", path="sub/MLmodel")),
    ("models:/clf/3/MLmodel", ModelsUri(name="clf", version="3", path="MLmodel")),
    ("models:/my@odd@name@v", ModelsUri(name="my@odd@name", alias="v")),
])
def test_parse_models_uri(uri, expected):
    assert parse_models_uri(uri) == expected


@pytest.mark.parametrize("uri", ["models:/", "models:", "models:/@alias", "models:/clf@", "models://host/clf/1",
                                 "models:/clf/ ", "runs:/abc/model", "models:/ /1"])
def test_improper_models_uris_are_rejected(uri):
    with pytest.raises(ValueError, match="Not a proper models:/ URI"):
        parse_models_uri(uri)
