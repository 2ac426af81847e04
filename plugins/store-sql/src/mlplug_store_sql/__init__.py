"""Tracking (and later registry) store on SQLAlchemy: sqlite, postgresql, mysql"""
