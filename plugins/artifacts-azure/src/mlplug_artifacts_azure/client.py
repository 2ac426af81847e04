"""The azure-storage-blob service client for an account, with credentials from the environment.

In order: AZURE_STORAGE_CONNECTION_STRING (it names the endpoint too, which is how Azurite and private
endpoints are reached); AZURE_STORAGE_ACCESS_KEY for the account named in the URI; otherwise
azure-identity's DefaultAzureCredential (managed identity, `az login`, AZURE_CLIENT_ID/SECRET ...) when
that package is installed (`pip install 'mlplug-artifacts-azure[identity]'`).

Transfers are sized for bounded memory and parallelism: blobs above 8 MiB go up as 4 MiB blocks sent
`MAX_CONCURRENCY` at a time, and reads fetch 4 MiB ranges.
"""
from __future__ import annotations

import functools
import os

from mlplug.errors import MlplugError

from mlplug_artifacts_azure.location import BlobLocation

_MIB = 1024 * 1024
MAX_CONCURRENCY = 8
_TRANSFER_SIZES = {"max_single_put_size": 8 * _MIB, "max_block_size": 4 * _MIB,
                   "max_single_get_size": 4 * _MIB, "max_chunk_get_size": 4 * _MIB}


def service_client(location: BlobLocation):
    """The BlobServiceClient for `location`'s account under the current settings."""
    return _cached_client(location.account_url, location.account,
                          os.environ.get("AZURE_STORAGE_CONNECTION_STRING") or None,
                          os.environ.get("AZURE_STORAGE_ACCESS_KEY") or None)


@functools.lru_cache(maxsize=16)
def _cached_client(account_url: str, account: str, connection_string: str | None, access_key: str | None):
    from azure.storage.blob import BlobServiceClient

    if connection_string:
        try:
            return BlobServiceClient.from_connection_string(connection_string, **_TRANSFER_SIZES)
        except ValueError as err:
            raise MlplugError(f"AZURE_STORAGE_CONNECTION_STRING is not a valid connection string: {err}",
                              "INVALID_PARAMETER_VALUE") from None
    if access_key:
        credential = {"account_name": account, "account_key": access_key}
        return BlobServiceClient(account_url, credential=credential, **_TRANSFER_SIZES)
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError:
        raise MlplugError(
            "No Azure credentials: set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCESS_KEY for account "
            f"'{account}', or install azure-identity (pip install 'mlplug-artifacts-azure[identity]') to use "
            "managed identities and `az login`.", "UNAUTHENTICATED") from None
    return BlobServiceClient(account_url, credential=DefaultAzureCredential(), **_TRANSFER_SIZES)
