"""The google-cloud-storage client, configured from the environment.

Credentials come from Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's login,
the metadata server on Google Cloud); the project from GOOGLE_CLOUD_PROJECT or the credentials. With
STORAGE_EMULATOR_HOST set (e.g. ``http://127.0.0.1:9023``) the library talks to that emulator, and the
client uses anonymous credentials and a placeholder project, as emulators need neither.

Finding credentials can take seconds (a metadata-server probe off Google Cloud), so clients are shared
per distinct configuration.
"""
from __future__ import annotations

import functools
import os
import threading

from mlplug.errors import MlplugError

EMULATOR_PROJECT = "mlplug-emulator"
_lock = threading.Lock()


def gcs_client():
    """The client for the current settings (re-read on every call, so a changed environment applies)."""
    return _cached_client(os.environ.get("STORAGE_EMULATOR_HOST") or None,
                          os.environ.get("GOOGLE_CLOUD_PROJECT") or None,
                          os.environ.get("GOOGLE_APPLICATION_CREDENTIALS"))


@functools.lru_cache(maxsize=8)
def _cached_client(emulator_host: str | None, project: str | None, _credentials_file: str | None):
    from google.auth.exceptions import DefaultCredentialsError
    from google.cloud import storage

    with _lock:
        if emulator_host:
            from google.auth.credentials import AnonymousCredentials

            return storage.Client(project=project or EMULATOR_PROJECT, credentials=AnonymousCredentials())
        try:
            return storage.Client(project=project)
        except DefaultCredentialsError as err:
            raise MlplugError(
                f"No Google Cloud credentials for gs:// artifacts: {err}. Set GOOGLE_APPLICATION_CREDENTIALS to "
                "a service account key file, or run `gcloud auth application-default login`.",
                "UNAUTHENTICATED") from None
