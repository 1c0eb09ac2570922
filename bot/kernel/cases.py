"""Case numbers, one format across the product: ``<prefix>-<at least six digits>``.

A citizen is told ``MT-000042`` (a motorcycle-taxi complaint), ``H-000007`` (a request for a
person), ``DS-000003`` (a disaster help request)…; staff see the same number in the console.

    >>> case_number("MT", 42)
    'MT-000042'
"""

from __future__ import annotations

from typing import ClassVar


def case_number(prefix: str, number: int) -> str:
    """The number a citizen is told for record ``number`` of the kind ``prefix``."""
    return f"{prefix}-{number:06d}"


class CaseNumbered:
    """A model mix-in: ``case_number`` from the class's ``CASE_PREFIX`` and the row's id."""

    CASE_PREFIX: ClassVar[str]  # ClassVar: not a column (the row's ``id`` is the model's)

    @property
    def case_number(self) -> str:
        return case_number(self.CASE_PREFIX, self.id)
