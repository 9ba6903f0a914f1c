"""The HTTP API: a small asyncio HTTP/1.1 server (http) and the digit model's routes (digits)."""
