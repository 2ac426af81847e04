"""Artifact repository on the local filesystem: file:// URIs and plain paths"""
