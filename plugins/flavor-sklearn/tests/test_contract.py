"""The sklearn flavour passes the kernel's flavour contract suite."""
from __future__ import annotations

import pytest
from mlplug.testing.contracts.flavor import FlavorContract
from mlplug_flavor_sklearn.flavor import SklearnFlavor


class TestSklearnFlavor(FlavorContract):
    @pytest.fixture
    def flavor(self):
        return SklearnFlavor()

    @pytest.fixture
    def model(self, elastic_net):
        return elastic_net

    @pytest.fixture
    def example(self, diabetes):
        return diabetes[0].head(3)


class TestSklearnFlavorCloudpickle(TestSklearnFlavor):
    @pytest.fixture
    def save_options(self):
        return {"serialization_format": "cloudpickle"}
