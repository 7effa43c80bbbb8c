"""Neurotaller's desktop designer (PySide6 + pyqtgraph): the canvas, the training panel and live plots.

It only views and edits the engine's graph; undo commands are its only writers. Built in later issues.
"""
