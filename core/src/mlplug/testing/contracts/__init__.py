"""Contract test suites: one class of plain pytest tests per contract, subclassed by every implementation.

Each suite needs a fixture (e.g. `store`) that the subclass provides, in the style of fsspec's abstract
test suites; see the module of each suite for an example.
"""
