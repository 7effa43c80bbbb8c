"""The network graph (pure data) and its analysis."""
from engine.graph.analysis import Analysis, Problem, analyze, validate
from engine.graph.model import Edge, Graph, GraphEditError, Node

__all__ = ["Analysis", "Edge", "Graph", "GraphEditError", "Node", "Problem", "analyze", "validate"]
