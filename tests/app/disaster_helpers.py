"""Shared set-up of the disaster skill's app tests: a migrated SQLite database, the three
sample agencies' files imported (``skills/disaster/data/samples``, synthetic)."""

from __future__ import annotations

from pathlib import Path

from bot.kernel.db import session_factory, upgrade
from skills.disaster import importer

SAMPLES = Path(__file__).resolve().parents[2] / "skills" / "disaster" / "data" / "samples"
FILES = (("ddpm_ubon_stock.csv", "ddpm_ubon"), ("otos_warin_equipment.xlsx", "otos_warin"),
         ("hospital_supplies_hxl.csv", "hospital_hxl"))


def database(tmp_path: Path) -> tuple[str, object]:
    """A fresh SQLite database under ``tmp_path``, migrated; its URL and session factory."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade(url)
    return url, session_factory(url)


def import_samples(factory) -> dict[str, importer.ImportReport]:
    """Import the three agencies' sample files; file name → report."""
    reports = {}
    for name, mapping in FILES:
        with factory.begin() as session:
            reports[name] = importer.import_file(session, SAMPLES / name, mapping)
    return reports
