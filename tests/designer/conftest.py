import pytest

from designer import commands as cmd
from designer.document import Document


@pytest.fixture
def document(qtbot):
    doc = Document()
    yield doc
    doc.shutdown()


def build_chain(document, *layers):
    """Add layers (type, params) wired one after the other through commands; return their node ids."""
    ids, previous = [], None
    for index, (layer_type, params) in enumerate(layers):
        command = cmd.AddNode(document, layer_type, params, (220.0 * index, 0.0), connect_from=previous)
        document.push(command)
        ids.append(command.node_id)
        previous = command.node_id
    return ids
