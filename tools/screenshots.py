"""Take the README's screenshots of the real window under Xvfb.

    python tools/screenshots.py [--out docs/screenshots]

Each picture is a separate run of ``python -m designer --screenshot`` inside ``xvfb-run`` (a real X server,
the xcb platform plugin, real fonts), exactly what a person would see on a 1600×1000 screen.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SHOTS = {
    "designer_mnist_cnn.png": ["--template", "mnist_cnn", "--language", "es"],
    "designer_playground_en.png": ["--template", "playground", "--language", "en"],
    "training_spiral.png": ["--template", "playground_spiral", "--language", "es", "--train-seconds", "6",
                            "--view", "neurons"],
    "training_mnist_cnn.png": ["--template", "mnist_cnn", "--language", "es", "--train-seconds", "30",
                               "--plots", "confusion,filters"],
}


def _keras_home_with_shared_mnist(out: Path) -> Path:
    """A Keras-style data folder pointing at the MNIST files beside the checkout (../shared/data/mnist): where
    the app looks by itself, as it would find a student's ~/.keras/datasets/mnist."""
    home = out / ".keras_home"
    link = home / "datasets" / "mnist"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        for candidate in (ROOT.parent / "shared" / "data" / "mnist", Path("/work/shared/data/mnist")):
            if candidate.is_dir():
                link.symlink_to(candidate, target_is_directory=True)
                break
    return home


def take(name: str, args: list[str], out: Path, timeout: float = 240.0) -> Path:
    if shutil.which("xvfb-run") is None:
        raise RuntimeError("xvfb-run is not installed (apt-get install xvfb)")
    path = out / name
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    if "mnist" in name:
        env["KERAS_HOME"] = str(_keras_home_with_shared_mnist(out))
    command = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, "-m", "designer",
               "--size", "1600x1000", "--screenshot", str(path), *args]
    subprocess.run(command, check=True, cwd=ROOT, env=env, timeout=timeout)
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("names", nargs="*", help="only these pictures")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, shot_args in SHOTS.items():
        if not args.names or name in args.names:
            print(take(name, shot_args, out))


if __name__ == "__main__":
    main()
