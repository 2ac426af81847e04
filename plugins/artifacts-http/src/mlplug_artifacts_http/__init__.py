"""Artifact repository through a tracking server's artifact proxy: mlflow-artifacts, http, https"""
