"""Files: finding the data root, parsing YAML with line numbers, loading, writing."""
