"""The key server's publish API (``POST /v1/publish``), as Google's open-source key server."""
