"""Police area warnings in the operator console: police staff write a draft, then publish it
(sent to the district's subscribers, shown in chat) — ``warnings.draft_warning``, ``publish``."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from bot.kernel.cases import CaseAction, Field

from . import warnings
from .models import DRAFT
from .service import t


def _draft(session: Session, _case_id: int | None, form: Mapping[str, str]) -> str | None:
    try:
        district = warnings.district_named(form.get("district", ""),
                                           form.get("province") or None)
        warnings.draft_warning(session, district, form.get("text", ""),
                               form.get("issued_by", ""))
    except warnings.WarningError as exc:
        return t(f"reasons.{exc.key}")
    return None


def _publish(session: Session, case_id: int | None, _form: Mapping[str, str]) -> str | None:
    return None if warnings.publish(session, case_id or 0) is not None else t("console.not_draft")


ACTIONS = (
    CaseAction("police_warnings", "draft", t("console.draft"), _draft, on_case=False,
               fields=(Field("district", t("console.district"), max_length=80),
                       Field("province", t("console.province"), max_length=80),
                       Field("text", t("console.text")),
                       Field("issued_by", t("console.issued_by"), max_length=160))),
    CaseAction("police_warnings", "publish", t("console.publish"), _publish,
               applies=lambda row: row.get("status") == DRAFT),
)
