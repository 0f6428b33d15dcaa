"""What `regwatch sources` says of a source, as an operator reads it."""

from datetime import datetime, timezone

import pytest

from monitor.models import SourceRow
from monitor.store.source_states import source_state

EARLIER = datetime(2024, 2, 9, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("row", "state"),
    [
        (SourceRow(id="s", kind="feed", url="https://x"), "new"),
        (SourceRow(id="s", kind="feed", url="https://x", consecutive_failures=3, last_error="HTTP 404"), "never-ok"),
        (
            SourceRow(
                id="s", kind="feed", url="https://x", consecutive_failures=1, last_error="HTTP 503", last_success_at=EARLIER
            ),
            "failing",
        ),
        (SourceRow(id="s", kind="feed", url="https://x", last_success_at=EARLIER), "ok"),
        (SourceRow(id="s", kind="feed", url="https://x", enabled=False, consecutive_failures=5), "disabled"),
    ],
)
def test_a_source_that_never_worked_is_told_apart_from_one_that_stopped(row, state):
    assert source_state(row, 0, None)[0] == state
