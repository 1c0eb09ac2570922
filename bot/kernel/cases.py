"""Case numbers, one format across the product: ``<prefix>-<at least six digits>``.

A citizen is told ``MT-000042`` (a motorcycle-taxi complaint), ``H-000007`` (a request for a
person), ``DS-000003`` (a disaster help request)…; staff see the same number in the console:
a skill declares each case table and its prefix in its manifest (``queues``, checked against
the model's ``CASE_PREFIX`` by ``bot.tools.skillcheck``).

What staff may do to a skill's cases from the console (change a status, publish a draft) the
skill lists as ``CaseAction``s in ``ACTIONS`` of its ``skills/<id>/console.py``.

    >>> case_number("MT", 42)
    'MT-000042'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy.orm import Session


def case_number(prefix: str, number: int) -> str:
    """The number a citizen is told for record ``number`` of the kind ``prefix``."""
    return f"{prefix}-{number:06d}"


class CaseNumbered:
    """A model mix-in: ``case_number`` from the class's ``CASE_PREFIX`` and the row's id."""

    CASE_PREFIX: ClassVar[str]  # ClassVar: not a column (the row's ``id`` is the model's)

    @property
    def case_number(self) -> str:
        return case_number(self.CASE_PREFIX, self.id)


@dataclass(frozen=True)
class Field:
    """A form field of a ``CaseAction``: a choice among ``choices`` ((value, Thai)), or text."""

    name: str
    label: str  # Thai
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int = 1000


@dataclass(frozen=True)
class CaseAction:
    """One thing staff may do from the console to the cases of a skill's queue ``table``.

    ``run(session, case_id, form)`` does it in the console's transaction (which also writes
    the audit line) and returns ``None`` when done, else a Thai reason it was refused.
    ``on_case`` False: a form above the table (a new case; ``case_id`` is None). ``applies``:
    which rows (as column → value) show the action.
    """

    table: str
    name: str  # lower-case letters and "_": in the address and the audit log
    label: str  # Thai: the button
    run: Callable[[Session, int | None, Mapping[str, str]], str | None]
    fields: tuple[Field, ...] = ()
    on_case: bool = True
    applies: Callable[[Mapping[str, Any]], bool] | None = None
