"""Each key of the rule semantics (fill, academic years, windows, keep, grant) refuses a wrong
value with a message that names the file, line and what to write instead."""

from __future__ import annotations

import pytest

from creditbank.errors import Finding
from creditbank.ruleset.loader import check_sources

LIMIT = """\
limits:
  - id: lim.yearly
    programme: mech
    effective: {{from: 2020-01-01}}
    max_credits: 4
    {key}
"""

TRANSFER = """\
transfers:
  - id: tr.each
    programme: mech
    effective: {{from: 2020-01-01}}
    from: {{outcome: {{kind: training_certificate}}}}
    {key}
"""


@pytest.mark.parametrize(
    ("extra", "line", "words"),
    [
        pytest.param(
            LIMIT.format(key="fill: first-come"),
            6,
            ("'optimal' or 'chronological'",),
            id="fill",
        ),
        pytest.param(
            LIMIT.format(key="period: {unit: year, year_starts: '02-29'}"),
            6,
            ("'02-29' is not a month-day every year has",),
            id="year_starts-not-every-year",
        ),
        pytest.param(
            LIMIT.format(key="period: {unit: year, year_starts: '9-1'}"),
            6,
            ("should match pattern",),
            id="year_starts-format",
        ),
        pytest.param(
            LIMIT.format(key="period: {unit: semester, year_starts: '09-01'}"),
            6,
            ("'year_starts' goes with 'unit: year'",),
            id="year_starts-with-semesters",
        ),
        pytest.param(
            LIMIT.format(key="period: {unit: year, semester_starts: ['09-01']}"),
            6,
            ("'semester_starts' goes with 'unit: semester'",),
            id="semester_starts-with-years",
        ),
        pytest.param(
            LIMIT.format(
                key="period: {windows: [{from: 2024-09-01, to: 2025-08-31},"
                " {from: 2025-08-01, to: 2026-07-31}]}"
            ),
            6,
            ("windows 2024-09-01..2025-08-31 and 2025-08-01..2026-07-31 overlap",),
            id="windows-overlap",
        ),
        pytest.param(
            LIMIT.format(
                key="period: {windows: [{name: {en: AY}, from: 2024-09-01, to: 2025-08-31},"
                " {name: {en: AY}, from: 2025-09-01, to: 2026-08-31}]}"
            ),
            6,
            ("two windows are both named AY",),
            id="windows-same-name",
        ),
        pytest.param(
            LIMIT.format(key="period: {windows: [{from: 2025-09-01, to: 2024-08-31}]}"),
            6,
            ("'to' (2024-08-31) is before 'from' (2025-09-01)",),
            id="window-backwards",
        ),
        pytest.param(
            TRANSFER.format(key="to: {courses: [M1]}\n    grant: each"),
            2,
            ("'grant: each' needs 'to: courses' with 2 to 6 courses (found 1)",),
            id="grant-each-one-course",
        ),
        pytest.param(
            TRANSFER.format(key="to: {category: elective, credits: 2}\n    grant: each"),
            2,
            ("'grant: each' needs 'to: courses'", "(found 0)"),
            id="grant-each-to-a-category",
        ),
        pytest.param(
            TRANSFER.format(key="to: {courses: [M1, M2]}\n    grant: several"),
            7,
            ("'whole' or 'each'",),
            id="grant-value",
        ),
    ],
)
def test_a_wrong_semantic_key_is_reported_where_it_is(
    min_sources: dict[str, str], extra: str, line: int, words: tuple[str, ...]
) -> None:
    (error,) = _errors({**min_sources, "extra.yaml": extra})
    assert (error.location.file, error.location.line) == ("extra.yaml", line), str(error)
    for word in words:
        assert word in error.message, f"{word!r} not in {error.message!r}"


def test_a_wrong_duplicates_keep_is_reported_in_the_pack(min_sources: dict[str, str]) -> None:
    pack = min_sources["pack.yaml"].replace(
        "  accreditation_required_for: [enterprise]",
        "  accreditation_required_for: [enterprise]\n  duplicates: {keep: last}",
    )
    (error,) = _errors({**min_sources, "pack.yaml": pack})
    line = pack.splitlines().index("  duplicates: {keep: last}") + 1
    assert (error.location.file, error.location.line) == ("pack.yaml", line), str(error)
    assert "'first', 'best_grade' or 'optimal'" in error.message


def _errors(sources: dict[str, str]) -> list[Finding]:
    report = check_sources(sources)
    return [f for f in report.findings if f.code == "rules.invalid_value"]
