"""Three agencies' files (CSV with Thai headers and packs, Excel with English headers, HXL
hashtags with English units) become one registry: units converted to base units, every
bad row reported with a reason, a re-import creates nothing, duplicates proposed not merged."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import func, select

from bot.kernel.db import session_factory
from skills.disaster import __main__ as cli
from skills.disaster import exports, importer, keys
from skills.disaster.models import Asset, Item, MergeProposal, Organisation, Site, Stock
from tests.app.disaster_helpers import SAMPLES, database, import_samples


@pytest.fixture()
def factory(tmp_path):
    return database(tmp_path)[1]


def _stock(session, site_source: str, item: str) -> int:
    return session.scalar(select(func.sum(Stock.quantity)).join(Site, Site.id == Stock.site_id)
                          .join(Item, Item.id == Stock.item_id)
                          .where(Site.source_id == site_source, Item.code == item))


def test_three_agencies_formats_become_one_registry_in_base_units(factory):
    reports = import_samples(factory)
    assert reports["ddpm_ubon_stock.csv"].created == {"stock": 6}
    assert reports["otos_warin_equipment.xlsx"].created == {"asset": 5}
    assert reports["hospital_supplies_hxl.csv"].created == {"stock": 3}
    with factory.begin() as session:
        assert _stock(session, "UBN-W01", "sandbag") == 40 * 50          # 40 มัด of 50
        assert _stock(session, "UBN-W01", "water_600ml") == 150 * 12     # 150 แพ็ค of 12
        assert _stock(session, "UBN-W01", "diesel") == 5 * 200           # 5 ถัง of 200 l
        assert _stock(session, "SSP-01", "medicine_kit") == 12 * 50 + 3 * 10  # box; own pack
        assert _stock(session, "SSP-01", "water_600ml") == 300           # "bottles"
        boats = session.scalars(select(Asset).where(Asset.type == "boat")).all()
        assert {b.source_id for b in boats} == {"B-01", "B-02"}
        pump = session.scalars(select(Asset).where(Asset.source_id == "P-01")).one()
        assert pump.condition == 5 and pump.status == "maintenance"      # "รอซ่อม"
        orgs = {o.code: o for o in session.scalars(select(Organisation))}
        assert orgs["DDPM-UBN"].parent_id == orgs["DDPM"].id             # provincial under DDPM
        assert orgs["MOPH-SSP"].parent_id == orgs["MOPH"].id
        every = session.scalars(select(Stock)).all() + session.scalars(select(Asset)).all()
        assert all(r.source_agency and r.source_id and r.last_verified_at for r in every)


def test_every_rejected_row_is_reported_with_its_reason(factory):
    reports = import_samples(factory)
    ddpm = dict(reports["ddpm_ubon_stock.csv"].rejected)
    assert "กระป๋อง" in ddpm[8] and "ใบ, มัด, พาเลท" in ddpm[8]       # unknown unit, allowed ones
    assert "ละติจูด" in ddpm[9]                                       # missing coordinate
    assert "นอกประเทศไทย" in ddpm[10]                                 # swapped lat/lon
    assert "วันหมดอายุ" in ddpm[11]                                  # water without expiry
    assert "เครื่องปั่นไฟ" in ddpm[12]                                # not a catalogue item
    assert "รถเครน" in dict(reports["otos_warin_equipment.xlsx"].rejected)[7]
    hospital = dict(reports["hospital_supplies_hxl.csv"].rejected)
    assert set(hospital) == {6, 7, 8} and "ml" in hospital[6] and "ติดลบ" in hospital[8]
    for report in reports.values():  # nothing silently dropped
        done = sum(report.created.values()) + sum(report.updated.values()) \
            + sum(report.unchanged.values())
        assert done + len(report.rejected) == report.rows


def test_reimport_creates_nothing_and_an_edited_row_updates_in_place(factory, tmp_path):
    import_samples(factory)
    with factory.begin() as session:
        before = {m.__name__: session.scalar(select(func.count()).select_from(m))
                  for m in (Site, Stock, Asset, Organisation, MergeProposal)}
    again = import_samples(factory)
    assert all(not r.created and not r.updated for r in again.values())
    with factory.begin() as session:
        after = {m.__name__: session.scalar(select(func.count()).select_from(m))
                 for m in (Site, Stock, Asset, Organisation, MergeProposal)}
    assert after == before
    # the agency sends the sheet again with 45 bundles of sandbags instead of 40
    edited = tmp_path / "ddpm.csv"
    text = (SAMPLES / "ddpm_ubon_stock.csv").read_text(encoding="utf-8")
    edited.write_text(text.replace("กระสอบทราย,40,มัด", "กระสอบทราย,45,มัด"), encoding="utf-8")
    with factory.begin() as session:
        report = importer.import_file(session, edited, "ddpm_ubon")
        assert report.updated == {"stock": 1} and not report.created
        assert _stock(session, "UBN-W01", "sandbag") == 45 * 50


def test_the_same_shelter_from_two_agencies_is_proposed_for_merging_not_merged(factory):
    reports = import_samples(factory)
    assert reports["otos_warin_equipment.xlsx"].proposals == 1
    with factory.begin() as session:
        proposal = session.scalars(select(MergeProposal)).one()
        a, b = session.get(Site, proposal.left_id), session.get(Site, proposal.right_id)
        assert {a.source_agency, b.source_agency} == {"DDPM-UBN", "OTOS-WARIN"}
        assert {a.name_th, b.name_th} == {"ศูนย์พักพิงชั่วคราว โรงเรียนวารินชำราบ",
                                          "ศูนย์อพยพ ร.ร.วารินชำราบ"}
        assert proposal.status == "proposed" and "m" in proposal.reasons
        # both records are still there: a person decides
        assert session.scalar(select(func.count()).select_from(Site).where(
            Site.source_id.in_(["UBN-S01", "WR-2"]))) == 2


def test_exports_hxl_and_3w_and_the_command_line_writes_a_rejection_report(factory, tmp_path,
                                                                           capsys):
    import_samples(factory)
    with factory.begin() as session:
        hxl = exports.hxl_csv(session)
        three_w = exports.three_w(session)
    rows = list(csv.reader(hxl.splitlines()))
    assert rows[1][:3] == ["#org+code", "#org+name", "#loc+code"]
    assert any("#item+unit" == tag for tag in rows[1])
    assert any(r[rows[1].index("#item+code")] == "sandbag" and r[rows[1].index("#item+provided")]
               == "2000" for r in rows[2:])
    w = list(csv.reader(three_w.splitlines()))
    assert w[0][:3] == ["who", "what", "where"] and any(r[0] == "DDPM-UBN" for r in w[1:])
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    report = tmp_path / "rejected.csv"
    assert cli.main(["--database-url", url, "import", str(SAMPLES / "ddpm_ubon_stock.csv"),
                     "--mapping", "ddpm_ubon", "--report", str(report), "--quiet"]) == 0
    assert "rejected 5" in capsys.readouterr().out
    lines = list(csv.reader(report.read_text(encoding="utf-8-sig").splitlines()))
    assert lines[0] == ["row", "reason"] and len(lines) == 6


def test_the_command_line_lists_merge_proposals_and_keys_name_their_organisation(
        tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for name, mapping in (("ddpm_ubon_stock.csv", "ddpm_ubon"),
                          ("otos_warin_equipment.xlsx", "otos_warin")):
        assert cli.main(["--database-url", url, "import", str(SAMPLES / name), "--mapping",
                         mapping, "--report", str(tmp_path / "r.csv"), "--quiet"]) == 0
    capsys.readouterr()
    assert cli.main(["--database-url", url, "proposals"]) == 0
    assert "site" in capsys.readouterr().out
    # an agency API key's code names the calling organisation; DDPM's acts as the host
    with session_factory(url).begin() as session:
        assert keys.organisation_for(session, "DDPM-UBN").code == "DDPM-UBN"
        assert keys.organisation_for(session, "NO-SUCH-ORG") is None
        assert keys.organisation_for(session, "DDPM") == keys.HOST
