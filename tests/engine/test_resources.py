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


SHIPPED = {
    # file: (sha256, rows incl. header, header ends with)
    "iris.csv": ("b6b8efc86732bc48c9fbddba53e2c191fd4f263c0ee98e2b1b7d3543e8d2121d", 151, ",species"),
    "breast_cancer.csv": ("518936fa92ca3d8a78c420aee22030c4e519ffcba3be15dd23e83f2fc22e20e5", 570, ",diagnosis"),
    "digits.csv.gz": ("8e683f96d6a230aa7db7535e83754200b27bf9302ed58f6091a40243deb7d912", 1798, "px7_7,digit"),
}


def test_uci_tables_checksums_shapes_and_licence_notes():
    import gzip

    licences = (RESOURCES / "datasets" / "LICENSES.md").read_text(encoding="utf-8")
    for name, (sha256, n_lines, header_end) in SHIPPED.items():
        raw = (RESOURCES / "datasets" / name).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == sha256, name
        text = (gzip.decompress(raw) if name.endswith(".gz") else raw).decode("utf-8")
        lines = text.strip().split("\n")
        assert len(lines) == n_lines and lines[0].endswith(header_end), name
        assert len({line.count(",") for line in lines}) == 1, name  # rectangular
        assert f"## {name}" in licences, name
    assert "Apache License, Version 2.0" in licences and "CC BY-SA 3.0" in licences
