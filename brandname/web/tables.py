"""A reports.Table as a download: CSV (UTF-8 with a byte-order mark, so Excel reads the
diacritics) or XLSX (openpyxl). Dates as dd/mm/yyyy in CSV, as date cells in XLSX."""

import csv
import io
from datetime import date, datetime

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return value


def to_csv(table):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_text(v) for v in row])
    return "\ufeff" + out.getvalue()


def to_xlsx(table):
    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]  # Excel's limit on sheet names
    sheet.append(table.headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append(row)
    for column, header in enumerate(table.headers, 1):
        letter = sheet.cell(row=1, column=column).column_letter
        width = max([len(str(header))] + [len(str(_text(r[column - 1]))) for r in table.rows[:200]])
        sheet.column_dimensions[letter].width = min(60, width + 2)
        for cell in sheet[letter][1:]:
            if isinstance(cell.value, datetime):
                cell.number_format = "dd/mm/yyyy hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "dd/mm/yyyy"
    sheet.freeze_panes = "A2"
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def download(table, fmt, filename):
    """The table as a file to download; `fmt` is "csv" or "xlsx" (anything else: None)."""
    if fmt == "csv":
        body, mimetype = to_csv(table).encode("utf-8"), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body, mimetype = to_xlsx(table), XLSX_TYPE
    else:
        return None
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
