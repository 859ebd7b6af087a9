"""Typed records that flow one way between the stages: analyse (records/analysis.py) -> judge
(records/judgement.py) -> select (records/selection.py) -> write. They hold data only: importing them loads no model.

Keeping the analysis apart from the judgement lets a cached analysis be re-judged with new thresholds without
running a model."""
