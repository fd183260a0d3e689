"""Helpers shared by the tests, the benchmarks and tools/: fixed secrets, signed webhooks,
scratch PostgreSQL schemas, an in-memory keyring.

They live under tests/ so the frozen kiosk never ships them (build.spec excludes `tests`)
and no product module can lean on them (tests/unit/test_layering.py checks both).
"""
