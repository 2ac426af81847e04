"""Tracking and model-registry stores over MLflow's REST API: http, https"""
