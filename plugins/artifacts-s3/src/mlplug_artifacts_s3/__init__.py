"""Artifact repository on Amazon S3 and S3-compatible stores (MinIO, Ceph, R2 ...): s3:// URIs"""
