"""The abstract base classes that objects returned by factory hooks implement.

Import the one you need from its module (`mlplug.contracts.tracking` ...); each is small and imports
nothing heavy, so a plugin can subclass it without slowing anybody's start-up.
"""
