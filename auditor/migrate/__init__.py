"""Migration layouts, the migration runner and migration-state inspection."""
