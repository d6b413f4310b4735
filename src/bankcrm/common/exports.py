"""Exports to CSV, Excel and PDF, for every kind of list: masked by default, formula-safe.

A caller (an app's export service) describes its columns and hands over rows; this module
applies the masking policy (common.masking) to protected columns unless told the caller may
see them in clear, neutralises every text cell a spreadsheet could run as a formula, and writes
the file. Auditing the export, with its stated reason, is the caller's job (in its transaction).

PDF needs a font with Chinese glyphs, embedded (subset) in the file so any reader shows it:
BANKCRM_PDF_FONT names one (a .ttf/.otf, or a .ttc collection), else Debian's fonts-noto-cjk
(Noto Sans CJK SC) or another usual CJK font is looked for; without one, a PDF export raises
ExportUnavailable with the package to install.
"""

import csv
import io
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from bankcrm.common import masking

# fontTools reports every glyph it subsets at INFO: one PDF would fill the log.
logging.getLogger("fontTools").setLevel(logging.WARNING)

# A spreadsheet treats a cell starting with one of these as a formula (or as the start of one).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pdf": ("application/pdf", "pdf"),
}

# Looked for in this order when BANKCRM_PDF_FONT is not set (Debian/Ubuntu package paths).
PDF_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # fonts-noto-cjk
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Fedora, Arch
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # fonts-wqy-microhei
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # fonts-wqy-zenhei
)


class ExportUnavailable(Exception):
    """This format cannot be produced on this server (a missing font); nothing was exported."""


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # a (lazy) translatable string
    mask: str | None = None  # a masking.POLICY kind: masked unless the export is unmasked


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str
    rows: int


def neutralise(text: str) -> str:
    """Make a cell inert: a leading quote keeps =, +, -, @, tab or CR from starting a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def cell(value: Any, *, mask: str | None = None) -> str | int | Decimal:
    """One cell: numbers stay numbers; everything else becomes (masked, neutralised) text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, datetime):
        value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, date):
        value = value.isoformat()
    text = str(value)
    if mask:
        text = masking.mask(mask, text)
    return neutralise(text)


def table(
    columns: list[Column], rows: Iterable[Mapping[str, Any]], *, masked: bool = True
) -> Iterator[list]:
    """The header, then each row as cells."""
    yield [neutralise(str(c.label)) for c in columns]
    for row in rows:
        yield [cell(row.get(c.key), mask=c.mask if masked else None) for c in columns]


def render(
    fmt: str,
    *,
    title: str,
    basename: str,
    columns: list[Column],
    rows: list[Mapping[str, Any]],
    masked: bool = True,
) -> ExportFile:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    content_type, extension = FORMATS[fmt]
    cells = list(table(columns, rows, masked=masked))
    writer = {"csv": _csv, "xlsx": _xlsx, "pdf": _pdf}[fmt]
    content = writer(cells, title=title, widths=_widths(cells))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return ExportFile(content, content_type, f"{basename}-{stamp}.{extension}", len(rows))


def _widths(cells: list[list]) -> list[int]:
    """Column widths (in half-em units) from the longest text of the first rows."""
    sample = cells[:200]
    return [max(8, *(_display_len(str(row[i])) for row in sample)) for i in range(len(cells[0]))]


def _display_len(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) or 1


def _csv(cells: list[list], **_options: Any) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(cells)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def _xlsx(cells: list[list], *, title: str, widths: list[int]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "export")
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 6), 60)
    sheet.freeze_panes = "A2"
    for row in cells:
        sheet.append(row)
    workbook.properties.creator = "bankcrm"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def pdf_font() -> tuple[Path, int]:
    """The CJK font to embed and, in a collection, the number of its Simplified Chinese face."""
    configured = getattr(settings, "PDF_FONT", "")
    candidates = [configured] if configured else list(PDF_FONT_CANDIDATES)
    for candidate in candidates:
        path = Path(candidate)
        if path.is_file():
            return path, _simplified_chinese_face(str(path))
    raise ExportUnavailable(
        _(
            "PDF export needs a font with Chinese characters on the server: install the "
            "fonts-noto-cjk package or set BANKCRM_PDF_FONT to a .ttf, .otf or .ttc file."
        )
        if not configured
        else _("The PDF font %(path)s set in BANKCRM_PDF_FONT does not exist.")
        % {"path": configured}
    )


@cache
def _simplified_chinese_face(path: str) -> int:
    if not path.lower().endswith((".ttc", ".otc")):
        return 0
    from fontTools.ttLib import TTCollection

    collection = TTCollection(path, lazy=True)
    for number, font in enumerate(collection.fonts):
        family = font["name"].getDebugName(1) or ""
        if family.endswith((" SC", " CN")) or "GB" in family:
            return number
    return 0


def _pdf(cells: list[list], *, title: str, widths: list[int]) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import WrapMode
    from fpdf.fonts import FontFace

    path, face = pdf_font()
    document = FPDF(orientation="landscape", format="A4")
    document.set_creator("bankcrm")
    document.set_title(title)
    document.set_auto_page_break(auto=True, margin=12)
    document.add_font("cjk", fname=str(path), collection_font_number=face)
    document.add_page()
    document.set_font("cjk", size=13)
    document.cell(text=title, new_x="LMARGIN", new_y="NEXT")
    document.set_font("cjk", size=7)
    document.cell(
        text=timezone.localtime().strftime("%Y-%m-%d %H:%M %Z"), new_x="LMARGIN", new_y="NEXT"
    )
    document.ln(2)
    with document.table(
        col_widths=[min(w, 36) for w in widths],
        text_align="LEFT",
        wrapmode=WrapMode.CHAR,
        headings_style=FontFace(fill_color=(230, 233, 238)),
        line_height=4,
    ) as grid:
        for row in cells:
            line = grid.row()
            for value in row:
                line.cell(str(value))
    return bytes(document.output())
