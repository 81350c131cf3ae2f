"""Venue check-in by QR code (Corona-Warn-App event registration); built by issue 5."""
