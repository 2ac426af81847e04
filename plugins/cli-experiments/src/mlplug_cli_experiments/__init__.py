"""mlplug experiments: create, search, delete, restore, rename"""
