"""rebuild_customers: journey links and customer weeks over columns, as the incremental path keeps them."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from dashboard.metrics.windows import site_week
from dashboard.store.rebuild_customers import customer_weeks, next_contacts
from dashboard.store.rebuild_sums import NAT, sorted_codes
from tests.conftest import utc
from tests.store.test_rebuild_sums import micros


def test_the_next_contact_is_the_same_customers_next_arrival_by_time_then_id():
    at = utc(2026, 3, 2, 9)
    customer = np.array([0, 0, 0, -1, -1, 1, 0])
    arrived = micros(at, at, at + timedelta(hours=1), at, at, at, at + timedelta(days=8))
    ids = np.array([5, 3, 9, 1, 2, 4, 10])
    following = next_contacts(customer, arrived, ids, window_seconds=7 * 86400.0)
    # id 3 and id 5 arrive together: 3 links to 5, 5 to id 9, and 9 not to 10 (eight days on)
    assert following.tolist() == [arrived[2], arrived[0], NAT, NAT, NAT, NAT, NAT]


def test_customer_weeks_start_on_the_sites_monday_with_the_channels_spelt_in_order():
    berlin = ZoneInfo("Europe/Berlin")
    arrivals = [utc(2026, 3, 29, 22, 30), utc(2026, 3, 29, 21, 30), utc(2026, 3, 29, 21, 45), utc(2026, 3, 25, 9)]
    customer, customers = sorted_codes(pd.Series(["k1", "k1", "k1", ""], dtype="category"), empty=False)
    channel, channels = sorted_codes(pd.Series(["voice", "sms", "chat", "voice"], dtype="category"))
    weeks = customer_weeks(customer, customers, channel, channels, micros(*arrivals), berlin)
    # 22:30 UTC on Sunday 29 March is 00:30 on Monday in Berlin (summer time): the next week
    assert [(row.week_start.date(), row.customer_id, row.contacts, row.channels)
            for row in weeks.itertuples(index=False)] == [
        (site_week(arrivals[1], berlin), "k1", 2, "chat,sms"), (site_week(arrivals[0], berlin), "k1", 1, "voice")]
