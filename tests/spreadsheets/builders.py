"""Small helpers to build extracts for the reader and writer tests: CSV text, workbooks, Extracts.

Every person here is obviously fake.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import openpyxl

from sendtrack.spreadsheets.extract import Extract, ExtractMeta, Row
from sendtrack.spreadsheets.schema import TABLES_BY_NAME

D = dt.date

#: A small valid extract as CSV text, one string per file: every table, and every reference resolved.
BASE_CSV: dict[str, str] = {
    "extract": "la_code,extract_date,source_system\n201,2025-03-31,legacy\n",
    "caseworkers": "caseworker_id,name,team,fte,active\nCW1,Ann Example,North,0.8,1\n",
    "people": (
        "person_id,upn,surname,forename,birth_date,sex,ethnicity\n"
        "P1,A123456789012,Example,Alex,2015-04-01,M,WBRI\n"
        "P2,,Sample,Sam,2012-11-30,F,\n"
    ),
    "requests": (
        "request_id,person_id,received_date,request_source,request_outcome,request_outcome_date,caseworker_id\n"
        "R1,P1,2024-09-02,1,Y,2024-10-10,CW1\n"
        "R2,P2,2024-10-01,2,N,2024-11-05,\n"
    ),
    "assessments": "assessment_id,request_id,assessment_outcome,draft_plan_date\nA1,R1,Y,2025-01-06\n",
    "advice": "advice_id,assessment_id,advice_type,requested_date,received_date\nAD1,A1,health,2024-10-14,2024-11-20\n",
    "plans": "plan_id,person_id,assessment_id,start_date,caseworker_id\nPL1,P1,A1,2025-01-20,CW1\n",
    "placements": (
        "plan_id,kind,urn,placement_rank,entry_date\nPL1,named,100001,1,\nPL1,attended,100001,1,2025-02-01\n"
    ),
    "needs": "plan_id,sen_type,sen_type_rank\nPL1,ASD,1\n",
    "reviews": "review_id,plan_id,meeting_date,decision_date,outcome\nRV1,PL1,2025-12-01,2025-12-10,M\n",
    "phase_transfers": "plan_id,transfer_date,transfer_kind\nPL1,2026-09-01,school\n",
}


def csv_folder(root: Path, overrides: Mapping[str, str | bytes | None] | None = None) -> Path:
    """Write BASE_CSV to a folder, with some files replaced (text or bytes) or left out (None)."""
    folder = root / "extract"
    folder.mkdir()
    files: dict[str, str | bytes | None] = {**BASE_CSV, **(overrides or {})}
    for name, content in files.items():
        target = folder / (name if "." in name else f"{name}.csv")
        if isinstance(content, bytes):
            target.write_bytes(content)
        elif content is not None:
            target.write_text(content, encoding="utf-8", newline="")
    return folder


def workbook(path: Path, sheets: Mapping[str, Sequence[Sequence[object]]]) -> Path:
    """Write a workbook with one sheet per entry (rows of cell values), as a user's Excel would."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(list(row))
    book.save(path)
    return path


def base_sheets() -> dict[str, list[list[object]]]:
    """BASE_CSV as workbook rows of text (each test then puts real dates, numbers, formulas in)."""
    sheets: dict[str, list[list[object]]] = {}
    for name, text in BASE_CSV.items():
        rows: list[list[object]] = []
        for line in text.splitlines():
            rows.append(list(line.split(",")))
        sheets[name] = rows
    return sheets


def save_formula_value(path: Path, sheet: str, coordinate: str, value: str, *, text: bool) -> None:
    """Give a formula cell a saved value, as Excel does on save (openpyxl saves formulas without one)."""
    index = openpyxl.load_workbook(path, read_only=True).sheetnames.index(sheet) + 1
    part = f"xl/worksheets/sheet{index}.xml"
    with zipfile.ZipFile(path) as source:
        contents = {info: source.read(info.filename) for info in source.infolist()}
    cell = re.compile(rf'<c r="{coordinate}"([^>]*)>(<f>.*?</f>)(?:<v\s*/>|<v></v>)?</c>'.encode())
    t_attr = b' t="str"' if text else b""
    replaced = {
        info: (cell.sub(lambda m: b'<c r="%s"%s%s>%s<v>%s</v></c>' % (
            coordinate.encode(), m.group(1), t_attr, m.group(2), value.encode()), data)
            if info.filename == part else data)
        for info, data in contents.items()
    }  # fmt: skip
    assert replaced != contents, f"no formula in {coordinate} of {sheet}"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in replaced.items():
            target.writestr(info, data)


