"""Motorcycle-taxi complaints in the operator console: staff change a case's status and the
citizen is told on their own channel (``service.set_case_status``, the same as the staff API)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from bot.kernel.cases import CaseAction, Field, case_number

from . import service
from .models import CASE_STATUSES, Complaint


def _set_status(session: Session, case_id: int | None, form: Mapping[str, str]) -> str | None:
    status = form.get("status", "")
    if status not in CASE_STATUSES:
        return service.texts("console.bad_status")
    case, changed = service.set_case_status(
        session, case_number(Complaint.CASE_PREFIX, case_id or 0), status,
        " ".join(form.get("note", "").split())[:500])
    if case is None:
        return service.texts("console.not_found")
    return None if changed else service.texts("console.unchanged")


ACTIONS = (
    CaseAction("motortaxi_complaints", "status", service.texts("console.status"), _set_status,
               fields=(Field("status", service.texts("console.status_field"),
                             tuple((s, service.status_words(s)) for s in CASE_STATUSES)),
                       Field("note", service.texts("console.note"), max_length=500))),
)
