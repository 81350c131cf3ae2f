"""Data inventory, retention, sunset, notice periods, audit chain; built by issue 6."""
