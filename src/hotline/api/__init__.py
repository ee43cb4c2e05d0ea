"""HTTP API (FastAPI): thin routes that parse, call one service and shape the answer."""
