"""mlplug runs: list, describe, delete, restore"""
