"""The CLI root and the helpers every command plugin shares (tables, JSON output, error exits)."""
