"""``model.summary()``: Keras 3's table of layers, output shapes and parameter counts, drawn the same way.

Keras renders the table with ``rich`` at ``min(88, terminal width - 4)`` characters (108 when the model is
not a simple chain and a "Connected to" column is added); the column widths, the even shrinking when they do
not fit, the word wrapping and the "…" truncation below follow that rendering without depending on rich.
"""
from __future__ import annotations

import shutil

from engine.layers.input_layer import Input as InputLayer

_INPUT_TYPE = "InputLayer"  # what Keras calls the layer an Input creates


def readable_size(size_bytes: float) -> str:
    """Keras' memory size text: ``616.00 B``, ``1.21 KB``..."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size_bytes / 1024 < 1:
            return f"{size_bytes:.2f} {unit}"
        size_bytes /= 1024
    return f"{size_bytes:.2f} PB"


def _column_widths(positions: list[float], line_length: int) -> list[int]:
    """Content widths (padding excluded) of each column, as rich lays out Keras' table."""
    widths, current = [], 0
    for position in positions:
        width = int(position * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width + 2)  # one space of padding on each side
        current += width
    available = line_length - (len(positions) + 1)  # the vertical borders
    excess = sum(widths) - available
    if excess > 0:  # rich's last resort: take the excess evenly from every column
        remaining, ratio_left, reduced = excess, len(widths), []
        for width in widths:
            taken = min(width, round(remaining / ratio_left))
            reduced.append(width - taken)
            remaining -= taken
            ratio_left -= 1
        widths = reduced
    return [width - 2 for width in widths]


def _wrap(text: str, width: int) -> list[str]:
    """Word-wrap to ``width``; a word longer than the width is cut with "…" (rich's "ellipsis" overflow)."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        if len(word) > width:
            word = word[: width - 1] + "…"
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    lines.append(current)
    return lines


def _unbuilt_rows(model) -> list[list[str]]:
    """A Sequential whose input shape is not known yet: Keras shows "?" and "0 (unbuilt)"."""
    return [[f"{layer.name} ({type(layer).__name__})", "?", "0 (unbuilt)"] for layer in model.layers]


def _rows(model, chain: bool) -> list[list[str]]:
    if not model.built_for_summary():
        return _unbuilt_rows(model)
    network = model.network
    graph = network.graph
    node_of = {id(layer): node_id for node_id, layer in network.layers.items()}
    rows = []
    for layer in model.layers:
        node_id = node_of[id(layer)]
        type_name = _INPUT_TYPE if isinstance(layer, InputLayer) else type(layer).__name__
        shape = "(" + ", ".join(str(size) for size in (None,) + tuple(layer.output_shape_)) + ")"
        row = [f"{layer.name} ({type_name})", shape, f"{layer.count_params():,}"]
        if not chain:
            sources = graph.predecessors(node_id)
            row.append(", ".join(f"{network.layers[source].name}[0][0]" for source in sources) or "-")
        rows.append(row)
    return rows


def _is_chain(model) -> bool:
    if not model.built_for_summary():
        return True
    graph = model.network.graph
    return all(len(graph.predecessors(n)) <= 1 and len(graph.successors(n)) <= 1 for n in graph.nodes)


_EXTRA_SCALARS = {"Nadam": 1}  # Keras' Nadam keeps the product of its momentum schedule in a variable


def optimizer_variable_count(model) -> tuple[int, int]:
    """(count, bytes) of the optimizer's variables as Keras counts them: slots + iterations + learning rate."""
    optimizer = model.optimizer
    if optimizer is None or not getattr(optimizer, "built", False):
        return 0, 0
    slots = int(optimizer.slots.size)
    itemsize = optimizer.slots.dtype.itemsize
    extra = _EXTRA_SCALARS.get(type(optimizer).__name__, 0)
    # iterations is an int32, the learning rate a float32, extra scalars float32
    return slots + 2 + extra, slots * itemsize + 4 + 4 + 4 * extra


def format_summary(model, line_length: int | None = None, positions=None) -> str:
    """The text ``model.summary()`` prints."""
    chain = _is_chain(model)
    if chain:
        default_length, positions = 88, list(positions or [0.45, 0.80, 1.0])
        headers, right_aligned = ["Layer (type)", "Output Shape", "Param #"], {2}
    else:
        default_length, positions = 108, list(positions or [0.3, 0.56, 0.74, 1.0])
        headers, right_aligned = ["Layer (type)", "Output Shape", "Param #", "Connected to"], {2}
    if positions[-1] <= 1:
        line_length = line_length or min(default_length, shutil.get_terminal_size().columns - 4)
    else:  # absolute positions, as Keras allows
        line_length = line_length or int(positions[-1])
        positions = [p / line_length for p in positions]
    widths = _column_widths(positions, line_length)

    def render(cells: list[str], left: str, middle: str, right: str) -> list[str]:
        wrapped = [_wrap(cell, width) for cell, width in zip(cells, widths)]
        height = max(len(lines) for lines in wrapped)
        out = []
        for index in range(height):
            parts = []
            for column, (lines, width) in enumerate(zip(wrapped, widths)):
                text = lines[index] if index < len(lines) else ""
                parts.append(" " + (text.rjust(width) if column in right_aligned else text.ljust(width)) + " ")
            out.append(left + middle.join(parts) + right)
        return out

    def rule(left: str, fill: str, middle: str, right: str) -> str:
        return left + middle.join(fill * (width + 2) for width in widths) + right

    lines = [f'Model: "{model.name}"', rule("┏", "━", "┳", "┓")]
    lines += render(headers, "┃", "┃", "┃")
    lines.append(rule("┡", "━", "╇", "┩"))
    rows = _rows(model, chain)
    for index, row in enumerate(rows):
        if index:
            lines.append(rule("├", "─", "┼", "┤"))
        lines += render(row, "│", "│", "│")
    lines.append(rule("└", "─", "┴", "┘"))

    if model.built_for_summary():
        network = model.network
        itemsize = network.params.dtype.itemsize
        trainable = network.n_trainable
        frozen = network.count_params() - trainable
    else:
        itemsize, trainable, frozen = 4, 0, 0
    optimizer_count, optimizer_bytes = optimizer_variable_count(model)
    total = trainable + frozen + optimizer_count
    total_bytes = (trainable + frozen) * itemsize + optimizer_bytes
    lines.append(f" Total params: {total:,} ({readable_size(total_bytes)})")
    lines.append(f" Trainable params: {trainable:,} ({readable_size(trainable * itemsize)})")
    lines.append(f" Non-trainable params: {frozen:,} ({readable_size(frozen * itemsize)})")
    if optimizer_count:
        lines.append(f" Optimizer params: {optimizer_count:,} ({readable_size(optimizer_bytes)})")
    return "\n".join(lines)
