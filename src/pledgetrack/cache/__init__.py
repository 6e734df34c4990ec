"""The records cache: listing, shards, encoding, cache folder, parallel parsing."""
