"""An impact report written out: JSON and CSV for machines, a self-contained HTML page (inline
CSS and SVG, nothing fetched) for people, with the distribution of changes per programme."""

from __future__ import annotations

import csv
import html
import io
from decimal import Decimal
from typing import Any

from creditbank.service.impact import Impact, LearnerChange, Standing


def as_json(impact: Impact) -> dict[str, Any]:
    """The report as plain JSON values (decimals as text, so no credit is rounded)."""
    return _plain(
        {
            "draft": impact.draft,
            "against": impact.against,
            "pack": impact.pack,
            "date": impact.on.isoformat() if impact.on else None,
            "selection": "incremental" if impact.incremental else "full",
            "enrolments_considered": impact.considered,
            "audited": impact.audited,
            "summary": impact.summary,
            "learners": [_change(c) for c in impact.changes],
        }
    )


def _change(c: LearnerChange) -> dict[str, Any]:
    return {
        "learner": c.learner,
        "programme": c.programme,
        "date": c.date.isoformat(),
        "before": _standing(c.before),
        "after": _standing(c.after),
        "counted_change": c.delta,
        "rules": [{"id": r.id, "at": r.at, "change": r.change} for r in c.rules],
        "note": c.note,
    }


def _standing(s: Standing | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {
        "transferred": s.transferred,
        "counted": s.counted,
        "remaining": s.remaining,
        "statuses": list(s.statuses),
        "exceptions": list(s.exceptions),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


CSV_COLUMNS = (
    "learner",
    "programme",
    "date",
    "transferred_before",
    "transferred_after",
    "counted_before",
    "counted_after",
    "remaining_before",
    "remaining_after",
    "statuses_before",
    "statuses_after",
    "rules",
    "note",
)


def as_csv(impact: Impact) -> str:
    """One row per learner that changes; rules as ``id (file:line, change)`` joined by ``; ``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for c in impact.changes:
        b, a = c.before, c.after
        writer.writerow(
            [
                c.learner,
                c.programme,
                c.date.isoformat(),
                *(_cell(s, "transferred") for s in (b, a)),
                *(_cell(s, "counted") for s in (b, a)),
                *(_cell(s, "remaining") for s in (b, a)),
                *(" ".join(s.statuses) if s else "" for s in (b, a)),
                "; ".join(f"{r.id} ({r.at}, {r.change})" for r in c.rules),
                c.note,
            ]
        )
    return out.getvalue()


def _cell(s: Standing | None, name: str) -> str:
    return "" if s is None else str(getattr(s, name))


_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px}
th{background:#f3f3f3;text-align:left}td.n{text-align:right}
.gain{fill:#2a7}.loss{fill:#c33}.axis{stroke:#888}svg text{font-size:11px}
"""


def as_html(impact: Impact) -> str:
    """A page that works offline: the summary, a bar chart of the change in counted credits
    per programme, and the learners that change with the rules that made the difference."""
    s = impact.summary
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Impact of version {impact.draft}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Impact of version {impact.draft} against version {impact.against} "
        f"({_e(impact.pack)})</h1>",
        f"<p>{impact.audited} of {impact.considered} enrolments audited "
        f"({'only those the change can touch' if impact.incremental else 'all'}); "
        f"{s['changed']} change: {s['gains']} gain {s['credits_gained']} credits, "
        f"{s['losses']} lose {s['credits_lost']}.</p>",
        _summary_table(s),
    ]
    for programme, figures in s["by_programme"].items():
        if figures["distribution"]:
            parts += [
                f"<h2>{_e(programme)}: change in counted credits</h2>",
                _chart(figures["distribution"]),
            ]
    parts += [_learner_table(impact), "</body></html>"]
    return "\n".join(parts)


def _summary_table(s: dict[str, Any]) -> str:
    rows = [
        "<table><tr><th>programme</th><th>audited</th><th>changed</th><th>gains</th>"
        "<th>losses</th><th>credits gained</th><th>credits lost</th>"
        "<th>statuses reached</th><th>statuses lost</th></tr>"
    ]
    for programme, f in s["by_programme"].items():
        cells = [f[k] for k in ("audited", "changed", "gains", "losses")]
        cells += [f["credits_gained"], f["credits_lost"]]
        reached = ", ".join(f"{k} {v}" for k, v in f["statuses_reached"].items())
        lost = ", ".join(f"{k} {v}" for k, v in f["statuses_lost"].items())
        rows.append(
            f"<tr><td>{_e(programme)}</td>"
            + "".join(f"<td class=n>{c}</td>" for c in cells)
            + f"<td>{_e(reached)}</td><td>{_e(lost)}</td></tr>"
        )
    return "".join(rows) + "</table>"


def _chart(distribution: dict[str, int]) -> str:
    """Bars of learners per change in counted credits (losses red, gains green)."""
    width, height, bar = 40 * len(distribution) + 40, 160, 30
    top = max(distribution.values())
    items = []
    for i, (delta, count) in enumerate(distribution.items()):
        h = round(110 * count / top)
        x = 30 + 40 * i
        kind = "loss" if Decimal(delta) < 0 else "gain"
        items.append(
            f"<rect class='{kind}' x='{x}' y='{125 - h}' width='{bar}' height='{h}'>"
            f"<title>{count} learners: {delta} credits</title></rect>"
            f"<text x='{x + bar / 2}' y='{120 - h}' text-anchor='middle'>{count}</text>"
            f"<text x='{x + bar / 2}' y='140' text-anchor='middle'>{_e(delta)}</text>"
        )
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"role='img' aria-label='learners per change in counted credits'>"
        f"<line class='axis' x1='25' y1='125' x2='{width - 5}' y2='125'/>"
        + "".join(items)
        + "<text x='25' y='155'>change in counted credits (learners above each bar)</text></svg>"
    )


def _learner_table(impact: Impact) -> str:
    rows = [
        "<h2>Learners</h2><table><tr><th>learner</th><th>programme</th><th>date</th>"
        "<th>counted</th><th>remaining</th><th>statuses</th><th>rules</th></tr>"
    ]
    for c in impact.changes:
        b, a = c.before, c.after
        rules = "<br>".join(f"{_e(r.id)} <small>{_e(r.at)}, {r.change}</small>" for r in c.rules)
        statuses = (
            f"{_e(' '.join(b.statuses) if b else '-')} → {_e(' '.join(a.statuses) if a else '-')}"
        )
        rows.append(
            f"<tr><td>{_e(c.learner)}</td><td>{_e(c.programme)}</td><td>{c.date}</td>"
            f"<td class=n>{_cell(b, 'counted') or '-'} → {_cell(a, 'counted') or '-'}</td>"
            f"<td class=n>{_cell(b, 'remaining') or '-'} → {_cell(a, 'remaining') or '-'}</td>"
            f"<td>{statuses}</td><td>{rules}{'<br>' + _e(c.note) if c.note else ''}</td></tr>"
        )
    return "".join(rows) + "</table>"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)
