"""The HTML pages' shared pieces: the skeleton, escaping, tables and the report folder writer."""
