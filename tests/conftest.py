"""Fixtures shared by the test files; shared paths and plain helpers are in helpers.py."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def kernel() -> str:
    """The python3 Jupyter kernel, registered for this interpreter if no kernelspec is installed yet."""
    from jupyter_client.kernelspec import KernelSpecManager

    if "python3" not in KernelSpecManager().find_kernel_specs():
        from ipykernel.kernelspec import install

        install(user=True)
    return "python3"
