"""Findings as a CSV file or an Excel workbook, for the teams that will work through them.

The first eight columns are those of `sendtrack quality` (`cli.md`), so a file from the web and one from
the command line line up; the rest help a person act: the rule's title, the child, the owner's name, the
dates, and a link to the record's findings page.

Text from case records (names, keys, team names) could start with `=`, `+`, `-` or `@`, which a
spreadsheet program takes for a formula (formula injection, OWASP "CSV injection"). In the workbook such
text is written as an explicit string cell; in the CSV it is prefixed with an apostrophe, which Excel
shows as nothing and which stops it being run.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from sendtrack.quality.selectors import rule_title

CLI_COLUMNS = ("code", "severity", "table", "record_id", "fields", "message", "caseworker_id", "team")
EXPORT_COLUMNS = (
    *CLI_COLUMNS,
    "title", "person_id", "child", "caseworker", "first_seen", "last_seen", "resolved_on", "link",
)  # fmt: skip
#: Text starting with one of these is what spreadsheet programs may run as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL_TEXT = 32767


def export_rows(findings: Iterable[Any], *, link: Callable[[Any], str]) -> Iterable[dict[str, Any]]:
    """Each finding (from `selectors.findings_list`) as a dict of the export columns."""
    titles: dict[str, str] = {}
    for f in findings:
        if f.code not in titles:
            titles[f.code] = rule_title(f.code)
        child = ", ".join(p for p in (f.surname, f.forename) if p)
        yield {
            "code": f.code,
            "severity": f.severity,
            "table": f.table,
            "record_id": f.record_id,
            "fields": f.fields,
            "message": f.message,
            "caseworker_id": f.caseworker_id or "",
            "team": f.team or "",
            "title": titles[f.code],
            "person_id": f.person_id or "",
            "child": child,
            "caseworker": f.caseworker_name or "",
            "first_seen": f.first_seen,
            "last_seen": f.last_seen,
            "resolved_on": f.resolved_on,
            "link": link(f),
        }


def safe_text(value: Any) -> str:
    """A value as CSV text that no spreadsheet program will run: dates ISO, risky text after an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def findings_csv(rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([safe_text(row[c]) for c in EXPORT_COLUMNS])
    return out.getvalue()


def _cell(ws: Any, value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_CELL_TEXT]
    cell = WriteOnlyCell(ws, value=text)
    if text.startswith(FORMULA_STARTS):
        cell.data_type = "s"  # an explicit string: never a formula
    return cell


def findings_xlsx(rows: Iterable[dict[str, Any]], *, title: str) -> bytes:
    """A one-sheet workbook (streamed: a whole council's findings fit), with a bold header row."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("findings")
    bold = Font(bold=True)
    header = []
    for name in EXPORT_COLUMNS:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in rows:
        ws.append([_cell(ws, row[c]) for c in EXPORT_COLUMNS])
    wb.properties.title = title[:200]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
