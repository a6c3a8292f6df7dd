"""Where the build's time goes, by phase (read by the benchmark and logged at debug level)."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from time import perf_counter
from typing import Iterator


@dataclass
class Timings:
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + perf_counter() - start

    def add(self, name: str, seconds: float) -> None:
        """For hot loops, where a context manager per call would cost more than the work."""
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def merge(self, other: "Timings") -> None:
        for name, value in other.seconds.items():
            self.seconds[name] = self.seconds.get(name, 0.0) + value

    def summary(self) -> str:
        return ", ".join(f"{name} {value * 1000:.0f} ms" for name, value in self.seconds.items())
