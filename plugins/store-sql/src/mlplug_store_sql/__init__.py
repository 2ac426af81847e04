"""Tracking and model-registry stores on SQLAlchemy: sqlite, postgresql, mysql"""
