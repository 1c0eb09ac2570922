"""Tooling run from ``make``: model build, project checks, the run command, the test stack."""
