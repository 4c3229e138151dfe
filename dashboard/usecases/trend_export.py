"""Exports of the weekly trend page: the KPI table as CSV, a chart as PNG (kaleido), the page as PDF.

The PDF is the page itself printed by headless Chromium (its print stylesheet
puts each section on one A4 landscape page), so paper and screen cannot differ.
"""

from __future__ import annotations

import csv
import io
import subprocess
import tempfile
from pathlib import Path

from dashboard.i18n import t
from dashboard.usecases.weekly_trends import WeeklyReport
from layouts.trend_figures import FIGURES, PNG_SIZE
from layouts.trend_view import kpi_label

CHROMIUM = "/usr/bin/chromium"
PDF_TIMEOUT_SECONDS = 90
CSV_COLUMNS = ("kpi", "label", "this_week", "last_week", "change", "verdict")


def kpi_rows(report: WeeklyReport, lang: str = "en") -> list[dict[str, object]]:
    """One row per KPI card: key, label, this week, last week, change, verdict (None for no value)."""
    return [{"kpi": tr.kpi.key, "label": kpi_label(tr.kpi.key, lang), "this_week": tr.this, "last_week": tr.last,
             "change": tr.change, "verdict": tr.verdict} for tr in report.kpis]


def kpi_csv(report: WeeklyReport, lang: str = "en") -> str:
    """The KPI table as CSV; an empty cell is no value (the page's dash), never 0."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writerow({c: t(f"trends.csv.{c}", lang) if c != "kpi" else "kpi" for c in CSV_COLUMNS})
    for row in kpi_rows(report, lang):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


def chart_png(report: WeeklyReport, chart: str, lang: str = "en") -> bytes:
    """One chart as PNG through Plotly's static export (kaleido, which drives the installed Chromium)."""
    width, height = PNG_SIZE[chart]
    figure = FIGURES[chart](report, lang)
    figure.update_layout(paper_bgcolor="white", plot_bgcolor="white")
    return figure.to_image(format="png", width=width, height=height)


def render_pdf(url: str, chromium: str = CHROMIUM, timeout: float = PDF_TIMEOUT_SECONDS) -> bytes:
    """Print ``url`` to PDF with headless Chromium, after its scripts have run (virtual time budget)."""
    with tempfile.TemporaryDirectory(prefix="ccpulse-pdf-") as folder:
        target = Path(folder) / "page.pdf"
        command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                   "--no-pdf-header-footer", "--hide-scrollbars", "--window-size=1400,990",
                   "--run-all-compositor-stages-before-draw", "--virtual-time-budget=20000",
                   f"--user-data-dir={folder}/profile", f"--print-to-pdf={target}", url]
        subprocess.run(command, check=True, timeout=timeout, capture_output=True)
        return target.read_bytes()
