"""/trends in a real browser: open it, pick another week, download the PDF and the CSV."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta

import pypdf
import requests

from collectors.pipeline import store_batch
from dashboard import ids
from dashboard.app import create_app
from dashboard.records import Batch, Contact
from tests.conftest import utc


def seed(engine, settings):
    contacts = []
    for n in range(60):
        at = utc(2026, 2, 23, 9) + timedelta(days=n % 21, minutes=11 * n)
        contacts.append(Contact(source="s", source_id=f"c{n}", channel="voice", queue="Billing", arrived_at=at,
                                customer_id=f"k{n % 9}", topic="refund", answered_at=at + timedelta(seconds=n),
                                ended_at=at + timedelta(seconds=300 + n), resolved=True))
    store_batch(engine, settings, "s", "fake", Batch(contacts=contacts), {}, utc(2026, 3, 20))


def test_pick_a_week_then_download_the_pdf_and_the_csv(dash_duo, app_server, engine, settings):
    seed(engine, settings)
    app_server.start(create_app(settings, engine))
    dash_duo.driver.get(app_server.url + "/trends?week=2026-03-09")
    dash_duo.wait_for_text_to_equal(".trends-weekline", "2026-W11 · 09 Mar – 15 Mar 2026", timeout=10)

    dash_duo.select_dcc_dropdown(f"#{ids.TRENDS_WEEK}", value="2026-W10 · 02 Mar – 08 Mar 2026")
    dash_duo.wait_for_text_to_equal(".trends-weekline", "2026-W10 · 02 Mar – 08 Mar 2026", timeout=10)
    assert dash_duo.find_element('[data-value="contacts"]').text == "21"  # n % 21 in 7..13, three times

    pdf_href = dash_duo.find_element(f"#{ids.TRENDS_PDF}").get_attribute("href")
    assert "week=2026-03-02" in pdf_href
    response = requests.get(pdf_href, timeout=120)
    assert response.headers["Content-Type"] == "application/pdf"
    assert len(pypdf.PdfReader(io.BytesIO(response.content)).pages) == 4  # one landscape page per section

    dash_duo.find_element(f"#{ids.TRENDS_CSV}").click()
    target = os.path.join(dash_duo.download_path, "ccpulse-kpis-2026-W10.csv")
    deadline = time.time() + 10
    while not os.path.exists(target) and time.time() < deadline:
        time.sleep(0.1)
    with open(target, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    assert lines[0] == "kpi,label,this_week,last_week,change,verdict"
    assert lines[1].startswith("contacts,Contacts,21,21,")
    assert dash_duo.get_logs() == []
