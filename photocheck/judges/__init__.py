"""Stage 2: pure functions from a PhotoAnalysis and the config to judgements. No model runs here."""
