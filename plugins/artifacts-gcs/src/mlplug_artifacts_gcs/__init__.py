"""Artifact repository on Google Cloud Storage: gs:// URIs"""
