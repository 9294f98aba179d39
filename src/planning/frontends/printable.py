"""Printable reports: executed notebooks → HTML with no code, no prompts, no paths → PDF.

A report for the People's Committee holds sentences, tables and charts only. From an executed
report notebook (scenario, comparison, what it would take) :func:`export_printable_html`
writes HTML with nbconvert's no-input mode (no code cells, no ``In [n]`` prompts), without
the cells tagged ``parameters``, ``injected-parameters`` or ``report-hide`` (parameter values
and notes for the people who maintain the notebooks, which hold paths and program words),
without error outputs and warnings (``stderr``), and without scripts (a printed page needs
none, and offline a script from the internet only delays printing). :func:`bilingual_notebook`
puts a Vietnamese run and an English run of the same notebook one after the other, the English
part on a new page: one printable bilingual report, each part in its own number style.

:func:`html_to_pdf` prints an HTML file to PDF with the system's Chromium (headless, no
network, no page header or footer, so neither the file's path nor the date is printed on the
page). Without Chromium it returns None and :data:`PDF_UNAVAILABLE` says what to do instead
(open the HTML file and print it to PDF).

:func:`planner_problems` lists what must never reach a planner (code, prompts, absolute paths,
developer words); the tests and :mod:`planning.frontends.report_cli` use it on every exported file.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from planning.basics.atomic import write_atomic
from planning.basics.i18n import Lang

__all__ = [
    "HIDE_TAGS", "PDF_UNAVAILABLE", "bilingual_notebook", "chromium_path", "export_printable_html", "html_to_pdf",
    "planner_problems", "printable_notebook", "visible_text",
]

#: cells with one of these tags are left out of printed reports (input and output)
HIDE_TAGS = frozenset({"parameters", "injected-parameters", "report-hide"})
#: what to tell the user when no Chromium is installed
PDF_UNAVAILABLE = ("Không tìm thấy trình duyệt Chromium nên chưa in được PDF; hãy mở tệp HTML bằng trình duyệt "
                   "và chọn In → Lưu thành PDF. / Chromium was not found, so no PDF was made: open the HTML "
                   "file in a browser and choose Print → Save as PDF.")
_PRINT_CSS = """<style>
@page { size: A4 landscape; margin: 12mm 12mm; }
body { font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; font-size: 11pt; color: #111; }
.jp-Notebook { padding: 0 !important; }
.jp-Cell { padding: 2px 0 !important; }
.jp-OutputArea-output img { max-width: 100%; height: auto; }
.jp-RenderedImage, .jp-OutputArea-output svg, table, .planning-maps { break-inside: avoid; }
.jp-RenderedHTMLCommon table { font-size: 8.5pt; }
.jp-RenderedHTMLCommon th, .jp-RenderedHTMLCommon td { padding: 2px 5px !important; }
.planning-page-break { break-before: page; }
.planning-maps > div { flex-wrap: nowrap !important; }
.planning-maps > div > div { flex: 1 1 0 !important; }
.planning-maps svg { width: 100%; height: auto; }
.planning-headline { font-size: 12.5pt; border-left: 4px solid #1f5fa8; padding: 6px 10px; background: #f3f6fb; }
</style>"""
_PAGE_BREAK = '<div class="planning-page-break"></div>'
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I)
_LINK = re.compile(r"<link\b[^>]*https?://[^>]*>", re.I)
#: (what, pattern) of things that must not reach a planner's page
_FORBIDDEN: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("prompt", re.compile(r"(In|Out)\s*\[\s*\d*\s*\]\s*:?")),
    ("absolute path", re.compile(r"(?<![\w.:/])/(?:work|home|tmp|root|usr|mnt|var|opt|srv|Users)/")),
    ("windows path", re.compile(r"\b[A-Za-z]:\\\\")),
    ("file url", re.compile(r"file://")),
    ("developer word", re.compile(r"\b(pytest|papermill|nbval|nbconvert|jupyter|ipynb|traceback|stderr)\b", re.I)),
    ("code", re.compile(r"\bimport \w|\bdef \w+\(|\bscenario_path\b|\bout_dir\b|\bbatch_dir\b|= None\b")),
    ("notation", re.compile(r"P\(\s*<")),
)


def printable_notebook(nb: Any) -> Any:
    """A copy of an executed notebook fit to print: hidden cells (:data:`HIDE_TAGS`) removed,
    error outputs and ``stderr`` streams removed from the others."""
    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        if HIDE_TAGS & set(cell.metadata.get("tags", [])):
            continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if o.get("output_type") != "error"
                            and not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
        cells.append(cell)
    out.cells = cells
    return out


def bilingual_notebook(nb_vi: Any, nb_en: Any) -> Any:
    """One notebook: the Vietnamese run's cells, a page break, the English run's cells."""
    import nbformat

    out = copy.deepcopy(nb_vi)
    brk = nbformat.v4.new_markdown_cell(_PAGE_BREAK)
    brk.id = "planning-page-break"
    out.cells = [*copy.deepcopy(nb_vi.cells), brk, *copy.deepcopy(nb_en.cells)]
    seen: set[str] = set()
    for k, cell in enumerate(out.cells):  # cell ids must stay unique
        if cell.get("id") in seen:
            cell.id = f"{cell.id}-en{k}"
        seen.add(cell.get("id"))
    return out


def export_printable_html(notebook: str | os.PathLike[str] | Any, html_path: str | os.PathLike[str] | None = None,
                          *, title: str = "", lang: Lang = "vi") -> str:
    """HTML of an executed notebook (a path or a notebook node) with no code, prompts, hidden
    cells, errors or scripts; written atomically to ``html_path`` when given. ``title`` is
    the page's title (the file name when empty); ``lang`` the page's language attribute."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook, as_version=4) if isinstance(notebook, str | os.PathLike) else notebook
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            exclude_anchor_links=True)
    name = title or (Path(notebook).stem if isinstance(notebook, str | os.PathLike) else "report")
    body, _ = exporter.from_notebook_node(printable_notebook(nb), resources={"metadata": {"name": name}})
    # nbconvert's alt text for a chart is an English note to developers; a reader (or a screen
    # reader) is better served by the page's own word for it
    body = body.replace('alt="No description has been provided for this image"',
                        f'alt="{"Biểu đồ / Chart" if lang == "vi" else "Chart / Biểu đồ"}"')
    body = _SCRIPT.sub("", body)
    body = _LINK.sub("", body)
    body = re.sub(r"<html([^>]*)\blang=\"[^\"]*\"", r"<html\1", body, count=1)
    body = body.replace("<html", f'<html lang="{lang}"', 1)
    body = body.replace("</head>", _PRINT_CSS + "\n</head>", 1)
    if html_path is not None:
        write_atomic(Path(html_path), lambda p: p.write_text(body, encoding="utf-8"))
    return body


def visible_text(html_text: str) -> str:
    """The text a reader sees on the page: without the head (styles, the window title),
    scripts, tags and SVG/HTML attributes."""
    t = re.sub(r"<(head|style|script)\b[^>]*>.*?</\1>", " ", html_text, flags=re.S | re.I)
    t = re.sub(r"<[^>]+>", " ", t)
    t = (t.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&#x27;", "'")
         .replace("&quot;", '"').replace("&amp;", "&"))
    return re.sub(r"\s+", " ", t)


def planner_problems(html_text: str) -> list[str]:
    """What a planner must not see in an exported page: code, prompts, absolute paths,
    developer words, notation (``P(<…``). Empty when the page is clean."""
    text = visible_text(html_text)
    problems = []
    for what, pattern in _FORBIDDEN:
        for m in pattern.finditer(text):
            a, b = max(0, m.start() - 40), min(len(text), m.end() + 40)
            problems.append(f"{what}: …{text[a:b]}…")
    if re.search(r"class=\"[^\"]*\b(jp-InputArea-editor|jp-InputPrompt|jp-OutputPrompt|highlight)\b", html_text):
        problems.append("code: a code editor, a prompt or highlighted code is in the page")
    return problems


def chromium_path() -> str | None:
    """The Chromium (or Chrome) to print with: ``$PLANNING_CHROMIUM``, else the first found on
    the PATH, else ``/usr/bin/chromium``; None when there is none."""
    env = os.environ.get("PLANNING_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def html_to_pdf(html_path: str | os.PathLike[str], pdf_path: str | os.PathLike[str], *,
                timeout: float = 180.0) -> Path | None:
    """Print ``html_path`` to ``pdf_path`` (A4 landscape: the tables are wide) with headless Chromium; None without Chromium.

    No network, a fresh profile, no header or footer (they would print the file's path and the
    date). The PDF is written under a temporary name and moved into place when complete.

    Raises:
        RuntimeError: Chromium ran but wrote no PDF (its message is included).
    """
    exe = chromium_path()
    if exe is None:
        return None
    src, dst = Path(html_path).resolve(), Path(pdf_path)
    dst.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="planning-pdf-") as tmp:
        out = Path(tmp) / "out.pdf"
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-extensions", "--disable-default-apps", f"--user-data-dir={Path(tmp) / 'profile'}",
               "--no-pdf-header-footer", "--print-to-pdf-no-header", f"--print-to-pdf={out}", src.as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        if not out.exists() or out.read_bytes()[:5] != b"%PDF-":
            raise RuntimeError(f"Chromium không in được PDF / Chromium wrote no PDF (exit {proc.returncode}): "
                               f"{proc.stderr.strip()[-800:]}")
        write_atomic(dst, lambda p: shutil.copyfile(out, p))
    return dst
