"""Defaults shared by the library door and the command line (no imports: the CLI starts fast).
"""

#: Draws per chunk by default. 125 rather than 250: the same numbers (chunking never changes
#: them) and the same time, ~45 MiB less peak memory for ``ffcast run --draws 1000`` (472 ->
#: 428 MiB measured in the development venv; a fresh clone's venv adds ~80 MiB of imports,
#: which took the 250-draw chunks past 500 MiB).
DEFAULT_CHUNK = 125
