"""The small HTML pages that links in emails open (rating and Resolve links)."""

from __future__ import annotations

from html import escape

from fastapi.responses import HTMLResponse

# How the OpenAPI document declares an answer that is one of these pages.
PAGE = {"content": {"text/html": {"schema": {"type": "string"}}}}

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;
color:#1f2328}}textarea{{width:100%;min-height:6rem;font:inherit}}button{{font:inherit;
padding:.5rem 1rem;border:0;border-radius:8px;background:#2f4f4f;color:#fff}}</style></head>
<body><h1>{title}</h1><p>{text}</p>{extra}</body></html>"""


def html_page(title: str, text: str, extra: str = "", status: int = 200) -> HTMLResponse:
    html = _PAGE.format(title=escape(title), text=escape(text), extra=extra)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
