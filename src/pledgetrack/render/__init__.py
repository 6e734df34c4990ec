"""Renderers: results to text, JSON, GitHub annotations, tables."""
