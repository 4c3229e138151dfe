"""The simulated queues: channel, opening hours, demand by weekday and local hour, handling times.

Demand is given as fresh customer journeys per day at scale 1 (follow-up
contacts of those journeys come on top, see ``journeys``). The shape of a day
is 24 hourly weights at the middle of each local hour, linearly interpolated,
so the arrival rate is smooth and thinning has a true maximum to work against.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from collectors.sources.simulation.clock import HOUR

WEEKDAY_FACTOR = (1.0, 0.94, 0.9, 0.9, 0.86, 0.42, 0.26)  # Monday .. Sunday
ASYNC_CUTOFF_HOURS = 20.0  # async contacts after 20:00 local wait for the next operating day
PRIORITY = {"voice": 0, "chat": 1, "sms": 2, "social": 3, "email": 4}  # lower is taken first

SHAPES: dict[str, tuple[float, ...]] = {
    "voice": (0, 0, 0, 0, 0, 0, .2, .45, .9, 1.3, 1.5, 1.4, 1.15, 1.2, 1.35, 1.3, 1.15, 1.0,
              .85, .65, .5, .35, .2, .1),
    "chat": (0, 0, 0, 0, 0, 0, .2, .5, .9, 1.1, 1.2, 1.15, 1.1, 1.15, 1.2, 1.15, 1.1, 1.05,
             1.0, 1.0, .95, .8, .5, .2),
    "email": (.15, .1, .08, .07, .08, .15, .35, .7, 1.1, 1.3, 1.3, 1.2, 1.0, 1.1, 1.15, 1.1,
              1.0, .9, .7, .6, .55, .5, .4, .25),
    "social": (.3, .2, .15, .1, .1, .15, .3, .5, .8, .9, 1.0, 1.0, 1.1, 1.05, 1.0, 1.0, 1.0,
               1.05, 1.1, 1.2, 1.25, 1.2, .9, .6),
    "sms": (.1, .05, .05, .05, .05, .1, .3, .7, 1.0, 1.2, 1.2, 1.15, 1.1, 1.1, 1.1, 1.05, 1.0,
            1.0, .9, .8, .7, .5, .3, .2),
}
VOICE_HOURS = ((7, 21),) * 5 + ((9, 17), (10, 18))
CHAT_HOURS = ((8, 22),) * 5 + ((9, 20), (10, 18))
KOREAN_HOURS = ((9, 18),) * 5 + ((10, 14), None)
ALWAYS = ((0, 24),) * 7


@dataclass(frozen=True)
class QueueProfile:
    """One queue. Times in seconds; ``hours`` per weekday (Monday first) as (open, close) local hours or None."""

    name: str
    channel: str
    code: str
    domain: str  # what its customers are about: billing, tech, sales or general
    daily_journeys: float  # fresh journeys on a Monday at scale 1
    handle_median_seconds: float
    handle_sigma: float  # log-normal shape of the handling time
    wrap_mean_seconds: float
    patience_mean_seconds: float | None  # exponential; None for async channels (no abandons)
    transfer_share: float
    transfer_to: str | None
    continue_share: float  # P(the issue needs another contact) after a contact here
    close_median_seconds: float  # async: first response until the case is closed
    topics: tuple[str, ...]
    hours: tuple[tuple[int, int] | None, ...] = ALWAYS
    language: str = "en"

    @property
    def sync(self) -> bool:
        return self.patience_mean_seconds is not None


QUEUES: tuple[QueueProfile, ...] = (
    QueueProfile("Billing", "voice", "bil", "billing", 400, 260, .55, 35, 170, .06, "Tech Support", .26, 0,
                 ("invoice question", "payment failed", "refund", "plan change", "direct debit"), VOICE_HOURS),
    QueueProfile("Tech Support", "voice", "tec", "tech", 290, 420, .6, 50, 230, .10, "Billing", .36, 0,
                 ("no internet", "slow connection", "router setup", "outage", "device fault"), VOICE_HOURS),
    QueueProfile("Sales", "voice", "sal", "sales", 200, 330, .5, 40, 120, .05, "Billing", .2, 0,
                 ("new contract", "upgrade", "device offer", "cancellation", "price match"), VOICE_HOURS),
    QueueProfile("Korean Desk", "voice", "kor", "general", 70, 300, .5, 35, 200, .04, "Billing", .25, 0,
                 ("요금 문의", "인터넷 장애", "명의 변경", "해지 문의"), KOREAN_HOURS, "ko"),
    QueueProfile("Chat Support", "chat", "cht", "general", 360, 540, .55, 25, 300, 0, None, .28, 0,
                 ("order status", "password reset", "billing question", "connection help", "address change"),
                 CHAT_HOURS),
    QueueProfile("Email Care", "email", "eml", "general", 240, 330, .6, 40, None, 0, None, .3, 3 * 3600,
                 ("invoice copy", "complaint", "contract documents", "refund status", "address change")),
    QueueProfile("Social Care", "social", "soc", "general", 100, 160, .5, 20, None, 0, None, .3, 2400,
                 ("outage report", "complaint", "praise", "service question")),
    QueueProfile("SMS Care", "sms", "sms", "general", 150, 120, .5, 15, None, 0, None, .25, 1200,
                 ("appointment", "payment reminder", "technician eta", "quick question")),
)
QUEUE_BY_NAME = {queue.name: queue for queue in QUEUES}


def shape(channel: str, hour: float) -> float:
    """The relative demand of ``channel`` at local ``hour`` (0-24), interpolated between hour midpoints."""
    weights = SHAPES[channel]
    x = hour - 0.5
    index = int(x // 1)
    frac = x - index
    return weights[index % 24] * (1 - frac) + weights[(index + 1) % 24] * frac


def is_open(queue: QueueProfile, weekday: int, hour: float) -> bool:
    """Whether ``queue`` takes new contacts at this local weekday and hour."""
    hours = queue.hours[weekday]
    return hours is not None and hours[0] <= hour < hours[1]


@lru_cache(maxsize=None)
def _day_weight(queue_name: str, weekday: int) -> float:
    """∫ shape over the open hours of one local day, in hours (quarter-hour midpoint rule)."""
    queue = QUEUE_BY_NAME[queue_name]
    points = [(k + 0.5) / 4 for k in range(96)]
    return sum(shape(queue.channel, h) for h in points if is_open(queue, weekday, h)) / 4


def rate_per_ms(queue: QueueProfile, weekday: int, hour: float, scale: float) -> float:
    """Fresh journeys per millisecond starting in ``queue`` at this local weekday and hour."""
    if not is_open(queue, weekday, hour):
        return 0.0
    total = _day_weight(queue.name, weekday)
    if total <= 0:
        return 0.0
    return queue.daily_journeys * scale * WEEKDAY_FACTOR[weekday] * shape(queue.channel, hour) / total / HOUR


def max_rate_per_ms(queue: QueueProfile, weekdays: tuple[int, ...], scale: float) -> float:
    """An upper bound of ``rate_per_ms`` over the given weekdays, for thinning."""
    peak = max(SHAPES[queue.channel])
    bounds = [queue.daily_journeys * scale * WEEKDAY_FACTOR[w] * peak / _day_weight(queue.name, w) / HOUR
              for w in weekdays if _day_weight(queue.name, w) > 0]
    return max(bounds, default=0.0)
