"""The boto3 S3 client, configured from the environment the way AWS tools and MLflow setups expect.

- endpoint: MLPLUG_S3_ENDPOINT_URL, else MLFLOW_S3_ENDPOINT_URL (MinIO, Ceph, R2, moto ...);
- TLS: MLPLUG_S3_IGNORE_TLS / MLFLOW_S3_IGNORE_TLS=true skips certificate checks (self-signed gateways);
- region, credentials, profiles, CA bundle: boto3's own chain (AWS_* variables, ~/.aws files, roles),
  plus AWS_REGION, which botocore alone does not read;
- addressing style: AWS_S3_ADDRESSING_STYLE (`path`, `virtual`, `auto`), else the AWS config file.

Building a client loads botocore's service model (tens of milliseconds), so clients are shared per
distinct configuration; boto3 clients are thread-safe.
"""
from __future__ import annotations

import functools
import json
import os
import threading

import boto3
from botocore.config import Config

from mlplug import config
from mlplug.errors import InvalidParameter

_lock = threading.Lock()


def s3_client():
    """The client for the current settings (re-read on every call, so a changed environment applies)."""
    return _cached_client(
        config.setting("S3_ENDPOINT_URL"),
        config.flag("S3_IGNORE_TLS"),
        os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
        os.environ.get("AWS_REGION") or None,
        # Credentials are resolved once per client; a different key or profile needs a new client.
        os.environ.get("AWS_PROFILE"),
        os.environ.get("AWS_ACCESS_KEY_ID"),
    )


@functools.lru_cache(maxsize=16)
def _cached_client(endpoint_url: str | None, ignore_tls: bool, addressing_style: str | None,
                   region: str | None, _profile: str | None, _access_key: str | None):
    if addressing_style not in (None, "auto", "path", "virtual"):
        raise InvalidParameter(f"AWS_S3_ADDRESSING_STYLE={addressing_style!r} is not one of auto, path, virtual.")
    client_config = Config(signature_version="s3v4", retries={"mode": "standard"},
                           s3={"addressing_style": addressing_style} if addressing_style else None)
    with _lock:  # boto3 sessions are not thread-safe while they build clients
        return boto3.session.Session().client("s3", endpoint_url=endpoint_url, region_name=region,
                                              verify=False if ignore_tls else None, config=client_config)


def upload_extra_args() -> dict:
    """MLPLUG_S3_UPLOAD_EXTRA_ARGS / MLFLOW_S3_UPLOAD_EXTRA_ARGS: a JSON object of upload arguments,
    e.g. ``{"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "..."}``."""
    raw = config.setting("S3_UPLOAD_EXTRA_ARGS")
    if not raw:
        return {}
    try:
        extra = json.loads(raw)
    except ValueError as err:
        raise InvalidParameter(f"S3_UPLOAD_EXTRA_ARGS is not valid JSON ({err}); set it to a JSON object "
                               'such as {"ServerSideEncryption": "AES256"}.') from None
    if not isinstance(extra, dict):
        raise InvalidParameter("S3_UPLOAD_EXTRA_ARGS must be a JSON object of boto3 upload arguments.")
    return extra
