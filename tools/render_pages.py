"""Render the template and a sample run's report to PNG pages for the README (docs/images/).

Needs LibreOffice (``soffice``) and poppler (``pdftoppm``) on the PATH. Run from the repository
root: ``.venv/bin/python tools/render_pages.py``. It writes a blank template, runs the sample
batch against the built-in simulator into a scratch folder, prints both workbooks to PDF with
LibreOffice headless (each with its own print set-up), and keeps the template's header strips
and Instructions as ``template-N.png``, and the first page of the report's Summary, Numbers
and Orders sheets as ``report-1.png`` to ``report-3.png``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from porting_batch.template import write_template  # noqa: E402

SAMPLE = ROOT / "input_templates" / "sample" / "sample-batch.xlsx"
#: Pages kept per workbook, their resolution, and the widest a page may come out (a report
#: sheet printed whole can be very wide): small enough to commit, big enough to read.
PAGES = 2
DPI = 80
MAX_PIXELS = 1400
#: The Numbers sheet prints one page wide, so its 37 columns are tiny on a whole page: its
#: header and example rows are shown instead, at a high resolution, in two halves
#: (x, y, width, height in pixels at ZOOM_DPI on a landscape Letter page).
ZOOM_DPI = 600
NUMBERS_STRIPS = ((230, 262, 3070, 76), (3290, 262, 3080, 76))


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise SystemExit(
            f"{name} is not installed (apt-get install libreoffice-calc poppler-utils)"
        )
    return found


#: The report's sheets shown, in order; each is found by its footer ("Numbers ... Page 3 of 12").
REPORT_SHEETS = ("Summary", "Numbers", "Orders")
#: The report's pages print at 55% or more of full size: this resolution keeps them readable
#: and each PNG under 300 KB.
REPORT_DPI = 100
_FOOTER = re.compile(r"^\s*(\S+)\s+Page \d+ of \d+\s*$", re.MULTILINE)


def to_pdf(workbook: Path, folder: Path, export: str = "pdf") -> Path:
    """The workbook printed to PDF by LibreOffice: with its own print set-up, or ``export``."""
    profile = folder / "lo-profile"
    subprocess.run(  # noqa: S603 - fixed program and arguments
        [
            _tool("soffice"),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            export,
            "--outdir",
            str(folder),
            str(workbook),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return folder / (workbook.stem + ".pdf")


def to_pngs(
    pdf: Path, out: Path, name: str, first: int = 1, start: int = 1, pages: int = PAGES
) -> list[Path]:
    """``pages`` pages of the PDF from page ``first``, as ``<name>-<n>.png`` from ``start``."""
    prefix = pdf.parent / f"{name}-page"
    last = first + pages - 1
    subprocess.run(  # noqa: S603 - fixed program and arguments
        [
            _tool("pdftoppm"),
            *("-png", "-r", str(DPI), "-scale-to", str(MAX_PIXELS)),
            *("-f", str(first), "-l", str(last)),
            pdf,
            prefix,
        ],
        check=True,
        timeout=120,
    )
    written = []
    pages = sorted(pdf.parent.glob(f"{name}-page-*.png"))
    for index, page in enumerate(pages, start=start):
        target = out / f"{name}-{index}.png"
        shutil.move(page, target)
        written.append(target)
    return written


def first_pages(pdf: Path, sheets: tuple[str, ...]) -> list[int]:
    """The number of the first page of each of ``sheets`` in the PDF, read from the footers."""
    found: dict[str, int] = {}
    page = 1
    while len(found) < len(sheets):
        text = subprocess.run(  # noqa: S603 - fixed program and arguments
            [_tool("pdftotext"), "-layout", "-f", str(page), "-l", str(page), pdf, "-"],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
        footer = _FOOTER.search(text)
        if footer is None:
            raise SystemExit(f"page {page} of {pdf.name} has no footer; sheets found: {found}")
        found.setdefault(footer.group(1), page)
        page += 1
    return [found[sheet] for sheet in sheets]


def _png(pdf: Path, target: Path, dpi: int, page: int, crop: tuple[str, ...] = ()) -> Path:
    """One page of the PDF (or a crop of it: pdftoppm's -x -y -W -H) as the PNG ``target``."""
    prefix = pdf.parent / f"{target.stem}-page"
    subprocess.run(  # noqa: S603 - fixed program and arguments
        [
            _tool("pdftoppm"),
            *("-png", "-singlefile", "-r", str(dpi), "-f", str(page), "-l", str(page)),
            *crop,
            pdf,
            prefix,
        ],
        check=True,
        timeout=120,
    )
    shutil.move(prefix.with_suffix(".png"), target)
    return target


def report_pages(pdf: Path, out: Path) -> list[Path]:
    """The first page of each of REPORT_SHEETS as ``report-<n>.png``."""
    pages = first_pages(pdf, REPORT_SHEETS)
    return [
        _png(pdf, out / f"report-{index}.png", REPORT_DPI, page)
        for index, page in enumerate(pages, start=1)
    ]


def numbers_strips(pdf: Path, out: Path, name: str) -> list[Path]:
    """The header and example rows of the PDF's first page, as ``<name>-<n>.png``."""
    return [
        _png(
            pdf,
            out / f"{name}-{index}.png",
            ZOOM_DPI,
            1,
            tuple(map(str, ("-x", x, "-y", y, "-W", w, "-H", h))),
        )
        for index, (x, y, w, h) in enumerate(NUMBERS_STRIPS, start=1)
    ]


def sample_report(folder: Path) -> Path:
    """Run the sample batch against the built-in simulator; the run's report.xlsx."""
    env = {**os.environ, "PORTING_STATE_DIR": str(folder / "state"), "PORTING_API": "simulator"}
    command = [str(ROOT / ".venv" / "bin" / "porting-batch"), "run", str(SAMPLE), "--out"]
    subprocess.run(  # noqa: S603 - our own command
        [*command, str(folder / "reports")], check=True, env=env, cwd=folder, timeout=600
    )
    return next((folder / "reports").glob("*/report.xlsx"))


def main(argv: list[str] | None = None) -> int:
    """Write docs/images/template-*.png and report-*.png."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for old in [*args.out.glob("template-*.png"), *args.out.glob("report-*.png")]:
            old.unlink()
        template = to_pdf(write_template(folder / "porting-template.xlsx"), folder)
        pages = numbers_strips(template, args.out, "template")
        # page 1 is the Numbers sheet, shown above; then the Instructions
        pages += to_pngs(template, args.out, "template", first=2, start=len(pages) + 1)
        pages += report_pages(to_pdf(sample_report(folder), folder), args.out)
    for page in pages:
        print(page.relative_to(ROOT) if page.is_relative_to(ROOT) else page)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
