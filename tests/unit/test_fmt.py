"""fmt: numbers read the same in every view, and unknown never shows as zero."""

from __future__ import annotations

import math

import pytest

from kafkatui.fmt import (
    MISSING,
    SPARK_BARS,
    human_bytes,
    human_count,
    human_duration,
    rate,
    sparkline,
    zxid_hex,
)


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (None, MISSING),
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (1024 * 1024 - 1, "1.0 MiB"),
        (int(1.2 * 1024**3), "1.2 GiB"),
        (5 * 1024**4, "5.0 TiB"),
        (-2048, "-2.0 KiB"),
    ],
)
def test_human_bytes(n: int | None, expected: str) -> None:
    assert human_bytes(n) == expected


@pytest.mark.parametrize(
    ("n", "plain", "compact"),
    [
        (None, MISSING, MISSING),
        (0, "0", "0"),
        (999, "999", "999"),
        (12_345, "12,345", "12.3k"),
        (999_999, "999,999", "1.0M"),
        (1_234_567, "1,234,567", "1.2M"),
        (123_456_789, "123,456,789", "123M"),
        (12_345_678_901, "12,345,678,901", "12.3G"),
        (-4_500, "-4,500", "-4.5k"),
    ],
)
def test_human_count(n: int | None, plain: str, compact: str) -> None:
    assert human_count(n) == plain
    assert human_count(n, compact=True) == compact


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (None, MISSING),
        (0.85, "850ms"),
        (4.25, "4.2s"),
        (42.9, "42s"),
        (302, "5m 02s"),
        (7500, "2h 05m"),
        (3 * 86400 + 4 * 3600 + 59, "3d 4h"),
        (-302, "-5m 02s"),
    ],
)
def test_human_duration(seconds: float | None, expected: str) -> None:
    assert human_duration(seconds) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(None, MISSING), (-3, "0s"), (3, "0s"), (59, "55s"), (61, "1m"), (3599, "59m"), (7300, "2h"), (200_000, "2d")],
)
def test_human_duration_coarse(seconds: float | None, expected: str) -> None:
    assert human_duration(seconds, coarse=True) == expected


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (None, MISSING),
        (math.nan, MISSING),
        (0.0, "0/s"),
        (0.5, "0.5/s"),
        (12.34, "12.3/s"),
        (123.4, "123/s"),
        (45_678.0, "45.7k/s"),
    ],
)
def test_rate(x: float | None, expected: str) -> None:
    assert rate(x) == expected


def test_sparkline_scales_from_zero_to_max() -> None:
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8) == SPARK_BARS
    assert sparkline([0, 7], 8) == "▁█"


def test_sparkline_keeps_last_width_values() -> None:
    line = sparkline(list(range(100)), 10)
    assert len(line) == 10
    assert line[-1] == "█"


def test_sparkline_flat_series() -> None:
    assert sparkline([0, 0, 0], 5) == "▁▁▁"
    assert sparkline([5, 5, 5], 5) == "███"


def test_sparkline_gaps_and_empty() -> None:
    assert sparkline([], 5) == ""
    assert sparkline([1, 2], 0) == ""
    assert sparkline([0, math.nan, 4], 5) == "▁ █"
    assert sparkline([math.nan], 5) == " "


def test_zxid_hex() -> None:
    assert zxid_hex(0x1000000A3) == "0x1000000a3"
    assert zxid_hex(0) == "0x0"
    assert zxid_hex(None) == MISSING
