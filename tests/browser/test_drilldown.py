"""The manager's drill-down in a real browser: queue → agents → agent → contact, CSV export, shared URL, back."""

from __future__ import annotations

import csv
import time
from pathlib import Path


from selenium.common.exceptions import JavascriptException

from collectors.pipeline import store_batch
from dashboard import ids
from dashboard.app import create_app
from tests.usecases.conftest import NOW, drill_batch

RANGE = "range=custom&from=2026-03-09&to=2026-03-11"


def _wait(predicate, timeout: float = 20.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            value = predicate()
        except JavascriptException:  # the grid is not rendered yet
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def _grid_rows(dash_duo, grid: str, fields: list[str]) -> list[list[str]]:
    """The rows the grid shows after its filter, each cell as the grid displays it, in display order."""
    return dash_duo.driver.execute_script("""
        const api = dash_ag_grid.getApi(arguments[0]); const rows = [];
        api.forEachNodeAfterFilterAndSort(n => rows.push(arguments[1].map(
            f => String(api.getCellValue({rowNode: n, colKey: f, useFormatter: true}) ?? ''))));
        return rows;""", grid, fields)


def test_drill_down_export_shared_url_and_back(dash_duo, app_server, settings, engine):
    store_batch(engine, settings, "t", "test", drill_batch(), {}, NOW)
    app_server.start(create_app(settings, engine))
    driver = dash_duo.driver
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": dash_duo.download_path})

    dash_duo.wait_for_page(f"{app_server.url}/queues?{RANGE}")
    dash_duo.wait_for_text_to_equal("tr[data-queue='sales'] td[data-kpi='offered']", "0")  # today: nothing
    assert dash_duo.find_element("tr.qrow--range[data-queue='sales'] td[data-kpi='offered']").text == "6"
    # no queue chosen: the intraday figure is the first queue's, and the empty selector names it
    dash_duo.wait_for_contains_text(f"#{ids.QUEUES_INTRADAY} .gtitle", "sales")
    dash_duo.wait_for_contains_text(f"#{ids.QUEUES_FOCUS}", "sales")
    dash_duo.find_element("tr[data-queue='sales'] a.qrow__link").click()

    _wait(lambda: "/agents?" in driver.current_url and "queue=sales" in driver.current_url)
    _wait(lambda: len(_grid_rows(dash_duo, ids.AGENTS_GRID, ["agent_id"])) == 2)
    name_filter = dash_duo.find_element(f"#{ids.AGENTS_GRID} .ag-floating-filter-input input")
    name_filter.send_keys("Ada")
    _wait(lambda: _grid_rows(dash_duo, ids.AGENTS_GRID, ["agent_id"]) == [["a1"]])

    dash_duo.find_element(f"#{ids.AGENTS_EXPORT}").click()
    exported = Path(dash_duo.download_path) / "ccpulse-agents.csv"
    _wait(lambda: exported.exists() and exported.stat().st_size > 0)
    with exported.open(encoding="utf-8-sig") as handle:
        header, *rows = list(csv.reader(handle))
    columns = driver.execute_script(
        "return dash_ag_grid.getApi(arguments[0]).getAllDisplayedColumns().map(c => [c.getColId(), c.getColDef().headerName]);",
        ids.AGENTS_GRID)
    assert header == [name for _, name in columns]
    assert rows == _grid_rows(dash_duo, ids.AGENTS_GRID, [field for field, _ in columns])
    assert rows[0][0] == "Ada One"

    agents_url = driver.current_url
    dash_duo.find_element(f"#{ids.AGENTS_GRID} .ag-row[row-id='a1'] .ag-cell").click()
    _wait(lambda: "/agents/a1?" in driver.current_url)
    dash_duo.wait_for_text_to_equal(f"#{ids.AGENT_SUMMARY} [data-metric='contacts_handled']", "3")
    first_contact = dash_duo.wait_for_element(f"#{ids.AGENT_CONTACTS} .ag-row[row-index='0'] .ag-cell")
    contact_id = dash_duo.find_element(f"#{ids.AGENT_CONTACTS} .ag-row[row-index='0']").get_attribute("row-id")
    first_contact.click()
    _wait(lambda: driver.current_url.endswith(f"/contacts/{contact_id}"))
    dash_duo.wait_for_contains_text(f"#{ids.CONTACT_BODY}", "Arrived in queue")

    driver.back()
    _wait(lambda: "/agents/a1?" in driver.current_url)
    driver.back()
    _wait(lambda: driver.current_url == agents_url)

    shared = f"{app_server.url}/agents?{RANGE}&queue=sales&cols=name,contacts_handled"
    driver.get(shared)
    _wait(lambda: len(_grid_rows(dash_duo, ids.AGENTS_GRID, ["agent_id"])) == 2)
    headers = driver.execute_script(
        "return dash_ag_grid.getApi(arguments[0]).getAllDisplayedColumns().map(c => c.getColId());", ids.AGENTS_GRID)
    assert headers == ["name", "contacts_handled"]
    assert _grid_rows(dash_duo, ids.AGENTS_GRID, ["name", "contacts_handled"]) == [["Ada One", "3"], ["Bo Two", "2"]]
