"""The pledge file format: parse with positions, build records, serialise, splice."""
