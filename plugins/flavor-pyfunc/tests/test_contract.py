"""The python_function flavour passes the kernel's flavour contract suite with a custom PythonModel."""
from __future__ import annotations

import pandas as pd
import pytest
from mlplug.testing.contracts.flavor import FlavorContract
from mlplug_flavor_pyfunc import PythonModel
from mlplug_flavor_pyfunc.flavor import PyfuncFlavor


class WeightedSum(PythonModel):
    def __init__(self, weights: dict[str, float]):
        self.weights = weights

    def predict(self, context, model_input, params=None):
        return sum(model_input[c].to_numpy() * w for c, w in self.weights.items())


class TestPyfuncFlavor(FlavorContract):
    @pytest.fixture
    def flavor(self):
        return PyfuncFlavor()

    @pytest.fixture
    def model(self):
        return WeightedSum({"x": 0.5, "y": 2.0})

    @pytest.fixture
    def example(self):
        return pd.DataFrame({"x": [0.5, 1.5, -2.0], "y": [2.0, 3.25, 0.0], "n": [1, 2, 3]})
