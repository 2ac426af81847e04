"""Shared models and data for the sklearn flavour's tests: small, deterministic, fitted once per session."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def diabetes():
    from sklearn.datasets import load_diabetes

    return load_diabetes(return_X_y=True, as_frame=True)


@pytest.fixture(scope="session")
def elastic_net(diabetes):
    from sklearn.linear_model import ElasticNet

    X, y = diabetes
    return ElasticNet(alpha=0.1).fit(X, y)


@pytest.fixture(scope="session")
def iris():
    from sklearn.datasets import load_iris

    return load_iris(return_X_y=True, as_frame=True)


@pytest.fixture(scope="session")
def logistic(iris):
    from sklearn.linear_model import LogisticRegression

    X, y = iris
    return LogisticRegression(max_iter=500).fit(X, y)
