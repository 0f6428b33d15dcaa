"""Survey tables: bare counts labelled by their row, their column and the heading above them.

    CIOの任命状況
    都道府県:任命している 38、任命していない 9          (a row, then its cells)
    ■ CIOの任命状況(市区町村)                        (a heading naming the row)
    任命している...1,279                              (leader lines, NFKC turns … into ...)
    区分<TAB>外部デジタル人材を確保している<TAB>確保していない   (a header row, then rows)
    都道府県<TAB>45<TAB>2

Each count becomes a figure of what the heading's topic, the column and the row say together
(CIOを任命している都道府県), in 団体 unless a heading names another unit ((人)), and part of every
prefecture (47) or municipality (1,741) when the row is 都道府県 or 市区町村.

When the row is lost, as in the project's seed document (CIOの任命 ■ 任命している...38 ■ 任命して
いない...9 ■ 任命している...1,279 ■ 任命していない...462), it is inferred from the counts: a pair of
complementary cells (している / していない) that sums to 47 counts the prefectures, one that sums to
1,741 the municipalities. Any other pair keeps no row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.facts.figure import MUNICIPALITIES, PREFECTURES, Figure
from monitor.facts.numbers import parse_numeral

_NUMBER = r"[0-9][0-9,]*"
_ROWS = {"都道府県": PREFECTURES, "市区町村": MUNICIPALITIES}
_ROW = r"都道府県|市区町村|市町村|合計|計"
# 任命している...38: a label, a leader, a count (on its own line, or one of several on a line).
_LEADER_CELL = re.compile(
    rf"(?P<label>[^\s■□●◆◇・*.…0-9:\t][^\s■□●◆◇・*.…:\t]{{0,29}}?)\s*(?:\.{{3,}}|…+)\s*(?P<count>{_NUMBER})"
)
# 都道府県:任命している 38、任命していない 9
_COLON_ROW = re.compile(rf"^\s*(?P<row>{_ROW})\s*:\s*(?P<cells>.+)$", re.M)
_COLON_CELL = re.compile(rf"(?P<label>[^\s、,0-9]+)\s*(?P<count>{_NUMBER})")
_TAB_ROW = re.compile(rf"^(?P<row>[^\t\n0-9][^\t\n]{{0,30}})(?P<cells>(?:\t+{_NUMBER})+)\s*$", re.M)
_HEADING_TOPIC = re.compile(r"^[\s■□●◆◇・*]*(?P<topic>[^\s()の]{1,20})の[^\s()]*?(?:\((?P<row>[^()]+)\))?\s*$")
_HEADING_UNIT = re.compile(r"\((人|件|社|団体|か所)\)")
_NEGATIVE = re.compile(r"(?:していない|しない|ない|未[^\s]*)$")


@dataclass(frozen=True)
class _Cell:
    position: int
    label: str  # the column: 任命している
    count: int
    row: str | None
    part_of: int | None = None  # the count of the column this one is part of (うち…)


def table_figures(text: str) -> tuple[list[tuple[int, Figure]], list[tuple[int, int]]]:
    """(position, figure) for each table count, and the spans of the table lines read."""
    cells: list[_Cell] = []
    spans: list[tuple[int, int]] = []
    headings: list[tuple[int, str]] = []
    for line in re.finditer(r"^.*$", text, re.M):
        read = _cells_of_line(line.group(0), line.start())
        if read:
            cells += read
            spans.append((line.start(), line.end()))
        elif line.group(0).strip() and "\t" not in line.group(0):  # a header row names columns, not the table
            headings.append((line.start(), line.group(0)))
    tab_cells, tab_spans = _tab_table(text)
    cells += tab_cells
    spans += tab_spans
    return [(cell.position, _figure(cell, _heading_before(headings, cell.position))) for cell in _with_rows(cells)], spans


def _cells_of_line(line: str, offset: int) -> list[_Cell]:
    colon = _COLON_ROW.match(line)
    if colon:
        return [
            _Cell(offset + colon.start("cells") + cell.start("count"), cell["label"], _count(cell["count"]), colon["row"])
            for cell in _COLON_CELL.finditer(colon["cells"])
        ]
    leaders = list(_LEADER_CELL.finditer(line))
    if not leaders:
        return []
    row = re.match(rf"^\s*({_ROW})\s", line)
    return [
        _Cell(offset + cell.start("count"), cell["label"], _count(cell["count"]), row.group(1) if row else None)
        for cell in leaders
    ]


def _tab_table(text: str) -> tuple[list[_Cell], list[tuple[int, int]]]:
    """区分<TAB>確保している<TAB>確保していない, then 都道府県<TAB>45<TAB>2: rows under a header."""
    cells: list[_Cell] = []
    spans: list[tuple[int, int]] = []
    for row in _TAB_ROW.finditer(text):
        raws = [cell for cell in row["cells"].split("\t") if cell]
        columns = _header_above(text, row.start(), len(raws))
        position = row.start("cells")
        row_cells: list[_Cell] = []
        for column, raw in enumerate(raws):
            position = text.index(raw, position)
            label = columns[column] if column < len(columns) else ""
            # うち、外部デジタル人材の活用人数: a column that counts part of the column before it.
            part_of = row_cells[-1].count if label.startswith("うち") and row_cells else None
            row_cells.append(_Cell(position, label, _count(raw), _HEADING_UNIT.sub("", row["row"]).strip(), part_of))
            position += len(raw)
        cells += row_cells
        spans.append((row.start(), row.end()))
    return cells, spans


def _header_above(text: str, start: int, width: int) -> list[str]:
    """The column labels above a tab table: a header row (区分<TAB>確保している<TAB>確保していない),
    or, where the tabs before the labels were lost, one label a line, each with its unit (…人数(人))."""
    lines = [line for line in text[:start].rstrip("\n").split("\n")]
    while lines and _TAB_ROW.match(lines[-1]):  # the rows above this one
        lines.pop()
    if lines and "\t" in lines[-1]:
        return _with_objects([label.strip() for label in lines[-1].split("\t")[1:] if label.strip()])
    labels = lines[-width:] if width <= len(lines) else []
    return labels if labels and all(_HEADING_UNIT.search(label) for label in labels) else []


def _with_objects(columns: list[str]) -> list[str]:
    """確保していない after 外部デジタル人材を確保している borrows its object: 外部デジタル人材を確保していない."""
    first_object = re.match(r"^(.+?を)", columns[0]) if columns else None
    if first_object is None:
        return columns
    return [column if "を" in column else first_object.group(1) + column for column in columns]


def _with_rows(cells: list[_Cell]) -> list[_Cell]:
    """Cells without a row get one from the sum of a complementary pair (38 + 9 = 47: 都道府県)."""
    inferred: list[_Cell] = []
    index = 0
    while index < len(cells):
        cell = cells[index]
        pair = cells[index + 1] if index + 1 < len(cells) else None
        if cell.row is None and pair is not None and pair.row is None and _complementary(cell.label, pair.label):
            row = next((row for row, total in _ROWS.items() if cell.count + pair.count == total), None)
            inferred += [_Cell(cell.position, cell.label, cell.count, row), _Cell(pair.position, pair.label, pair.count, row)]
            index += 2
            continue
        inferred.append(cell)
        index += 1
    return inferred


def _complementary(first: str, second: str) -> bool:
    return not _NEGATIVE.search(first) and bool(_NEGATIVE.search(second))


def _heading_before(headings: list[tuple[int, str]], position: int) -> str:
    before = [line for start, line in headings if start < position]
    return before[-1] if before else ""


def _figure(cell: _Cell, heading: str) -> Figure:
    topic = _HEADING_TOPIC.match(heading)
    row = cell.row or (topic["row"] if topic and topic["row"] in _ROWS else None) or ""
    unit_in_heading = _HEADING_UNIT.search(heading + cell.label)
    label = _HEADING_UNIT.sub("", cell.label).removeprefix("うち、").removeprefix("うち")
    if unit_in_heading:  # (人): the table counts people, not bodies
        return Figure(f"{row}の{label}" if row else label, cell.count, unit_in_heading.group(1), False, cell.part_of)
    subject = topic["topic"] + "を" if topic and "を" not in label else ""
    return Figure(f"{subject}{label}{row}", cell.count, "団体", False, _ROWS.get(row, cell.part_of))


def _count(text: str) -> int:
    return parse_numeral(text) or 0
