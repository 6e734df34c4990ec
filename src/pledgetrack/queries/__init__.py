"""Queries: plain functions from records to result records (no files, no printing)."""
