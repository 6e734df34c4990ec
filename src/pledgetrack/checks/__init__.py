"""Rules that turn records into problems."""
