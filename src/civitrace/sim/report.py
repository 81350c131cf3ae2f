"""The comparison report: ``results.csv`` (long format) and a self-contained ``report.html``.

Plots are matplotlib figures rendered with the Agg backend to SVG, with text left as text
(``svg.fonttype = 'none'``) and inlined, so the HTML needs no other file and no network.
"""

import csv
import io
import math
from pathlib import Path

import jinja2
import numpy as np

from civitrace.sim import constants as c
from civitrace.sim.lab import Comparison
from civitrace.sim.metrics import METRICS, Band, summarize

CSV_HEADER = ("scenario", "seed", "metric", "value")


def write_csv(comparison: Comparison, path: Path) -> None:
    """One row per scenario x seed x metric."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_HEADER)
        for scenario, seed, metric, value in comparison.rows:
            writer.writerow((scenario, seed, metric, repr(value) if math.isfinite(value) else ""))


def _svg(fig: "object") -> str:
    import matplotlib.pyplot as plt  # noqa: PLC0415  (heavy; only for reports)

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _labelled(plots: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each SVG as one image named by its caption (``plot-N``, as the template numbers them).

    Screen readers then announce the caption instead of reading out every tick label; the
    numbers themselves are in the table of every metric.
    """
    return [
        (title, svg.replace("<svg", f'<svg role="img" aria-labelledby="plot-{i}"', 1))
        for i, (title, svg) in enumerate(plots, start=1)
    ]


def _plots(comparison: Comparison) -> list[tuple[str, str]]:
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"
    import matplotlib.pyplot as plt  # noqa: PLC0415

    days = np.arange(comparison.days)
    plots: list[tuple[str, str]] = []
    titles = {
        "infectious": "People infectious (median, 5-95% band over seeds)",
        "dead": "Cumulative deaths",
        "in_quarantine": "People in quarantine",
    }
    for key, title in titles.items():
        fig, ax = plt.subplots(figsize=(7.5, 3.6))
        for sc in comparison.scenarios:
            data = comparison.series[sc.name][key]
            lo, mid, hi = np.percentile(data, [5, 50, 95], axis=0)
            (line,) = ax.plot(days, mid, label=sc.name)
            ax.fill_between(days, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0)
        ax.set_xlabel("day")
        ax.set_ylabel("people")
        ax.set_title(title)
        ax.legend(fontsize="small")
        plots.append((title, _svg(fig)))
    summary = summarize(comparison.rows)
    names = [sc.name for sc in comparison.scenarios]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6))
    for ax, (key, label) in zip(
        axes,
        (
            ("deaths", "deaths"),
            ("quarantine_person_days", "quarantine person-days"),
            ("reconstructable_people", "people reconstructable centrally"),
        ),
        strict=True,
    ):
        bands = [summary[n][key] for n in names]
        means = [b.mean for b in bands]
        err = [[b.mean - b.low for b in bands], [b.high - b.mean for b in bands]]
        ax.bar(names, means, yerr=err, color="#4c72b0")
        ax.set_title(label)
        ax.tick_params(axis="x", rotation=45)
    plots.append(("Health, burden and privacy (mean, 5-95% over seeds)", _svg(fig)))
    return plots


def _fmt(b: Band) -> str:
    if not math.isfinite(b.mean):
        return "n/a"
    digits = 3 if abs(b.mean) < 10 else 0
    if b.low == b.high:
        return f"{b.mean:,.{digits}f}"
    return f"{b.mean:,.{digits}f} [{b.low:,.{digits}f}, {b.high:,.{digits}f}]"


_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>civitrace policy lab: {{ names|join(', ') }}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;font-size:.85rem}th,td{border:1px solid #ccc;padding:.25rem .5rem}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}
figure{margin:1.5rem 0}svg{max-width:100%;height:auto}
</style></head><body>
<h1>Policy lab comparison</h1>
<p>{{ agents }} agents, {{ days }} days, {{ seeds|length }} seed(s) ({{ seeds|join(', ') }}).
Every scenario ran on the same synthetic population for each seed. Bands are the 5th-95th
percentiles over seeds.</p>
<h2>Scenarios</h2>
<dl>{% for s in scenarios %}<dt><strong>{{ s.name }}</strong>: {{ s.title }}</dt>
<dd>{{ s.summary }}<br>Approximates: {{ s.approximates }}
{% if s.sources %}<br>Sources: {{ s.sources|join('; ') }}{% endif %}</dd>{% endfor %}</dl>
<h2>Plots</h2>
{% for title, svg in plots %}<figure>{{ svg|safe }}
<figcaption id="plot-{{ loop.index }}">{{ title }}</figcaption></figure>
{% endfor %}
<h2>Every metric</h2>
<table><thead><tr><th scope="col">metric</th>
{% for n in names %}<th scope="col">{{ n }}</th>{% endfor %}</tr></thead>
<tbody>{% for key, label in metrics %}
<tr><th scope="row" title="{{ label }}">{{ key }}</th>
{% for n in names %}<td class="num">{{ cells[n][key] }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>
<h2>Assumptions</h2>
<ul>{% for line in assumptions %}<li>{{ line }}</li>{% endfor %}</ul>
</body></html>
"""


def _assumptions(comparison: Comparison) -> list[str]:
    d = comparison.disease
    p = comparison.population
    return [
        f"Transmission per contact per day: beta = {d.beta} times layer weights "
        + ", ".join(
            f"{k} {v:g}" for k, v in zip(c.LAYER_NAMES, d.layer_weights.as_array(), strict=True)
        )
        + "; R0 (secondary cases of the day-0 infections) measures 2.3 in the default city.",
        "Natural history and age-specific severity: covasim parameter set (Verity et al. 2020, "
        "Ferguson et al. 2020, O'Driscoll et al. 2021, Lauer et al. 2020, Linton et al. 2020).",
        f"Asymptomatic infections are {d.asymptomatic_relative:g} times as infectious; "
        "hospitalised people do not transmit.",
        "Daily contacts drawn per infectious agent: "
        + ", ".join(
            f"{k} {v:g}"
            for k, v in zip(c.LAYER_NAMES[1:4], p.contacts.as_array()[1:4], strict=True)
        )
        + f"; household: everyone; venues: visit chance {p.venue_visit_prob:g} per day.",
        "Smartphone ownership by age band: "
        + ", ".join(
            f"{lo}+: {v:.0%}" for lo, v in zip(c.AGE_BAND_LOWER, p.smartphone_by_age, strict=True)
        )
        + ".",
        "Privacy: person-records count identified records (tests, interviews, centralised app "
        "registrations and encounter uploads, location records, central check-ins); a "
        "decentralised app or check-in adds none. Reconstructable people: those whose contacts "
        "or places a central operator holds.",
        "No reinfection, no vaccination, no imported cases, no seasonality.",
    ]


def write_html(comparison: Comparison, path: Path) -> None:
    """The self-contained comparison report."""
    summary = summarize(comparison.rows)
    names = [sc.name for sc in comparison.scenarios]
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    html = env.from_string(_TEMPLATE).render(
        agents=f"{comparison.population.agents:,}",
        days=comparison.days,
        seeds=comparison.seeds,
        scenarios=comparison.scenarios,
        names=names,
        plots=_labelled(_plots(comparison)),
        metrics=list(METRICS.items()),
        cells={n: {k: _fmt(b) for k, b in summary[n].items()} for n in names},
        assumptions=_assumptions(comparison),
    )
    path.write_text(html, encoding="utf-8")
