"""The package's version and the version of its file format, in a module that imports nothing:
the records cache keys its files on them without loading the package's API."""

__version__ = "0.1.0"
# The version of the pledge file format this code reads and writes.
FORMAT_VERSION = 1
