"""The verification API (Google-compatible): issue a code, verify it for a token, exchange the
token and the keys' HMAC for a signed certificate."""