def make_extract(tables: Mapping[str, Sequence[Mapping[str, object]]] | None = None) -> Extract:
    """An Extract with the given rows, each completed with every schema column (blank, or False for a flag)."""
    extract = Extract(meta=ExtractMeta(la_code="201", extract_date=D(2025, 3, 31), source_system="legacy"))
    for name, rows in (tables or {}).items():
        table = TABLES_BY_NAME[name]
        for given in rows:
            row: Row = {c.name: (False if c.kind.value == "flag" else None) for c in table.columns}
            row.update(given)  # type: ignore[arg-type]
            extract.rows(name).append(row)
    return extract


def full_extract() -> Extract:
    """Every table with at least one row and every kind of value, for round trips."""
    return make_extract(
        {
            "caseworkers": [
                {"caseworker_id": "CW1", "name": "Ann Example", "team": "North", "fte": Decimal("0.8"), "active": True},
                {"caseworker_id": "CW2", "name": "Bo Sample", "team": None, "fte": Decimal("1"), "active": False},
            ],
            "people": [
                {"person_id": "P1", "upn": "A123456789012", "uln": "0012345678", "surname": "Example, Jr",
                 "forename": "Zoë \"Z\"", "birth_date": D(2015, 4, 1), "sex": "M", "ethnicity": "WBRI",
                 "postcode": "AB1 2CD"},
                {"person_id": "007", "upn_unknown": "UN2", "surname": "=HYPERLINK(\"http://x\")",
                 "forename": "+44", "birth_date": None, "sex": "F", "postcode": "line one\nline two"},
            ],
            "requests": [
                {"request_id": "R1", "person_id": "P1", "received_date": D(2024, 9, 2), "request_source": "1",
                 "rya": True, "request_outcome": "Y", "request_outcome_date": D(2024, 10, 10),
                 "decision_exception": "school_closure", "request_mediation": True, "caseworker_id": "CW1"},
            ],
            "assessments": [
                {"assessment_id": "A1", "request_id": "R1", "assessment_outcome": "Y",
                 "assessment_outcome_date": D(2025, 1, 20), "draft_plan_date": D(2025, 1, 6),
                 "week20_exception": True, "exception_reason": "absence_from_area", "other_tribunal": True},
            ],
            "advice": [
                {"advice_id": "AD1", "assessment_id": "A1", "advice_type": "educational_psychology",
                 "requested_date": D(2024, 10, 14), "received_date": D(2024, 11, 20),
                 "exception_reason": "missed_appointment"},
            ],
            "plans": [
                {"plan_id": "PL1", "person_id": "P1", "assessment_id": "A1", "start_date": D(2025, 1, 20),
                 "cease_reason": "9", "caseworker_id": "CW2"},
                {"plan_id": "PL2", "person_id": "007", "start_date": D(2023, 5, 5), "transfer_la": "202",
                 "transfer_in_date": D(2024, 2, 1), "last_review_before_transfer": D(2023, 12, 1)},
            ],
            "placements": [
                {"plan_id": "PL1", "kind": "named", "urn": "100001", "placement_rank": "1"},
                {"plan_id": "PL1", "kind": "attended", "sen_setting": "OLA", "placement_rank": "2",
                 "sen_unit": True, "resourced_provision": True, "entry_date": D(2025, 2, 1),
                 "leaving_date": D(2025, 7, 20)},
            ],
            "needs": [{"plan_id": "PL1", "sen_type": "ASD", "sen_type_rank": "1"}],
            "reviews": [
                {"review_id": "RV1", "plan_id": "PL1", "meeting_date": D(2025, 12, 1), "decision_date": None,
                 "outcome": "A", "amendment_notice_date": D(2025, 12, 20), "amended_plan_date": D(2026, 2, 1)},
            ],
            "phase_transfers": [
                {"plan_id": "PL2", "transfer_date": D(2026, 9, 1), "transfer_kind": "post16",
                 "final_plan_date": D(2026, 3, 15)},
            ],
        }
    )  # fmt: skip
