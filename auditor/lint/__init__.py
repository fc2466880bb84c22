"""Migration lint: the engine (files, ignores, git) and its configuration."""
