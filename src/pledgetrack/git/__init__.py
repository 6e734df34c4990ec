"""Git: reading revisions, and the merge driver for pledge files."""
