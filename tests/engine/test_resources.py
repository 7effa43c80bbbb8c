"""Shipped data files are the ones their licence notes describe."""
import hashlib
from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def test_wine_csv_checksum_and_shape():
    path = RESOURCES / "datasets" / "wine.csv"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == \
        "1c03cbe47141f544075233e4d94488e7d1ad327891d8c4e1b3619317fabd988a"
    lines = path.read_text(encoding="utf-8").strip().split("\n")
    assert len(lines) == 179 and lines[0].endswith(",cultivar")
    assert "CC BY 4.0" in (RESOURCES / "datasets" / "LICENSES.md").read_text(encoding="utf-8")
