"""``model.summary()``: the Keras table of layers, output shapes and parameter counts."""
from __future__ import annotations


def _human(count: int, bytes_per_param: int = 4) -> str:
    size = count * bytes_per_param
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}" if unit != "B" else f"{size} B"
        size /= 1024
    return f"{size:.2f} GB"


def format_summary(model) -> str:
    network = model.network
    graph = network.graph
    rows = []
    show_connections = any(len(graph.predecessors(node_id)) > 1 for node_id in network.order)
    hidden_inputs = model.__class__.__name__ == "Sequential"
    for node_id in network.order:
        layer = network.layers[node_id]
        if hidden_inputs and node_id in network.input_ids:
            continue
        shape = (None,) + tuple(layer.output_shape_)
        row = [f"{layer.name} ({layer.type_name})", str(shape), f"{layer.count_params():,}"]
        if show_connections:
            row.append(", ".join(network.layers[s].name for s in graph.predecessors(node_id)) or "-")
        rows.append(row)
    headers = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if show_connections else [])
    widths = [max(len(headers[i]), *(len(row[i]) for row in rows)) + 2 for i in range(len(headers))]
    line = "─" * (sum(widths) + 1)
    out = [f'Model: "{model.name}"', line,
           "".join(header.ljust(width) for header, width in zip(headers, widths)), line]
    for row in rows:
        out.append("".join(cell.ljust(width) for cell, width in zip(row, widths)))
    out.append(line)
    trainable = network.n_trainable
    total = network.count_params()
    out.append(f" Total params: {total:,} ({_human(total)})")
    out.append(f" Trainable params: {trainable:,} ({_human(trainable)})")
    out.append(f" Non-trainable params: {total - trainable:,} ({_human(total - trainable)})")
    return "\n".join(out)
