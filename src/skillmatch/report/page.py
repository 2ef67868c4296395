"""The report's HTML: one self-contained page (inline CSS, charts as base64 PNG, no scripts,
no fonts or files from elsewhere), in Dutch (or English).

Every number in a table cell also carries its exact value in a ``data-value`` attribute,
so that a program (or a test) can read the figures back without parsing Dutch notation.
"""

from __future__ import annotations

import base64
from collections.abc import Collection
from datetime import date
from html import escape

CSS = """
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #1b1b1b; line-height: 1.45; padding: 0 1em; }
h1 { color: #1f4e79; margin-bottom: 0.2em; }
h2 { color: #1f4e79; border-bottom: 2px solid #d0dceb; padding-bottom: 0.2em; margin-top: 2em; }
p.lead { color: #444; }
table { border-collapse: collapse; margin: 1em 0; width: 100%; font-size: 0.92em; }
th, td { border: 1px solid #d0dceb; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #eef3f9; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e4e9f0; }
figcaption { color: #555; font-size: 0.9em; }
.cards { display: flex; flex-wrap: wrap; gap: 1em; }
.card { background: #eef3f9; border-radius: 6px; padding: 0.8em 1.2em; min-width: 180px; }
.card .value { font-size: 1.8em; font-weight: bold; color: #1f4e79; }
.plan { background: #fafbfd; border-left: 4px solid #7fa7d9; padding: 0.5em 1em; margin: 1em 0; }
.small { font-size: 0.88em; color: #444; }
"""


def nl_int(value: float) -> str:
    """1234 -> '1.234' (Dutch thousands separator)."""
    return f"{round(value):,}".replace(",", ".")


def nl_float(value: float, digits: int = 2) -> str:
    """0.756 -> '0,76'; thousands with a dot."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def nl_euro(value: float) -> str:
    return "€ " + nl_int(value)


def nl_percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def cell(value, text: str | None = None) -> str:
    """A table cell; numbers are right-aligned and carry their exact value in ``data-value``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        shown = text if text is not None else (nl_int(value) if float(value).is_integer() else nl_float(value))
        return f'<td class="num" data-value="{value!r}">{escape(shown)}</td>'
    return f"<td>{escape(str(value))}</td>"


def table(table_id: str, headers: list[str], rows: list[list[str]], numeric: Collection[int] = ()) -> str:
    num = ' class="num"'
    head = "".join(f"<th{num if i in numeric else ''}>{escape(h)}</th>" for i, h in enumerate(headers))
    body = "\n".join("<tr>" + "".join(r) + "</tr>" for r in rows)
    return f'<table id="{table_id}">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>'


def figure(png: bytes, alt: str, caption: str, name: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure id="fig-{name}"><img src="data:image/png;base64,{data}" alt="{escape(alt)}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def page(title: str, lead: str, sections: list[str], lang: str, made: date) -> str:
    body = "\n".join(sections)
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f"<h1>{escape(title)}</h1>\n<p class=\"lead\">{escape(lead)}</p>\n"
            f'<p class="small" id="made">{escape(made.isoformat())}</p>\n{body}\n</body>\n</html>\n')


def cards(items: list[tuple[str, float, str]]) -> str:
    """Key figures: (label, value, shown text)."""
    parts = [f'<div class="card" data-label="{escape(label)}" data-value="{value!r}"><div class="value">'
             f'{escape(text)}</div><div>{escape(label)}</div></div>' for label, value, text in items]
    return '<div class="cards" id="kerncijfers">' + "".join(parts) + "</div>"


__all__ = ["CSS", "cards", "cell", "figure", "nl_euro", "nl_float", "nl_int", "nl_percent",
           "page", "table"]
