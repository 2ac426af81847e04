"""S3ArtifactRepository: artifacts as objects under one key prefix of an S3 bucket.

`s3://bucket/prefix` roots the repository at `prefix/` in `bucket`; artifact paths (checked with
`safe_relpath` before any request) are appended with `/`. Keys are used literally: S3 has no
directories, so a "directory" is a common key prefix and exists only while something is under it.

Transfers go through boto3's managed transfer: files above 8 MiB are sent (and fetched) as parts in
parallel threads. Listing asks for one level (`Delimiter="/"`) page by page; deletion lists a prefix and
deletes each page of up to 1000 keys in one request.
"""
from __future__ import annotations

import contextlib
import mimetypes
import os
import posixpath
from typing import BinaryIO, Iterator
from urllib.parse import urlsplit

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from mlplug.contracts.artifacts import ArtifactRepository, MultipartUploadSupport, PrefixedKeys, safe_relpath
from mlplug.entities import FileInfo
from mlplug.errors import InvalidParameter, MlplugError, NotFound

from mlplug_artifacts_s3.client import s3_client, upload_extra_args
from mlplug.streams import FullReads, seekable

_MIB = 1024 * 1024
# Few in-memory parts: an unsized stream (a proxied upload) is otherwise buffered up to 10 × 8 MiB.
_TRANSFER = TransferConfig(multipart_threshold=8 * _MIB, multipart_chunksize=8 * _MIB, max_concurrency=8)
_TRANSFER.max_in_memory_upload_chunks = 4  # not a constructor argument of boto3's TransferConfig
MAX_PARTS = 10_000  # S3's limit per multipart upload
PRESIGNED_URL_EXPIRATION = 3600  # seconds a part URL stays valid


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, key prefix without slashes) of `s3://bucket/prefix`."""
    parts = urlsplit(uri)
    if parts.scheme.lower() != "s3" or not parts.netloc:
        raise InvalidParameter(f"Not an S3 URI: {uri!r}; expected s3://<bucket>/<prefix>")
    return parts.netloc, parts.path.strip("/")


class S3ArtifactRepository(PrefixedKeys, ArtifactRepository, MultipartUploadSupport):
    """Artifacts below `s3://bucket/prefix`; settings are read from the environment (see `client`)."""

    page_size = 1000  # keys per listing request, and so per batched delete (S3's maximum for both)

    def __init__(self, artifact_uri: str, tracking_uri: str | None = None):
        super().__init__(artifact_uri, tracking_uri)
        self.bucket, self.prefix = parse_s3_uri(artifact_uri)
        self.client = s3_client()
        self._extra_args = upload_extra_args()

    def _upload_args(self, key: str) -> dict:
        content_type = mimetypes.guess_type(key)[0]
        return {**({"ContentType": content_type} if content_type else {}), **self._extra_args}

    def _pages(self, prefix: str, delimiter: str | None = None) -> Iterator[dict]:
        """The pages of a listing of `prefix`, `page_size` keys (and common prefixes) each."""
        args = {"Bucket": self.bucket, "Prefix": prefix, **({"Delimiter": delimiter} if delimiter else {})}
        return self.client.get_paginator("list_objects_v2").paginate(
            **args, PaginationConfig={"PageSize": self.page_size})

    @contextlib.contextmanager
    def _errors(self, action: str, path: str | None) -> Iterator[None]:
        """Turn S3's error codes into mlplug errors that say what to fix."""
        try:
            yield
        except ClientError as err:
            raise _translate(err, action, path or "", self.bucket) from None

    # --- writing -------------------------------------------------------------------------------------
    def write(self, path: str, stream: BinaryIO) -> None:
        key = self._file_key(path)
        with self._errors("upload", path):
            source = stream if seekable(stream) else FullReads(stream)
            self.client.upload_fileobj(source, self.bucket, key, ExtraArgs=self._upload_args(key),
                                       Config=_TRANSFER)

    def log_artifact(self, local_file: str, artifact_path: str | None = None) -> None:
        key = self._key(posixpath.join(safe_relpath(artifact_path), os.path.basename(local_file)))
        with self._errors("upload", self._relative(key)):
            self.client.upload_file(local_file, self.bucket, key, ExtraArgs=self._upload_args(key),
                                    Config=_TRANSFER)

    # --- reading -------------------------------------------------------------------------------------
    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        prefix = self._dir_prefix(safe_relpath(path))
        infos = []
        with self._errors("list", path):
            for page in self._pages(prefix, delimiter="/"):
                for common in page.get("CommonPrefixes", []):
                    infos.append(FileInfo(self._relative(common["Prefix"].rstrip("/")), True))
                for obj in page.get("Contents", []):
                    if obj["Key"] != prefix:  # a zero-byte "folder" marker some tools create
                        infos.append(FileInfo(self._relative(obj["Key"]), False, obj["Size"]))
        return sorted(infos, key=lambda info: info.path)

    def iter_files(self, path: str | None = None) -> Iterator[FileInfo]:
        """Every file below `path` from one flat listing (no request per directory level)."""
        prefix = self._dir_prefix(safe_relpath(path))
        with self._errors("list", path):
            for page in self._pages(prefix):
                for obj in page.get("Contents", []):
                    if not obj["Key"].endswith("/"):
                        yield FileInfo(self._relative(obj["Key"]), False, obj["Size"])

    def is_dir(self, rel: str) -> bool:
        with self._errors("list", rel):
            page = self.client.list_objects_v2(Bucket=self.bucket, Prefix=self._dir_prefix(rel), MaxKeys=1)
        return page.get("KeyCount", 0) > 0

    def open(self, path: str) -> BinaryIO:
        """The object's body as a stream read from the network as it is consumed."""
        rel = safe_relpath(path)
        if not rel:
            raise NotFound("No such artifact: '' (the root is a directory)")
        with self._errors("read", rel):
            found = self.client.get_object(Bucket=self.bucket, Key=self._key(rel))
        body = found["Body"]
        body.size = found["ContentLength"]  # the contract's length hint, for the proxy's Content-Length
        return body

    def download_file(self, rel: str, local_path: str) -> None:
        os.makedirs(os.path.dirname(local_path) or ".", exist_ok=True)
        with self._errors("download", rel):
            self.client.download_file(self.bucket, self._file_key(rel), local_path, Config=_TRANSFER)

    # --- deleting ------------------------------------------------------------------------------------
    def delete_artifacts(self, path: str | None = None) -> None:
        """Delete the file `path` and everything below `path/`; missing paths are already deleted."""
        rel = safe_relpath(path)
        with self._errors("delete", path):
            if rel:
                self._delete_keys([self._key(rel)])
            for page in self._pages(self._dir_prefix(rel)):
                self._delete_keys([obj["Key"] for obj in page.get("Contents", [])])

    def _delete_keys(self, keys: list[str]) -> None:
        if not keys:
            return
        response = self.client.delete_objects(
            Bucket=self.bucket, Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True})
        if response.get("Errors"):
            first = response["Errors"][0]
            raise MlplugError(f"Could not delete {len(response['Errors'])} object(s) in bucket '{self.bucket}', "
                              f"e.g. '{first.get('Key')}': {first.get('Code')} {first.get('Message')}")

    # --- multipart uploads through presigned URLs (served by the artifact proxy) --------------------
    def create_multipart_upload(self, path: str, num_parts: int) -> dict:
        key = self._file_key(path)
        if not 1 <= num_parts <= MAX_PARTS:
            raise InvalidParameter(f"num_parts must be between 1 and {MAX_PARTS}, got {num_parts}.")
        with self._errors("start a multipart upload of", path):
            upload_id = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=key, **self._upload_args(key))["UploadId"]
            credentials = [
                {"url": self.client.generate_presigned_url(
                    "upload_part", ExpiresIn=PRESIGNED_URL_EXPIRATION,
                    Params={"Bucket": self.bucket, "Key": key, "UploadId": upload_id, "PartNumber": number}),
                 "part_number": number, "headers": {}}
                for number in range(1, num_parts + 1)]
        return {"upload_id": upload_id, "credentials": credentials}

    def complete_multipart_upload(self, path: str, upload_id: str, parts: list[dict]) -> None:
        key = self._file_key(path)
        try:
            s3_parts = sorted(({"PartNumber": int(p["part_number"]), "ETag": p["etag"]} for p in parts),
                              key=lambda part: part["PartNumber"])
        except (KeyError, TypeError, ValueError):
            raise InvalidParameter("Each part needs a numeric 'part_number' and the 'etag' its PUT returned.") from None
        with self._errors("complete the multipart upload of", path):
            self.client.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                                  MultipartUpload={"Parts": s3_parts})

    def abort_multipart_upload(self, path: str, upload_id: str) -> None:
        with self._errors("abort the multipart upload of", path):
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self._file_key(path), UploadId=upload_id)


_NOT_FOUND = {"NoSuchKey", "404", "NotFound"}
_INVALID = {"InvalidPart", "InvalidPartOrder", "EntityTooSmall", "InvalidArgument", "MalformedXML"}
_DENIED = {"AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"}


def _translate(err: ClientError, action: str, path: str, bucket: str) -> Exception:
    code = str(err.response.get("Error", {}).get("Code", ""))
    message = err.response.get("Error", {}).get("Message") or str(err)
    what = f"{action} '{path}'"
    if code == "NoSuchBucket":
        return NotFound(f"Cannot {what}: bucket '{bucket}' does not exist. Create it or fix the artifact URI.")
    if code == "NoSuchUpload":
        return NotFound(f"Cannot {what}: no such upload (it was completed or aborted, or has expired).")
    if code in _NOT_FOUND:
        return NotFound(f"No such artifact: '{path}'")
    if code in _INVALID:
        return InvalidParameter(f"Cannot {what}: {code}: {message}")
    if code in _DENIED:
        return MlplugError(f"Cannot {what} in bucket '{bucket}': {code}: {message}. Check the AWS credentials "
                           "(AWS_ACCESS_KEY_ID / AWS_PROFILE) and the bucket policy.", "PERMISSION_DENIED")
    return err
