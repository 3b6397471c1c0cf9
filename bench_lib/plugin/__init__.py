"""The pytest plugin: options, the parameter grid, the fixture, the session log, results."""
