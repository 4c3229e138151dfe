"""The short-lived memo behind the wall's reads."""

from dashboard.recent import Recent


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_answer_is_reused_within_its_seconds_and_read_again_after():
    clock, reads = Clock(), []
    recent = Recent(seconds=1.0, clock=clock)

    def read():
        reads.append(clock.now)
        return len(reads)

    assert recent.get("wall", read) == 1
    clock.now += 0.9
    assert recent.get("wall", read) == 1  # still fresh: not read again
    assert recent.get("other options", read) == 2  # another key reads for itself
    clock.now += 0.1
    assert recent.get("wall", read) == 3  # one second old: read again
    assert recent.get("wall", read, seconds=0.0) == 4  # a caller may ask for a fresh read
    assert reads == [100.0, 100.9, 101.0, 101.0]


def test_it_stays_bounded_dropping_the_oldest():
    clock = Clock()
    recent = Recent(seconds=60.0, size=4, clock=clock)
    for number in range(4):
        clock.now += 1
        recent.get(number, lambda number=number: number)
    clock.now += 1
    recent.get("new", lambda: "new")  # full: the two oldest go
    assert recent.get(0, lambda: "read again") == "read again"
    assert recent.get(3, lambda: "read again") == 3
