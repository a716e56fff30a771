"""A clock the tests move by hand: the code under test reads it instead of the real time,
so no test waits for, or depends on, the wall clock."""


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
