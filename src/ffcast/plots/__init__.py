"""Figures: one palette and layout (:mod:`.style`), offline HTML / PNG writers (:mod:`.export`),
and the essay's context figures (:mod:`.essay`).

Kept import-free so the dashboard can use :mod:`.style` without loading the data layer.
"""
