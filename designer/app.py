"""Start the designer: ``neurotaller [project.ntl]`` or ``python -m designer [project.ntl]``.

Options for classrooms and tests: ``--language es|en``, ``--template NAME`` (start from a template),
``--screenshot PATH`` (save a picture of the window once it is drawn, then quit; used under Xvfb).
"""
from __future__ import annotations

import argparse
import sys

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="neurotaller", description="Neurotaller: a workshop for neural networks")
    parser.add_argument("project", nargs="?", help="a project file (.ntl) to open")
    parser.add_argument("--language", choices=("en", "es"), help="interface language (default: the system's)")
    parser.add_argument("--template", help="start from a template (see engine.templates.template_names())")
    parser.add_argument("--screenshot", help="save a PNG of the window after it is shown, then quit")
    parser.add_argument("--screenshot-delay", type=int, default=1500, help="milliseconds before the screenshot")
    parser.add_argument("--view", choices=("layers", "neurons", "plots"), default="layers",
                        help="what the middle of the window shows first")
    parser.add_argument("--plots", default="", help="plot docks to bring forward, e.g. confusion,filters")
    parser.add_argument("--size", default="1400x860", help="window size WIDTHxHEIGHT")
    parser.add_argument("--train-seconds", type=float, default=0.0,
                        help="with --screenshot: press Play and train this long before the picture")
    return parser.parse_args(argv)


def make_application(argv: list[str]) -> QApplication:
    app = QApplication.instance() or QApplication(argv)
    QCoreApplication.setOrganizationName("Neurotaller")
    QCoreApplication.setApplicationName("Neurotaller")
    app.setApplicationDisplayName("Neurotaller")
    return app


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    app = make_application(sys.argv[:1])
    from designer.i18n import install_language
    from designer.main_window import MainWindow

    from PySide6.QtCore import QSettings

    install_language(app, args.language or QSettings().value("language") or None)
    window = MainWindow()
    width, height = (int(v) for v in args.size.lower().split("x"))
    window.resize(width, height)
    if args.project:
        window.files.open_path(args.project)
    elif args.template:
        window.new_from_template(args.template)
    else:
        window.start()
    window.show_view(args.view)
    window.raise_plots([key for key in args.plots.split(",") if key])
    window.show()
    if args.screenshot:
        from designer.screenshot import schedule_screenshot

        schedule_screenshot(window, args.screenshot, args.screenshot_delay, args.train_seconds)
    else:
        QTimer.singleShot(0, window.offer_recovery)
    return app.exec()
