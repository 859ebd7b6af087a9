"""Stage 1: decode a photo and run the models on it. Every file in this folder (and in models/, and the records
of records/analysis.py) is part of the analysis cache's code hash: editing one retires the cached analyses."""
