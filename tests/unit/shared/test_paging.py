"""Page sizes and pagination tokens."""

from __future__ import annotations

import pytest

from tocsin.shared.errors import ValidationError
from tocsin.shared.paging import DEFAULT_PAGE, make_token, page_size, read_token


def test_page_size_is_max_results_or_the_default_when_absent_or_zero() -> None:
    assert page_size(7) == 7
    assert page_size(None) == page_size(0) == DEFAULT_PAGE == 100


def test_a_token_reads_back_as_its_position_and_a_foreign_one_is_refused() -> None:
    assert read_token(make_token(["b", 2]), tuple[str, int]) == ("b", 2)
    with pytest.raises(ValidationError, match="NextToken"):
        read_token("not a token", tuple[str, int], member="NextToken")
