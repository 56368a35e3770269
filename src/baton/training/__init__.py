"""Fitting the models shipped in `baton.models` (needs the `train` extra: scikit-learn)."""
