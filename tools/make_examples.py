"""Write the example projects in resources/examples/ from engine.templates: one ``<name>.ntl`` per template,
the slide network's data table and a README listing what each example teaches.

    python tools/make_examples.py            # rewrite resources/examples/
    python tools/make_examples.py OUT_DIR    # write somewhere else (the tests compare the two)

Deterministic: the same templates give the same bytes, so the files only change when a template does.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import numpy as np  # noqa: E402

from engine import project, templates  # noqa: E402

SLIDE_ROWS, SLIDE_FEATURES = 200, 16


def slide_table() -> str:
    """The slides' data as CSV: 200 rows of 16 numbers uniform in [0, 1) (seed 0, three decimals), labelled 1
    when they add up to more than 8 (the sum of 16 such numbers averages 8, so the classes are balanced)."""
    x = np.round(np.random.default_rng(0).random((SLIDE_ROWS, SLIDE_FEATURES)), 3)
    y = (x.sum(axis=1) > SLIDE_FEATURES / 2).astype(int)
    lines = [",".join([f"x{i + 1}" for i in range(SLIDE_FEATURES)] + ["label"])]
    lines += [",".join([f"{value:.3f}" for value in row] + [str(label)]) for row, label in zip(x, y)]
    return "\n".join(lines) + "\n"


def _dataset_text(spec: dict | None) -> str:
    if spec is None:
        return "none (architecture only)"
    if "csv" in spec:
        return f"`{spec['csv']}` (in this folder)"
    options = {k: v for k, v in (spec.get("options") or {}).items() if v not in (None, [], False)}
    shown = ", ".join(f"{k}={v}" for k, v in options.items())
    text = f"`{spec['name']}`" + (f" ({shown})" if shown else "")
    if spec["name"] in ("mnist", "fashion_mnist"):
        text += "; choose the folder holding the MNIST files"
    return text


def readme_text() -> str:
    lines = ["# Example projects", "",
             "Open any of these in the designer (File → Open), or start from the same network with "
             "File → New from template. Each file holds the network, its training settings and its data set;",
             "none holds trained weights. They are generated from `engine/templates.py` by "
             "`python tools/make_examples.py`: edit the template, not the file.", "",
             "| File | Network | Parameters | Data set | What it teaches |",
             "|---|---|---:|---|---|"]
    for name in templates.template_names():
        info = templates.describe(name)
        lines.append(f"| `{name}.ntl` | {info['title']} | {info['parameters']:,} | "
                     f"{_dataset_text(info['dataset'])} | {info['summary']} |")
    lines += ["", f"`{templates.SLIDE_CSV}` is the slide network's data: {SLIDE_ROWS} rows of {SLIDE_FEATURES} "
              "random numbers in [0, 1), labelled 1 when they add up to more than 8 (made with seed 0).", ""]
    return "\n".join(lines)


def write_examples(folder: str | Path = templates.EXAMPLES) -> list[Path]:
    """Write every example into ``folder``; returns the files written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in templates.template_names():
        path = folder / f"{name}.ntl"
        project.save(path, templates.make_template(name))
        written.append(path)
    for file_name, text in ((templates.SLIDE_CSV, slide_table()), ("README.md", readme_text())):
        path = folder / file_name
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_examples(sys.argv[1] if len(sys.argv) > 1 else templates.EXAMPLES):
        print(written_path)
