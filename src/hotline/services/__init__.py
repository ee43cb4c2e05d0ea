"""Use cases: each owns its transaction and calls domain, store and intel."""
