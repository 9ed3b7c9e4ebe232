"""What an export wrote and what it left out, filled in while the rows stream."""
from dataclasses import dataclass


@dataclass
class ExportCounts:
    rows: int = 0
    no_majority: int = 0  # pairs left out because their labels reach no majority (tie policy: skip)
    # aggregate=dawid-skene: pairs without a current Dawid-Skene label (not computed yet, or their labels changed
    # since), aggregated by the majority instead
    dawid_skene_fallback: int = 0
