"""Tracking store over MLflow's REST API: http, https"""
