"""Print the markdown tables of docs/model.md from the engine's parameter table.

Run: .venv/bin/python scripts/model_card_tables.py > /tmp/tables.md and paste; a test checks
that docs/model.md names every parameter with its default, so the card cannot drift.
"""

from ffcast.engine.layout import THEATRES
from ffcast.scenario.priors import (
    PARAMS,
    PATHWAY_CONCENTRATION,
    PATHWAY_PRIOR,
    THEATRE_CONCENTRATION,
    THEATRE_PRIOR,
)


def fmt(v: object) -> str:
    if isinstance(v, dict):
        return "; ".join(f"{k}: {x:g}" for k, x in v.items())
    return f"{v:g}"


print("| parameter | default (mean/median) | prior | scope | unit | meaning | "
      "source or judgement |")
print("|---|---|---|---|---|---|---|")
for p in PARAMS:
    prior = f"{p.dist}, {'concentration' if p.dist == 'beta' else 'sd log'} {p.spread:g}"
    print(f"| `{p.name}` | {fmt(p.mean)} | {prior} | {p.scope} | {p.unit} | {p.description} "
          f"| {p.source} |")
print()
print(f"Pathway propensities (Dirichlet means; concentration {PATHWAY_CONCENTRATION:g}):")
print()
print("| origin region | return | stay | join other | relocate | dispatch |")
print("|---|---|---|---|---|---|")
for r, v in PATHWAY_PRIOR.items():
    print(f"| {r} | " + " | ".join(f"{x:.2f}" for x in v) + " |")
print()
print(f"Relocation destinations (Dirichlet means; concentration {THEATRE_CONCENTRATION:g}):")
print()
print("| origin region | " + " | ".join(THEATRES) + " |")
print("|---|" + "---|" * len(THEATRES))
for r, v in THEATRE_PRIOR.items():
    print(f"| {r} | " + " | ".join(f"{x:.2f}" for x in v) + " |")
