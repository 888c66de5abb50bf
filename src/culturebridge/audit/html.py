"""The side-by-side HTML report: question rows, endpoint x language columns, divergent cells marked.

`report_body` renders the fragment the studio page embeds; `standalone_page` wraps it in a
self-contained page (inline CSS, inline SVG, no script, no CDN) for `audit report --html`.
Labels come from the caller's `t(key)` so the web's English/Chinese catalog stays the one source.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from culturebridge.audit.svg import bar_chart

Labels = Callable[[str], str]
_ENV: list[Environment] = []


def _env() -> Environment:
    if not _ENV:
        _ENV.append(Environment(loader=PackageLoader("culturebridge.audit", "templates"),
                                autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True))
    return _ENV[0]


def columns(report: dict[str, Any]) -> list[tuple[str, str]]:
    """(endpoint, language) for every column, endpoint-major."""
    return [(n, lang) for n in report["endpoints"] for lang in report["languages"]]


def charts(report: dict[str, Any], t: Labels) -> dict[str, str]:
    """Refusal and divergence by topic as SVG strings."""
    topics = list(report["topics"])
    series = [(f"{n} · {lang}", [report["topics"][tp][n][lang]["refusal_rate"] for tp in topics])
              for n, lang in columns(report)]
    divergence = [(f"{n} · {lang}", [report["topics"][tp][n][lang]["divergence"] for tp in topics])
                  for n, lang in columns(report)]
    return {"refusal": bar_chart(t("audit.chart.refusal"), topics, series, chart_id="chart-refusal"),
            "divergence": bar_chart(t("audit.chart.divergence"), topics, divergence, chart_id="chart-divergence")}


def report_body(report: dict[str, Any], t: Labels, *, findings: list[dict[str, Any]] | None = None) -> str:
    """The report as an HTML fragment (escaped; SVG built here)."""
    return _env().get_template("report_body.html").render(
        r=report, t=t, cols=columns(report), charts=charts(report, t), findings=findings or [],
        letters="ABCDEFGHIJ")


def standalone_page(report: dict[str, Any], t: Labels, lang: str = "en") -> str:
    """A complete, self-contained HTML page of the report."""
    return _env().get_template("standalone.html").render(body=report_body(report, t), r=report, t=t, lang=lang)
