"""validate_book: what the feed refuses to pass to the engine."""

from __future__ import annotations

import math

import pytest

from corp.venues.feed import validate_book

GOOD = {"bids": [[100.0, 1.0], [99.0, 2.0]], "asks": [[101.0, 1.0], [102.0, 3.0]]}


def test_sound_book_passes() -> None:
    assert validate_book(GOOD) is None


@pytest.mark.parametrize(
    ("book", "reason"),
    [
        ({"bids": [[math.nan, 1.0]], "asks": [[101.0, 1.0]]}, "non_finite"),
        ({"bids": [[100.0, math.inf]], "asks": [[101.0, 1.0]]}, "non_finite"),
        ({"bids": [[100.0, 1.0]], "asks": [[-1.0, 1.0]]}, "non_positive"),
        ({"bids": [[100.0, 1.0]], "asks": [[100.0, 1.0]]}, "crossed"),
        ({"bids": [[99.0, 1.0], [100.0, 1.0]], "asks": [[101.0, 1.0]]}, "unsorted"),
        ({"bids": [], "asks": [[101.0, 1.0]]}, "empty_side"),
        ({"bids": [["100", 1.0]], "asks": [[101.0, 1.0]]}, "not_numeric"),
        ({"asks": [[101.0, 1.0]]}, "shape"),
        (None, "shape"),
    ],
)
def test_bad_books_are_rejected_with_a_reason(book: object, reason: str) -> None:
    assert validate_book(book) == reason
