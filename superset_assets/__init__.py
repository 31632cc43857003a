"""Superset as code: the v1 import bundle (YAML), built from `declaration`, and its loader.

`ykt superset load|serve|stop` (see `cli.py`); `make run` loads and serves it (`loader.stage_superset`).
"""
