"""Result files: the schema, loading and saving, typed records, derived figures, tidy tables."""
